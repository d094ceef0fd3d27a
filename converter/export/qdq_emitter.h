// What an op's QDQ export (OpRule::export_qdq, ops/*.cc) writes with: the
// ONNX graph under construction, each value under the name its readers use
// (after its DequantizeLinear where Kite computes it in int8), constants,
// and the convolutions' int8 weights as Kite rounded them.
#ifndef KITE_CONVERTER_EXPORT_QDQ_EMITTER_H_
#define KITE_CONVERTER_EXPORT_QDQ_EMITTER_H_

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.h"

namespace kite {
namespace converter {

class QdqEmitter {
 public:
  virtual ~QdqEmitter() = default;
  virtual const Graph& graph() const = 0;
  // The name an op reads input value `value` under, and the one its
  // producer writes it under.
  virtual std::string Read(int value) = 0;
  virtual std::string Written(int value) const = 0;
  virtual onnx::NodeProto* AddNode(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                                   std::vector<std::string> outputs) = 0;
  virtual std::string FloatConstant(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) = 0;
  virtual std::string IntsConstant(const std::string& name, const std::vector<int64_t>& v) = 0;
  // Conv/ConvTranspose and MatMul/Gemm, with the int8 weights and bias Kite computes with.
  virtual void Conv(const Node& n, const std::string& out) = 0;
  virtual void MatMul(const Node& n, const std::string& out) = 0;

  static void SetInt(onnx::NodeProto* n, const std::string& key, int64_t v);
  static void SetInts(onnx::NodeProto* n, const std::string& key, const std::vector<int64_t>& v);
  static void SetFloat(onnx::NodeProto* n, const std::string& key, float v);
  static void SetString(onnx::NodeProto* n, const std::string& key, const std::string& v);
};

// The node as it is: the same op type, every input read, no attributes.
void ExportSameOp(QdqEmitter& q, const Node& n, const std::string& out);
// A move that keeps the values (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout, Cast): a Reshape to the output's shape.
void ExportAsReshape(QdqEmitter& q, const Node& n, const std::string& out);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_EXPORT_QDQ_EMITTER_H_

// One ONNX operator as the converter treats it, in one place: how its
// outputs' types and shapes follow from its inputs, how it is evaluated on
// constants, which Kite operators it becomes, and how `--emit-qdq` writes it. Every op the converter
// accepts has one entry in its family's file (ops/*.cc); an op without one is
// refused by name. Adding an op is adding its entry and its functions there.
#ifndef KITE_CONVERTER_OPS_OP_RULE_H_
#define KITE_CONVERTER_OPS_OP_RULE_H_

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kite {
namespace converter {

class Lowering;
class QdqEmitter;

struct OpRule {
  const char* op_type;
  // Sets the outputs' types and shapes and resolves parameter inputs into
  // node.params; throws ConversionError naming the node. nullptr: the op is
  // evaluated on constants only (Shape, Range...).
  void (*infer)(Graph& g, Node& n);
  // Evaluates the node into constant outputs; called when every input is
  // constant (or always, with `fold_checks_inputs`: Shape needs only a known
  // shape). Returns false when it leaves the node to run. nullptr: never folded.
  bool (*fold)(Graph& g, Node& n);
  // Emits the node's Kite operators. nullptr: the op never reaches lowering
  // (folded, or rewritten by a pass).
  void (*lower)(Lowering& l, const Node& n);
  // Writes the node into the QDQ ONNX export (export/qdq_emitter.h), its
  // output named `out`; the export adds a fused activation and the output's
  // QuantizeLinear/DequantizeLinear. nullptr: --emit-qdq refuses the op.
  void (*export_qdq)(QdqEmitter& q, const Node& n, const std::string& out) = nullptr;
  bool fold_checks_inputs = false;
};

// The rule for an ONNX op type, or nullptr.
const OpRule* FindOpRule(const std::string& op_type);

// The families, each in its own file.
const std::vector<OpRule>& ElementwiseOps();      // ops/elementwise.cc
const std::vector<OpRule>& ConvOps();             // ops/conv.cc
const std::vector<OpRule>& PoolOps();             // ops/pool.cc
const std::vector<OpRule>& MatMulOps();           // ops/matmul.cc
const std::vector<OpRule>& NormalizationOps();    // ops/normalization.cc
const std::vector<OpRule>& DataMovementOps();     // ops/data_movement.cc
const std::vector<OpRule>& ResizeOps();           // ops/resize.cc
const std::vector<OpRule>& ReduceOps();           // ops/reduce.cc
const std::vector<OpRule>& ConstantOnlyOps();     // ops/constant_only.cc
const std::vector<OpRule>& IndexingOps();         // ops/indexing.cc
const std::vector<OpRule>& CompositeOps();        // ops/composite.cc
const std::vector<OpRule>& QuantizationOps();     // ops/quantization.cc

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_OPS_OP_RULE_H_

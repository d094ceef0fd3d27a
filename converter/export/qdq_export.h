// `kite convert --emit-qdq`: the int8 model Kite built, written back as a QDQ
// ONNX model (QuantizeLinear/DequantizeLinear around every int8 activation,
// int8 weights with per-channel scales, int32 bias), so ONNX Runtime can run
// exactly Kite's quantization: an independent check of Kite's int8 kernels and
// the fair int8-against-int8 comparison.
//
// The graph written is the converter's graph after folding and fusion, in
// opset 14 (fused activations become Relu/Clip nodes again, parameter inputs
// are the values Kite resolved), so its float computation is the model's.
#ifndef KITE_CONVERTER_EXPORT_QDQ_EXPORT_H_
#define KITE_CONVERTER_EXPORT_QDQ_EXPORT_H_

#include <string>

#include "ir/graph.h"
#include "kite_generated.h"

namespace kite {
namespace converter {

// Writes `path` atomically. Throws ConversionError for a node it cannot
// express. With `expose_activations`, every int8 activation is also a graph
// output (named "<value>/dq"), for layer-by-layer checks against Kite. With
// `uint8_activations`, activations are written as uint8 with zero point + 128
// (the same values: u8 = s8 + 128), the form ONNX Runtime's x86 kernels
// prefer; weights stay int8.
void WriteQdqOnnx(const Graph& graph, const schema::ModelT& int8_model, const std::string& path,
                  bool expose_activations = false, bool uint8_activations = false);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_EXPORT_QDQ_EXPORT_H_

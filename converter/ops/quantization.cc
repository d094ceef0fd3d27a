// A pre-quantized (QDQ) model's QuantizeLinear and DequantizeLinear: on
// constant weights, DequantizeLinear folds and its scales are kept; on
// activations, Q -> DQ pairs become quantization parameters (FoldQdqPairs)
// and never reach lowering.
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

void InferQdq(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  SetOutput(g, n, 0, n.op_type == "QuantizeLinear" ? ElementType::kInt64 : ElementType::kFloat, x.shape);
}

// A pre-quantized weight: keep the float values and remember the scales.
bool FoldDequantize(Graph& g, Node& n) {
  RequireInputs(n, 2);
  const Value& x = g.values[n.inputs[0]];
  const std::vector<float>& scale = g.values[n.inputs[1]].constant->floats;
  const std::vector<int64_t> zero = n.has_input(2) ? g.values[n.inputs[2]].constant->ints : std::vector<int64_t>{};
  int64_t axis = n.Int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.shape.size());
  if (scale.empty() || (scale.size() > 1 && (axis < 0 || axis >= static_cast<int64_t>(x.shape.size()) ||
                                             static_cast<int64_t>(scale.size()) != x.shape[axis]))) {
    throw ConversionError(n, "scale does not match the input along axis " + std::to_string(axis));
  }
  if (!zero.empty() && zero.size() != scale.size()) throw ConversionError(n, "zero point and scale differ in size");
  if (x.type == ElementType::kFloat) throw ConversionError(n, "input must be an integer tensor");
  const Shape64 strides = Strides(x.shape);
  std::vector<double> out(x.constant->ints.size());
  bool symmetric = x.onnx_type != onnx_type::kUint8;
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t c = scale.size() == 1 ? 0 : (i / strides[axis]) % x.shape[axis];
    const int64_t zp = zero.empty() ? 0 : zero[zero.size() == 1 ? 0 : c];
    symmetric = symmetric && zp == 0;
    out[i] = static_cast<double>(x.constant->ints[i] - zp) * scale[c];
  }
  const std::string name = g.values[n.outputs[0]].name;
  if (symmetric && (scale.size() == 1 || axis == 0 || x.shape.size() == 2)) g.qdq_weight_scales[name] = scale;
  SetConstant(g.values[n.outputs[0]], ElementType::kFloat, x.shape, out);
  return true;
}

}  // namespace

const std::vector<OpRule>& QuantizationOps() {
  static const std::vector<OpRule> rules = {
      {"QuantizeLinear", InferQdq, nullptr, nullptr},
      {"DequantizeLinear", InferQdq, FoldDequantize, nullptr},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

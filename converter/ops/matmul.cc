// MatMul and Gemm: with a constant 2-D right-hand side, Kite's
// FULLY_CONNECTED ([cols, k] weights, alpha and beta folded in); MatMul of
// two computed operands (attention), BATCH_MATMUL with numpy broadcasting.
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

bool IsFullyConnected(const Graph& g, const Node& n) {
  const Value& b = g.values[n.inputs[1]];
  return n.op_type == "Gemm" || (b.is_constant() && b.shape.size() == 2);
}

void InferBatchMatMul(Graph& g, Node& n) {
  const Value& a = In(g, n, 0);
  const Value& b = In(g, n, 1);
  if (a.shape.size() < 2 || b.shape.size() < 2) throw ConversionError(n, "1-D operands are not supported");
  if (a.shape.size() > 6 || b.shape.size() > 6) throw ConversionError(n, "rank above 6");
  Shape64 batch = Broadcast(n, Shape64(a.shape.begin(), a.shape.end() - 2), Shape64(b.shape.begin(), b.shape.end() - 2));
  if (a.shape.back() != b.shape[b.shape.size() - 2]) throw ConversionError(n, "inner dimensions differ");
  batch.push_back(a.shape[a.shape.size() - 2]);
  batch.push_back(b.shape.back());
  SetOutput(g, n, 0, ElementType::kFloat, batch);
}

void InferMatMul(Graph& g, Node& n) {
  const Value& a = In(g, n, 0);
  const Value& b = In(g, n, 1);
  if (!IsFullyConnected(g, n)) return InferBatchMatMul(g, n);
  if (!b.is_constant() || b.shape.size() != 2) {
    throw ConversionError(n, "only a constant 2-D right-hand side is supported (fully connected)");
  }
  const bool gemm = n.op_type == "Gemm";
  const bool trans_b = gemm && n.Int("transB", 0) != 0;
  if (gemm && (n.Int("transA", 0) != 0 || a.shape.size() != 2)) throw ConversionError(n, "transA / non-2-D A is not supported");
  const int64_t k = trans_b ? b.shape[1] : b.shape[0], cols = trans_b ? b.shape[0] : b.shape[1];
  if (a.shape.empty() || a.shape.back() != k) throw ConversionError(n, "inner dimensions differ");
  if (gemm && n.has_input(2) && !g.values[n.inputs[2]].is_constant()) throw ConversionError(n, "C must be constant");
  Shape64 shape = a.shape;
  shape.back() = cols;
  SetOutput(g, n, 0, ElementType::kFloat, shape);
}

void LowerFullyConnected(Lowering& l, const Node& n) {
  const Value& b = l.value(n.inputs[1]);
  const bool gemm = n.op_type == "Gemm";
  const bool trans_b = gemm && n.Int("transB", 0) != 0;
  const float alpha = gemm ? n.Float("alpha", 1.0f) : 1.0f;
  const int64_t k = trans_b ? b.shape[1] : b.shape[0], cols = trans_b ? b.shape[0] : b.shape[1];
  std::vector<float> weights = trans_b ? b.constant->floats : TransposeData(b.constant->floats, b.shape, {1, 0});
  for (float& w : weights) w *= alpha;
  const int32_t cols32 = static_cast<int32_t>(cols), k32 = static_cast<int32_t>(k);
  std::vector<int32_t> inputs = {l.Tensor(n.inputs[0], IdentityPerm(l.value(n.inputs[0]).shape.size())),
                                 l.builder().Constant(b.name, schema::DataType_FLOAT32, {cols32, k32}, weights)};
  if (gemm && n.has_input(2)) {
    const Value& c = l.value(n.inputs[2]);
    const float beta = n.Float("beta", 1.0f);
    std::vector<float> bias(cols);
    if (c.elements() != cols && c.elements() != 1) throw ConversionError(n, "C must be a per-column bias");
    for (int64_t j = 0; j < cols; ++j) bias[j] = beta * c.constant->floats[c.elements() == 1 ? 0 : j];
    inputs.push_back(l.builder().Constant(c.name, schema::DataType_FLOAT32, {cols32}, bias));
  }
  const auto [lo, hi] = Lowering::Activation(n);
  schema::FullyConnectedOptionsT o;
  o.activation_min = lo;
  o.activation_max = hi;
  l.Emit(n, schema::OpCode_FULLY_CONNECTED, inputs, n.outputs[0], IdentityPerm(l.value(n.outputs[0]).shape.size()),
         Lowering::Options(o));
}

void LowerMatMul(Lowering& l, const Node& n) {
  if (IsFullyConnected(l.graph(), n)) return LowerFullyConnected(l, n);
  if (n.params.activation) throw ConversionError(n, "a fused activation on a batched MatMul is not supported");
  const size_t ra = l.value(n.inputs[0]).shape.size(), rb = l.value(n.inputs[1]).shape.size();
  l.Emit(n, schema::OpCode_BATCH_MATMUL, {l.Tensor(n.inputs[0], IdentityPerm(ra)), l.Tensor(n.inputs[1], IdentityPerm(rb))},
         n.outputs[0], IdentityPerm(l.value(n.outputs[0]).shape.size()));
}

}  // namespace

const std::vector<OpRule>& MatMulOps() {
  static const std::vector<OpRule> rules = {
      {"MatMul", InferMatMul, nullptr, LowerMatMul},
      {"Gemm", InferMatMul, nullptr, LowerMatMul},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

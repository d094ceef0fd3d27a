// MatMul and Gemm: with a constant 2-D right-hand side, Kite's
// FULLY_CONNECTED ([cols, k] weights, alpha and beta folded in); MatMul of
// two computed operands (attention), BATCH_MATMUL with numpy broadcasting;
// any other Gemm (computed B or C, transA) a BATCH_MATMUL of the operands
// in transposed layouts, then alpha and beta * C as Mul and Add.
#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

bool IsFullyConnected(const Graph& g, const Node& n) {
  const Value& b = g.values[n.inputs[1]];
  if (n.op_type != "Gemm") return b.is_constant() && b.shape.size() == 2;
  if (!b.is_constant() || b.shape.size() != 2 || n.Int("transA", 0) != 0 || g.values[n.inputs[0]].shape.size() != 2) {
    return false;
  }
  if (!n.has_input(2)) return true;
  const Value& c = g.values[n.inputs[2]];  // a constant per-column bias folds into the weights' bias
  const int64_t cols = n.Int("transB", 0) != 0 ? b.shape[0] : b.shape[1];
  return c.is_constant() && (c.elements() == cols || c.elements() == 1) && (c.shape.empty() || c.shape.back() == c.elements());
}

// Gemm as A' B' (A' = A or its transpose, B' likewise), then alpha, then beta * C.
void InferGeneralGemm(Graph& g, Node& n) {
  const Value& a = In(g, n, 0);
  const Value& b = In(g, n, 1);
  RequireRank(n, a, 2);
  RequireRank(n, b, 2);
  const bool ta = n.Int("transA", 0) != 0, tb = n.Int("transB", 0) != 0;
  const int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0], cols = tb ? b.shape[0] : b.shape[1];
  if (k != kb) throw ConversionError(n, "inner dimensions differ");
  if (n.has_input(2) && Broadcast(n, {m, cols}, In(g, n, 2).shape) != Shape64{m, cols}) {
    throw ConversionError(n, "C does not broadcast to [" + std::to_string(m) + ", " + std::to_string(cols) + "]");
  }
  SetOutput(g, n, 0, ElementType::kFloat, {m, cols});
}

void LowerGeneralGemm(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: adding values moves the graph's
  const float alpha = n.Float("alpha", 1.0f), beta = n.Float("beta", 1.0f);
  const bool scale = alpha != 1.0f, add = n.has_input(2) && beta != 0.0f;
  const Perm straight = IdentityPerm(2), transposed = {1, 0};
  const int ab = scale || add ? l.AddIntermediate(out, out.name + "/ab", out.shape) : n.outputs[0];
  if (!scale && !add && n.params.activation) throw ConversionError(n, "a fused activation on A * B alone is not supported");
  l.Emit(n, schema::OpCode_BATCH_MATMUL,
         {l.Tensor(n.inputs[0], n.Int("transA", 0) != 0 ? transposed : straight),
          l.Tensor(n.inputs[1], n.Int("transB", 0) != 0 ? transposed : straight)},
         ab, straight);
  int acc = ab;
  if (scale) {
    const int alpha_value = l.AddConstant(out.name + "/alpha", Shape64(out.shape.size(), 1), {alpha});
    const int scaled = add ? l.AddIntermediate(out, out.name + "/alpha_ab", out.shape) : n.outputs[0];
    LowerBinary(l, n, schema::OpCode_MUL, acc, alpha_value, scaled, add ? std::pair<float, float>{-INFINITY, INFINITY} : Lowering::Activation(n));
    acc = scaled;
  }
  if (add) {
    int c = n.inputs[2];
    if (beta != 1.0f) {
      const Value cv = l.value(c);
      if (cv.is_constant()) {
        std::vector<float> data = cv.constant->floats;
        for (float& v : data) v *= beta;
        c = l.AddConstant(cv.name + "/beta", cv.shape, data);
      } else {
        // beta of C's rank (a 0-d C stays 0-d): the product keeps C's shape.
        const int beta_value = l.AddConstant(out.name + "/beta", Shape64(cv.shape.size(), 1), {beta});
        const int scaled_c = l.AddIntermediate(cv, cv.name + "/beta_c", cv.shape);
        LowerBinary(l, n, schema::OpCode_MUL, c, beta_value, scaled_c, {-INFINITY, INFINITY});
        c = scaled_c;
      }
    }
    LowerBinary(l, n, schema::OpCode_ADD, acc, c, n.outputs[0], Lowering::Activation(n));
  }
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
  if (!IsFullyConnected(g, n)) return n.op_type == "Gemm" ? InferGeneralGemm(g, n) : InferBatchMatMul(g, n);
  if (!b.is_constant() || b.shape.size() != 2) {
    throw ConversionError(n, "only a constant 2-D right-hand side is supported (fully connected)");
  }
  const bool gemm = n.op_type == "Gemm";
  const bool trans_b = gemm && n.Int("transB", 0) != 0;
  const int64_t k = trans_b ? b.shape[1] : b.shape[0], cols = trans_b ? b.shape[0] : b.shape[1];
  if (a.shape.empty() || a.shape.back() != k) throw ConversionError(n, "inner dimensions differ");
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
  if (n.op_type == "Gemm") return LowerGeneralGemm(l, n);
  if (n.params.activation) throw ConversionError(n, "a fused activation on a batched MatMul is not supported");
  const size_t ra = l.value(n.inputs[0]).shape.size(), rb = l.value(n.inputs[1]).shape.size();
  l.Emit(n, schema::OpCode_BATCH_MATMUL, {l.Tensor(n.inputs[0], IdentityPerm(ra)), l.Tensor(n.inputs[1], IdentityPerm(rb))},
         n.outputs[0], IdentityPerm(l.value(n.outputs[0]).shape.size()));
}

void ExportMatMul(QdqEmitter& q, const Node& n, const std::string& out) { q.MatMul(n, out); }

}  // namespace

const std::vector<OpRule>& MatMulOps() {
  static const std::vector<OpRule> rules = {
      {"MatMul", InferMatMul, nullptr, LowerMatMul, ExportMatMul},
      {"Gemm", InferMatMul, nullptr, LowerMatMul, ExportMatMul},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

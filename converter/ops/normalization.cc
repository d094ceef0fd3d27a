// BatchNormalization that no Conv absorbed (a per-channel Mul and Add), and
// Softmax.
#include <cmath>

#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

// y = x * scale + shift, per channel (dimension 1).
void LowerBatchNorm(Lowering& l, const Node& n) {
  for (int i = 1; i <= 4; ++i) {
    if (!n.has_input(i) || !l.value(n.inputs[i]).is_constant() || l.value(n.inputs[i]).type != ElementType::kFloat) {
      throw ConversionError(n, "scale, bias, mean and variance must be float constants");
    }
  }
  const auto& gamma = l.value(n.inputs[1]).constant->floats;
  const auto& beta = l.value(n.inputs[2]).constant->floats;
  const auto& mean = l.value(n.inputs[3]).constant->floats;
  const auto& var = l.value(n.inputs[4]).constant->floats;
  const size_t rank = l.value(n.inputs[0]).shape.size();
  const int64_t channels = rank > 1 ? l.value(n.inputs[0]).shape[1] : 1;
  for (const auto* p : {&gamma, &beta, &mean, &var}) {
    if (static_cast<int64_t>(p->size()) != channels) throw ConversionError(n, "the parameters must have one value per channel");
  }
  const float eps = n.Float("epsilon", 1e-5f);
  std::vector<float> scale(gamma.size()), shift(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    scale[c] = gamma[c] / std::sqrt(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  Shape64 shape(rank, 1);
  if (rank > 1) shape[1] = channels;
  const int s = l.AddConstant(n.name + "/scale", shape, scale);
  const int h = l.AddConstant(n.name + "/shift", shape, shift);
  const Value& out = l.value(n.outputs[0]);
  const int mid = l.AddIntermediate(out, out.name + "/scaled", out.shape);
  LowerBinary(l, n, schema::OpCode_MUL, n.inputs[0], s, mid, {-INFINITY, INFINITY});
  LowerBinary(l, n, schema::OpCode_ADD, mid, h, n.outputs[0], {-INFINITY, INFINITY});
}

void LowerSoftmax(Lowering& l, const Node& n) {
  const Value& x = l.value(n.inputs[0]);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t opset = l.graph().opset;
  const int64_t axis = NormalizeAxis(n, n.Int("axis", opset >= 13 ? -1 : 1), rank);
  if (opset >= 13 || axis == rank - 1) {
    const Perm perm = l.LayoutOf(n.inputs[0]);
    schema::SoftmaxOptionsT o;
    o.axis = PhysicalAxis(perm, axis);
    return l.Emit(n, schema::OpCode_SOFTMAX, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  const int64_t outer = Product(Shape64(x.shape.begin(), x.shape.begin() + axis));
  const Shape64 flat_shape = {outer, x.elements() / outer};
  const std::string name = x.name;
  const int flat = l.AddIntermediate(x, name + "/2d", flat_shape);
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(n.inputs[0], IdentityPerm(rank))}, flat, IdentityPerm(2),
         Lowering::Options(schema::ReshapeOptionsT{}));
  const int soft = l.AddIntermediate(l.value(flat), name + "/softmax2d", flat_shape);
  schema::SoftmaxOptionsT o;
  o.axis = 1;
  l.Emit(n, schema::OpCode_SOFTMAX, {l.PlacedTensor(flat)}, soft, IdentityPerm(2), Lowering::Options(o));
  l.Emit(n, schema::OpCode_RESHAPE, {l.PlacedTensor(soft)}, n.outputs[0], IdentityPerm(rank),
         Lowering::Options(schema::ReshapeOptionsT{}));
}

}  // namespace

const std::vector<OpRule>& NormalizationOps() {
  static const std::vector<OpRule> rules = {
      {"BatchNormalization", InferSameShape, nullptr, LowerBatchNorm},
      {"Softmax", InferSameShape, nullptr, LowerSoftmax},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

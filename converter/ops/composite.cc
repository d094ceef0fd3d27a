// ONNX ops Kite runs as a few of its own ops, with no kernel of their own:
// Hardmax (ArgMax, then Equal with the positions), OneHot (Equal with the
// positions, then Where), IsNaN (x != x), IsInf (Equal with infinity),
// Shrink (two Wheres) and LRN (a 1x1 convolution of the squares).
#include <algorithm>
#include <cmath>
#include <limits>

#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

constexpr std::pair<float, float> kNoActivation{-INFINITY, INFINITY};

// 0, 1, ..., length - 1 along `axis` of a rank-`rank` constant (1 elsewhere).
int Positions(Lowering& l, const std::string& name, size_t rank, int64_t axis, int64_t length) {
  Shape64 shape(rank, 1);
  shape[static_cast<size_t>(axis)] = length;
  std::vector<float> values;
  for (int64_t i = 0; i < length; ++i) values.push_back(static_cast<float>(i));
  return l.AddConstant(name, shape, values);
}

// Hardmax: 1 at the first largest value along `axis`, 0 elsewhere.
void InferHardmax(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) throw ConversionError(n, "the input is a scalar");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", g.opset >= 13 ? -1 : 1), rank);
  // Before opset 13 Hardmax flattened the input into 2-D at `axis`: the same
  // only when that leaves one axis.
  if (g.opset < 13 && axis != rank - 1) throw ConversionError(n, "a pre-opset-13 Hardmax over several axes");
  n.params.axes = {axis};
  SetOutput(g, n, 0, x.type, x.shape);
}

void LowerHardmax(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: adding values moves the graph's
  const int64_t axis = n.params.axes.at(0);
  const size_t rank = out.shape.size();
  Shape64 reduced = out.shape;
  reduced[static_cast<size_t>(axis)] = 1;
  Value index_like = out;
  index_like.type = ElementType::kInt64;
  const int index = l.AddIntermediate(index_like, out.name + "/argmax", reduced);
  schema::ArgOptionsT o;
  o.axis = static_cast<int32_t>(axis);
  l.Emit(n, schema::OpCode_ARG_MAX, {l.Tensor(n.inputs[0], IdentityPerm(rank))}, index, IdentityPerm(rank),
         Lowering::Options(o), schema::DataType_INT64);
  const int positions = Positions(l, out.name + "/positions", rank, axis, out.shape[static_cast<size_t>(axis)]);
  LowerBinary(l, n, schema::OpCode_EQUAL, positions, index, n.outputs[0], kNoActivation);
}

// OneHot(indices, depth, values): `on` where the position along the new axis
// equals the index (negative ones count from the end), `off` elsewhere.
void InferOneHot(Graph& g, Node& n) {
  const Value& indices = In(g, n, 0);
  const Value& values = In(g, n, 2);
  const std::vector<double> depth = In(g, n, 1).is_constant() ? Doubles(In(g, n, 1)) : std::vector<double>{};
  if (depth.size() != 1 || !(depth[0] >= 1) || depth[0] > (1 << 24)) {
    throw ConversionError(n, "depth must be a constant between 1 and 2^24");
  }
  if (!values.is_constant() || values.elements() != 2) throw ConversionError(n, "values must be a constant [off, on]");
  const int64_t rank = static_cast<int64_t>(indices.shape.size()) + 1;
  const int64_t axis = NormalizeAxis(n, n.Int("axis", -1), rank);
  Shape64 shape = indices.shape;
  shape.insert(shape.begin() + axis, static_cast<int64_t>(depth[0]));
  n.params.axes = {axis};
  SetOutput(g, n, 0, values.type, shape);
}

void LowerOneHot(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: adding values moves the graph's
  const Value indices = l.value(n.inputs[0]);
  const int64_t axis = n.params.axes.at(0);
  const int64_t depth = out.shape[static_cast<size_t>(axis)];
  const std::vector<double> values = Doubles(l.value(n.inputs[2]));
  Value like = out;
  like.type = ElementType::kFloat;
  const auto step = [&](const std::string& what, const Shape64& shape) {
    return l.AddIntermediate(like, out.name + "/" + what, shape);
  };
  // index + depth * (index < 0)
  const int zero = l.AddConstant(out.name + "/zero", {}, {0.0f});
  const int depth_c = l.AddConstant(out.name + "/depth", {}, {static_cast<float>(depth)});
  const int negative = step("negative", indices.shape), shift = step("shift", indices.shape),
            wrapped = step("wrapped", indices.shape);
  LowerBinary(l, n, schema::OpCode_LESS, n.inputs[0], zero, negative, kNoActivation);
  LowerBinary(l, n, schema::OpCode_MUL, negative, depth_c, shift, kNoActivation);
  LowerBinary(l, n, schema::OpCode_ADD, n.inputs[0], shift, wrapped, kNoActivation);
  // The index with a 1 at the new axis, equal to the positions there.
  Shape64 unsqueezed = indices.shape;
  unsqueezed.insert(unsqueezed.begin() + axis, 1);
  const int column = step("unsqueezed", unsqueezed);
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(wrapped, IdentityPerm(indices.shape.size()))}, column,
         IdentityPerm(unsqueezed.size()), Lowering::Options(schema::ReshapeOptionsT{}));
  const int positions = Positions(l, out.name + "/positions", out.shape.size(), axis, depth);
  const int mask = step("mask", out.shape);
  LowerBinary(l, n, schema::OpCode_EQUAL, column, positions, mask, kNoActivation);
  const int on = l.AddConstant(out.name + "/on", {}, {static_cast<float>(values[1])});
  const int off = l.AddConstant(out.name + "/off", {}, {static_cast<float>(values[0])});
  const Perm identity = IdentityPerm(out.shape.size());
  l.Emit(n, schema::OpCode_WHERE,
         {l.Tensor(mask, identity), l.TensorPadded(on, out.shape.size(), identity), l.TensorPadded(off, out.shape.size(), identity)},
         n.outputs[0], identity);
}

void InferPredicate(Graph& g, Node& n) { SetOutput(g, n, 0, ElementType::kBool, In(g, n, 0).shape); }

// IsNaN: NaN is the one value not equal to itself.
void LowerIsNaN(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);
  const int equal = l.AddIntermediate(out, out.name + "/equal", out.shape);
  LowerBinary(l, n, schema::OpCode_EQUAL, n.inputs[0], n.inputs[0], equal, kNoActivation);
  const Perm perm = l.LayoutOf(equal);
  l.Emit(n, schema::OpCode_NOT, {l.Tensor(equal, perm)}, n.outputs[0], perm);
}

// IsInf: Equal with +inf (detect_positive), -inf (detect_negative), |x| with
// +inf (both), or NaN (neither: nothing equals NaN, all false).
void LowerIsInf(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);
  const bool positive = n.Int("detect_positive", 1) != 0, negative = n.Int("detect_negative", 1) != 0;
  const float target = positive ? INFINITY : negative ? -INFINITY : std::numeric_limits<float>::quiet_NaN();
  const int c = l.AddConstant(out.name + "/target", {}, {target});
  int x = n.inputs[0];
  if (positive && negative) {
    x = l.AddIntermediate(out, out.name + "/abs", out.shape);
    const Perm perm = l.LayoutOf(n.inputs[0]);
    l.Emit(n, schema::OpCode_ABS, {l.Tensor(n.inputs[0], perm)}, x, perm);
  }
  LowerBinary(l, n, schema::OpCode_EQUAL, x, c, n.outputs[0], kNoActivation);
}

// Shrink: x + bias below -lambd, x - bias above lambd, 0 between.
void LowerShrink(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);
  const float lambd = n.Float("lambd", 0.5f), bias = n.Float("bias", 0.0f);
  const auto constant = [&](const char* what, float v) { return l.AddConstant(out.name + "/" + what, {}, {v}); };
  const auto step = [&](const char* what) { return l.AddIntermediate(out, out.name + "/" + what, out.shape); };
  const int below = step("below"), above = step("above"), plus = step("plus"), minus = step("minus"), upper = step("upper");
  LowerBinary(l, n, schema::OpCode_LESS, n.inputs[0], constant("minus_lambd", -lambd), below, kNoActivation);
  LowerBinary(l, n, schema::OpCode_GREATER, n.inputs[0], constant("lambd", lambd), above, kNoActivation);
  LowerBinary(l, n, schema::OpCode_ADD, n.inputs[0], constant("bias", bias), plus, kNoActivation);
  LowerBinary(l, n, schema::OpCode_SUB, n.inputs[0], constant("bias_", bias), minus, kNoActivation);
  const size_t rank = out.shape.size();
  const Perm perm = l.LayoutOf(n.inputs[0]);
  l.Emit(n, schema::OpCode_WHERE,
         {l.Tensor(above, perm), l.Tensor(minus, perm), l.TensorPadded(constant("zero", 0.0f), rank, perm)}, upper, perm);
  l.Emit(n, schema::OpCode_WHERE, {l.Tensor(below, perm), l.Tensor(plus, perm), l.Tensor(upper, perm)}, n.outputs[0], perm);
}

// LRN (AlexNet, GoogLeNet): x / (bias + alpha / size * sum of x^2 over
// `size` neighbouring channels)^beta. The windowed sum, scaled and offset,
// is a 1x1 convolution of x * x with a banded C x C matrix of alpha / size
// and a bias of `bias`; then Pow and Div.
void InferLrn(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  if (n.Int("size", 0) < 1) throw ConversionError(n, "size must be at least 1");
  SetOutput(g, n, 0, x.type, x.shape);
}

void LowerLrn(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: adding values moves the graph's
  const int64_t channels = out.shape[1], size = n.Int("size", 1);
  const float alpha = n.Float("alpha", 1e-4f), beta = n.Float("beta", 0.75f), bias = n.Float("bias", 1.0f);
  std::vector<float> band(static_cast<size_t>(channels * channels), 0.0f);  // [out, 1, 1, in]
  for (int64_t c = 0; c < channels; ++c) {
    const int64_t lo = std::max<int64_t>(0, c - (size - 1) / 2), hi = std::min<int64_t>(channels - 1, c + size / 2);
    for (int64_t i = lo; i <= hi; ++i) band[static_cast<size_t>(c * channels + i)] = alpha / static_cast<float>(size);
  }
  const auto step = [&](const char* what) { return l.AddIntermediate(out, out.name + "/" + what, out.shape); };
  const int squares = step("squares"), sums = step("sums"), denominator = step("denominator");
  const int x = l.Tensor(n.inputs[0], kNhwc);
  l.Emit(n, schema::OpCode_MUL, {x, x}, squares, kNhwc, Lowering::Options(schema::BinaryOptionsT{}));
  ModelBuilder& b = l.builder();
  const int weights = b.Constant(out.name + "/band", schema::DataType_FLOAT32,
                                 {static_cast<int32_t>(channels), 1, 1, static_cast<int32_t>(channels)}, band);
  const int offset = b.Constant(out.name + "/bias", schema::DataType_FLOAT32, {static_cast<int32_t>(channels)},
                                std::vector<float>(static_cast<size_t>(channels), bias));
  l.Emit(n, schema::OpCode_CONV_2D, {l.Tensor(squares, kNhwc), weights, offset}, sums, kNhwc,
         Lowering::Options(schema::Conv2DOptionsT{}));
  LowerBinary(l, n, schema::OpCode_POW, sums, l.AddConstant(out.name + "/beta", {}, {beta}), denominator, kNoActivation);
  LowerBinary(l, n, schema::OpCode_DIV, n.inputs[0], denominator, n.outputs[0], kNoActivation);
}

}  // namespace

const std::vector<OpRule>& CompositeOps() {
  static const std::vector<OpRule> rules = {
      {"Hardmax", InferHardmax, nullptr, LowerHardmax},
      {"OneHot", InferOneHot, nullptr, LowerOneHot},
      {"IsNaN", InferPredicate, nullptr, LowerIsNaN},
      {"IsInf", InferPredicate, nullptr, LowerIsInf},
      {"Shrink", InferSameShape, nullptr, LowerShrink},
      {"LRN", InferLrn, nullptr, LowerLrn},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

// Element-wise ops: functions of one input, numpy-broadcast binary ops, and
// the ones Kite evaluates on constants only (shape and index arithmetic).
#include <algorithm>
#include <cmath>

#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

template <schema::OpCode kCode>
void LowerUnary(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  l.Emit(n, kCode, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm);
}

template <double (*kF)(double)>
bool FoldUnaryOf(Graph& g, Node& n) {
  return n.inputs.size() == 1 && n.has_input(0) && FoldUnary(g, n, kF);
}

double ReluOf(double x) { return std::max(0.0, x); }
double SigmoidOf(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double SqrtOf(double x) { return std::sqrt(x); }
double NegOf(double x) { return -x; }
double FloorOf(double x) { return std::floor(x); }
double CeilOf(double x) { return std::ceil(x); }
double AbsOf(double x) { return std::fabs(x); }
double NotOf(double x) { return x == 0 ? 1.0 : 0.0; }
double ReciprocalOf(double x) { return 1.0 / x; }

void InferClip(Graph& g, Node& n) {
  if (n.inputs.size() > 1) {
    n.params.min = n.has_input(1) ? ConstFloats(g, n, 1, "min")[0] : -INFINITY;
    n.params.max = n.has_input(2) ? ConstFloats(g, n, 2, "max")[0] : INFINITY;
  } else {
    n.params.min = n.Float("min", -INFINITY);
    n.params.max = n.Float("max", INFINITY);
  }
  InferSameShape(g, n);
}

void LowerClip(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::ClipOptionsT o;
  o.min = n.params.min;
  o.max = n.params.max;
  l.Emit(n, schema::OpCode_CLIP, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void LowerHardSigmoid(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::HardSigmoidOptionsT o;
  o.alpha = n.Float("alpha", 0.2f);
  o.beta = n.Float("beta", 0.5f);
  l.Emit(n, schema::OpCode_HARD_SIGMOID, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void LowerLeakyRelu(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::LeakyReluOptionsT o;
  o.alpha = n.Float("alpha", 0.01f);
  l.Emit(n, schema::OpCode_LEAKY_RELU, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void InferDropout(Graph& g, Node& n) {
  if (OutputIsRead(g, n, 1)) throw ConversionError(n, "the mask output is not supported");
  InferSameShape(g, n);
}

bool FoldCopy(Graph& g, Node& n) {
  RequireInputs(n, 1);
  const Value& a = g.values[n.inputs[0]];
  SetConstant(g.values[n.outputs[0]], a.type, a.shape, Doubles(a));
  return true;
}

void InferCast(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  if (n.Int("to", 1) != 1) throw ConversionError(n, "only casts to float32 are supported on computed values");
  SetOutput(g, n, 0, ElementType::kFloat, x.shape);
}

bool FoldCast(Graph& g, Node& n) {
  RequireInputs(n, 1);
  const Value& a = g.values[n.inputs[0]];
  const int64_t to = n.Int("to", 1);
  ElementType type = ElementType::kInt64;
  if (to == 1 || to == 11 || to == 10) type = ElementType::kFloat;
  if (to == 9) type = ElementType::kBool;
  auto d = Doubles(a);
  for (double& x : d) {
    x = type == ElementType::kFloat ? static_cast<double>(static_cast<float>(x)) : type == ElementType::kBool ? (x != 0) : std::trunc(x);
  }
  SetConstant(g.values[n.outputs[0]], type, a.shape, d);
  return true;
}

void LowerCast(Lowering& l, const Node& n) {
  if (l.value(n.inputs[0]).type != ElementType::kFloat) throw ConversionError(n, "only float32 to float32 casts are supported");
  LowerAsReshape(l, n);
}

void InferBinary(Graph& g, Node& n) {
  const Value& a = In(g, n, 0);
  const Value& b = In(g, n, 1);
  SetOutput(g, n, 0, n.op_type == "Equal" ? ElementType::kBool : a.type, Broadcast(n, a.shape, b.shape));
}

template <double (*kF)(double, double), bool kBoolean = false>
bool FoldBinaryOf(Graph& g, Node& n) {
  return n.inputs.size() == 2 && n.has_input(0) && n.has_input(1) && FoldBinary(g, n, kF, kBoolean);
}

double AddOf(double x, double y) { return x + y; }
double SubOf(double x, double y) { return x - y; }
double MulOf(double x, double y) { return x * y; }
double DivOf(double x, double y) { return x / y; }
double PowOf(double x, double y) { return std::pow(x, y); }
double MinOf(double x, double y) { return std::min(x, y); }
double MaxOf(double x, double y) { return std::max(x, y); }
double EqualOf(double x, double y) { return x == y ? 1.0 : 0.0; }
double LessOf(double x, double y) { return x < y ? 1.0 : 0.0; }
double GreaterOf(double x, double y) { return x > y ? 1.0 : 0.0; }

template <schema::OpCode kCode>
void LowerBinaryOp(Lowering& l, const Node& n) {
  LowerBinary(l, n, kCode, n.inputs[0], n.inputs[1], n.outputs[0], Lowering::Activation(n));
}

void LowerEqual(Lowering& l, const Node& n) {
  if (l.value(n.outputs[0]).type != ElementType::kFloat) {
    throw ConversionError(n, "a boolean result is supported only when cast to float32");
  }
  LowerBinaryOp<schema::OpCode_EQUAL>(l, n);
}

// Pow with a constant exponent of 2, 1 or 0.5: x * x, x, sqrt(x).
void InferPow(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const auto exponent = ConstFloats(g, n, 1, "exponent");
  if (exponent.size() != 1 || (exponent[0] != 2.0f && exponent[0] != 0.5f && exponent[0] != 1.0f)) {
    throw ConversionError(n, "only exponents 2, 1 and 0.5 are supported");
  }
  SetOutput(g, n, 0, x.type, Broadcast(n, x.shape, In(g, n, 1).shape));
}

void LowerPow(Lowering& l, const Node& n) {
  const ConstantData& e = *l.value(n.inputs[1]).constant;
  const float exponent = e.floats.empty() ? static_cast<float>(e.ints[0]) : e.floats[0];
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const int x = l.Tensor(n.inputs[0], perm), out = n.outputs[0];
  if (exponent == 2.0f) return l.Emit(n, schema::OpCode_MUL, {x, x}, out, perm, Lowering::Options(schema::BinaryOptionsT{}));
  if (exponent == 0.5f) return l.Emit(n, schema::OpCode_SQRT, {x}, out, perm);
  l.Emit(n, schema::OpCode_RESHAPE, {x}, out, perm, Lowering::Options(schema::ReshapeOptionsT{}));
}

}  // namespace

const std::vector<OpRule>& ElementwiseOps() {
  static const std::vector<OpRule> rules = {
      {"Relu", InferSameShape, FoldUnaryOf<ReluOf>, LowerUnary<schema::OpCode_RELU>},
      {"Sigmoid", InferSameShape, FoldUnaryOf<SigmoidOf>, LowerUnary<schema::OpCode_SIGMOID>},
      {"Tanh", InferSameShape, nullptr, LowerUnary<schema::OpCode_TANH>},
      {"HardSwish", InferSameShape, nullptr, LowerUnary<schema::OpCode_HARD_SWISH>},
      {"Sqrt", InferSameShape, FoldUnaryOf<SqrtOf>, LowerUnary<schema::OpCode_SQRT>},
      {"Clip", InferClip, nullptr, LowerClip},
      {"HardSigmoid", InferSameShape, nullptr, LowerHardSigmoid},
      {"LeakyRelu", InferSameShape, nullptr, LowerLeakyRelu},
      {"Identity", InferSameShape, FoldCopy, LowerAsReshape},
      {"Dropout", InferDropout, FoldCopy, LowerAsReshape},
      {"Cast", InferCast, FoldCast, LowerCast},
      {"Add", InferBinary, FoldBinaryOf<AddOf>, LowerBinaryOp<schema::OpCode_ADD>},
      {"Sub", InferBinary, FoldBinaryOf<SubOf>, LowerBinaryOp<schema::OpCode_SUB>},
      {"Mul", InferBinary, FoldBinaryOf<MulOf>, LowerBinaryOp<schema::OpCode_MUL>},
      {"Div", InferBinary, FoldBinaryOf<DivOf>, LowerBinaryOp<schema::OpCode_DIV>},
      {"Equal", InferBinary, FoldBinaryOf<EqualOf, true>, LowerEqual},
      {"Pow", InferPow, FoldBinaryOf<PowOf>, LowerPow},
      // Shape and index arithmetic: evaluated on constants only.
      {"Min", nullptr, FoldBinaryOf<MinOf>, nullptr},
      {"Max", nullptr, FoldBinaryOf<MaxOf>, nullptr},
      {"Less", nullptr, FoldBinaryOf<LessOf, true>, nullptr},
      {"Greater", nullptr, FoldBinaryOf<GreaterOf, true>, nullptr},
      {"Neg", nullptr, FoldUnaryOf<NegOf>, nullptr},
      {"Floor", nullptr, FoldUnaryOf<FloorOf>, nullptr},
      {"Ceil", nullptr, FoldUnaryOf<CeilOf>, nullptr},
      {"Abs", nullptr, FoldUnaryOf<AbsOf>, nullptr},
      {"Not", nullptr, FoldUnaryOf<NotOf>, nullptr},
      {"Reciprocal", nullptr, FoldUnaryOf<ReciprocalOf>, nullptr},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

// Element-wise ops: functions of one input, numpy-broadcast binary ops, and
// the ones Kite evaluates on constants only (shape and index arithmetic).
#include <algorithm>
#include <cmath>

#include "export/qdq_emitter.h"
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
double ExpOf(double x) { return std::exp(x); }
double LogOf(double x) { return std::log(x); }
double RoundOf(double x) { return std::nearbyint(x); }  // halves to even, as ONNX
double SignOf(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }
double TanhOf(double x) { return std::tanh(x); }

// An element-wise function with ElementwiseOptions: `alpha` from the
// attribute (ONNX's default given), `gamma` likewise where the op has one.
template <schema::OpCode kCode>
void LowerWithAlpha(Lowering& l, const Node& n, float alpha_default, float gamma_default) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::ElementwiseOptionsT o;
  o.alpha = n.Float("alpha", alpha_default);
  o.gamma = n.Float("gamma", gamma_default);
  if (kCode == schema::OpCode_CELU && o.alpha == 0.0f) throw ConversionError(n, "alpha must not be 0");
  l.Emit(n, kCode, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void LowerElu(Lowering& l, const Node& n) { LowerWithAlpha<schema::OpCode_ELU>(l, n, 1.0f, 1.0f); }
void LowerCelu(Lowering& l, const Node& n) { LowerWithAlpha<schema::OpCode_CELU>(l, n, 1.0f, 1.0f); }
void LowerThresholdedRelu(Lowering& l, const Node& n) {
  LowerWithAlpha<schema::OpCode_THRESHOLDED_RELU>(l, n, 1.0f, 1.0f);
}
void LowerSelu(Lowering& l, const Node& n) {
  LowerWithAlpha<schema::OpCode_SELU>(l, n, 1.67326319217681884765625f, 1.05070102214813232421875f);
}

void InferClip(Graph& g, Node& n) {
  if (n.inputs.size() > 1) {
    n.params.min = n.has_input(1) ? ConstScalar(g, n, 1, "min") : -INFINITY;
    n.params.max = n.has_input(2) ? ConstScalar(g, n, 2, "max") : INFINITY;
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

// Dropout at inference is the identity and its mask all true; training mode
// (random masks) is not supported.
void InferDropout(Graph& g, Node& n) {
  if (n.has_input(2)) {
    const Value& training = g.values[n.inputs[2]];
    if (!training.is_constant() || Doubles(training).empty() || Doubles(training)[0] != 0) {
      throw ConversionError(n, "training mode (input 'training_mode' not a constant false) is not supported");
    }
  }
  InferSameShape(g, n);
  if (OutputIsRead(g, n, 1)) {
    const Shape64 shape = In(g, n, 0).shape;
    SetConstant(g.values[n.outputs[1]], ElementType::kBool, shape,
                std::vector<double>(static_cast<size_t>(FoldedElements(n, shape)), 1.0));
  }
}

bool FoldCopy(Graph& g, Node& n) {
  RequireInputs(n, 1);
  const Value& a = g.values[n.inputs[0]];
  SetConstant(g.values[n.outputs[0]], a.type, a.shape, Doubles(a));
  return true;
}

// Cast of a computed value: to float32 (double: float32), int32, int64,
// uint8 or bool. Kite computes integers as float32, so a cast to an integer
// type truncates (a native integer tensor) and a cast to float is a copy.
void InferCast(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const int64_t to = n.Int("to", 1);
  ElementType type;
  switch (to) {
    case onnx_type::kFloat:
    case onnx_type::kDouble: type = ElementType::kFloat; break;
    case onnx_type::kUint8:
    case onnx_type::kInt32:
    case onnx_type::kInt64: type = ElementType::kInt64; break;
    case onnx_type::kBool: type = ElementType::kBool; break;
    default:
      throw ConversionError(n, "a cast to ONNX data type " + std::to_string(to) +
                                   " is not supported on computed values (float32, double, uint8, int32, int64, bool are)");
  }
  SetOutput(g, n, 0, type, x.shape);
  g.values[n.outputs[0]].onnx_type = static_cast<int32_t>(to);
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
  schema::DataType type;
  switch (n.Int("to", 1)) {
    case onnx_type::kUint8: type = schema::DataType_UINT8; break;
    case onnx_type::kInt32: type = schema::DataType_INT32; break;
    case onnx_type::kInt64: type = schema::DataType_INT64; break;
    case onnx_type::kBool: type = schema::DataType_BOOL; break;
    default: {  // to float: the input's float32 form, no copy
      const Perm perm = l.LayoutOf(n.inputs[0]);
      return l.Place(n.outputs[0], l.Tensor(n.inputs[0], perm), perm);
    }
  }
  const Perm perm = l.LayoutOf(n.inputs[0]);
  l.Emit(n, schema::OpCode_CAST, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, {}, type);
}

bool IsBooleanOp(const std::string& op) {
  return op == "Equal" || op == "Greater" || op == "GreaterOrEqual" || op == "Less" || op == "LessOrEqual" ||
         op == "And" || op == "Or" || op == "Xor";
}

void InferBinary(Graph& g, Node& n) {
  const Value& a = In(g, n, 0);
  const Value& b = In(g, n, 1);
  SetOutput(g, n, 0, IsBooleanOp(n.op_type) ? ElementType::kBool : a.type, Broadcast(n, a.shape, b.shape));
}

void InferNot(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  SetOutput(g, n, 0, ElementType::kBool, x.shape);
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
double LessOrEqualOf(double x, double y) { return x <= y ? 1.0 : 0.0; }
double GreaterOrEqualOf(double x, double y) { return x >= y ? 1.0 : 0.0; }
double AndOf(double x, double y) { return x != 0 && y != 0 ? 1.0 : 0.0; }
double OrOf(double x, double y) { return x != 0 || y != 0 ? 1.0 : 0.0; }
double XorOf(double x, double y) { return (x != 0) != (y != 0) ? 1.0 : 0.0; }

template <schema::OpCode kCode>
void LowerBinaryOp(Lowering& l, const Node& n) {
  LowerBinary(l, n, kCode, n.inputs[0], n.inputs[1], n.outputs[0], Lowering::Activation(n));
}

// Integer Div truncates toward zero (ONNX): DIV in float32, then a cast to
// int64 (the value's native form).
void LowerDiv(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: AddIntermediate moves the graph's values
  if (out.type == ElementType::kFloat) return LowerBinaryOp<schema::OpCode_DIV>(l, n);
  const int quotient = l.AddIntermediate(out, out.name + "/quotient", out.shape);
  LowerBinary(l, n, schema::OpCode_DIV, n.inputs[0], n.inputs[1], quotient, {-INFINITY, INFINITY});
  const Perm perm = l.LayoutOf(quotient);
  l.Emit(n, schema::OpCode_CAST, {l.Tensor(quotient, perm)}, n.outputs[0], perm, {}, schema::DataType_INT64);
}

// Pow: a constant exponent of 2, 1 or 0.5 becomes x * x, x or sqrt(x) (ops
// with int8 forms); any other exponent, constant or computed, is POW (float).
bool IsSimpleExponent(const Graph& g, const Node& n) {
  const Value& e = g.values[n.inputs[1]];
  if (!e.is_constant() || e.elements() != 1) return false;
  const double v = Doubles(e)[0];
  return v == 2.0 || v == 1.0 || v == 0.5;
}

void InferPow(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const Value& e = In(g, n, 1);
  SetOutput(g, n, 0, x.type, Broadcast(n, x.shape, e.shape));
}

void LowerPow(Lowering& l, const Node& n) {
  if (!IsSimpleExponent(l.graph(), n)) {
    const Value& e = l.value(n.inputs[1]);
    if (e.is_constant() && e.type != ElementType::kFloat) {  // an integer exponent: its float value
      const std::vector<double> d = Doubles(e);
      const int c = l.AddConstant(e.name + "/float", e.shape, std::vector<float>(d.begin(), d.end()));
      return LowerBinary(l, n, schema::OpCode_POW, n.inputs[0], c, n.outputs[0], {-INFINITY, INFINITY});
    }
    return LowerBinary(l, n, schema::OpCode_POW, n.inputs[0], n.inputs[1], n.outputs[0], {-INFINITY, INFINITY});
  }
  const float exponent = static_cast<float>(Doubles(l.value(n.inputs[1]))[0]);
  const Shape64& out_shape = l.value(n.outputs[0]).shape;
  if (l.value(n.inputs[0]).shape != out_shape) {  // the exponent broadcasts x: let POW do it
    return LowerBinary(l, n, schema::OpCode_POW, n.inputs[0], n.inputs[1], n.outputs[0], {-INFINITY, INFINITY});
  }
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const int x = l.Tensor(n.inputs[0], perm), out = n.outputs[0];
  if (exponent == 2.0f) return l.Emit(n, schema::OpCode_MUL, {x, x}, out, perm, Lowering::Options(schema::BinaryOptionsT{}));
  if (exponent == 0.5f) return l.Emit(n, schema::OpCode_SQRT, {x}, out, perm);
  l.Emit(n, schema::OpCode_RESHAPE, {x}, out, perm, Lowering::Options(schema::ReshapeOptionsT{}));
}

// PRelu: the slope broadcasts to x (unidirectionally).
void InferPRelu(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  if (Broadcast(n, x.shape, In(g, n, 1).shape) != x.shape) {
    throw ConversionError(n, "the slope does not broadcast to the input's shape");
  }
  SetOutput(g, n, 0, x.type, x.shape);
}

// Mod: fmod = 1 takes the dividend's sign (C's fmod), fmod = 0 the divisor's
// (Python's %, integers only).
double ModOf(double x, double y, bool c_fmod) {
  if (c_fmod) return std::fmod(x, y);
  if (y == 0) return 0;  // integer division by zero: undefined in ONNX; no trap here
  const double r = std::fmod(x, y);
  return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

bool FoldMod(Graph& g, Node& n) {
  const bool c_fmod = n.Int("fmod", 0) != 0;
  return n.inputs.size() == 2 && n.has_input(0) && n.has_input(1) &&
         FoldBinary(g, n, [c_fmod](double x, double y) { return ModOf(x, y, c_fmod); });
}

void InferMod(Graph& g, Node& n) {
  if (n.Int("fmod", 0) == 0 && In(g, n, 0).type == ElementType::kFloat) {
    throw ConversionError(n, "fmod = 0 is for integers; a float Mod needs fmod = 1");
  }
  InferBinary(g, n);
}

// fmod = 1: MOD (C's fmod). fmod = 0, integers computed as float32: the
// remainder of floor division, a - floor(a / b) * b, exact below 2^24.
void LowerMod(Lowering& l, const Node& n) {
  if (n.Int("fmod", 0) != 0) return LowerBinaryOp<schema::OpCode_MOD>(l, n);
  const Value out = l.value(n.outputs[0]);  // a copy: AddIntermediate moves the graph's values
  const auto step = [&](const char* what) { return l.AddIntermediate(out, out.name + "/" + what, out.shape); };
  const int quotient = step("quotient"), floored = step("floor"), product = step("product");
  const std::pair<float, float> none{-INFINITY, INFINITY};
  LowerBinary(l, n, schema::OpCode_DIV, n.inputs[0], n.inputs[1], quotient, none);
  const Perm perm = l.LayoutOf(quotient);
  l.Emit(n, schema::OpCode_FLOOR, {l.Tensor(quotient, perm)}, floored, perm);
  LowerBinary(l, n, schema::OpCode_MUL, floored, n.inputs[1], product, none);
  LowerBinary(l, n, schema::OpCode_SUB, n.inputs[0], product, n.outputs[0], none);
}

// Max, Min, Sum, Mean: any number of inputs, broadcast together.
void InferVariadic(Graph& g, Node& n) {
  RequireInputs(n, 1);
  Shape64 shape = In(g, n, 0).shape;
  for (size_t i = 1; i < n.inputs.size(); ++i) shape = Broadcast(n, shape, In(g, n, i).shape);
  SetOutput(g, n, 0, In(g, n, 0).type, shape);
}

// A chain of binary ops: ((x0 op x1) op x2) ...; Mean then scales by 1/n.
void LowerVariadic(Lowering& l, const Node& n, schema::OpCode opcode, bool mean) {
  const Value out = l.value(n.outputs[0]);  // a copy: adding values moves the graph's
  const size_t count = n.inputs.size();
  if (count == 1 && !mean) return LowerAsReshape(l, n);
  int acc = n.inputs[0];
  Shape64 shape = l.value(acc).shape;
  for (size_t i = 1; i < count; ++i) {
    shape = Broadcast(n, shape, l.value(n.inputs[i]).shape);
    const bool last = i + 1 == count && !mean;
    const int next = last ? n.outputs[0] : l.AddIntermediate(out, out.name + "/" + std::to_string(i), shape);
    LowerBinary(l, n, opcode, acc, n.inputs[i], next, {-INFINITY, INFINITY});
    acc = next;
  }
  if (mean) {
    // All-ones dims of the sum's rank: broadcasting keeps the sum's shape (a [1] would make a 0-d sum [1]).
    const int scale = l.AddConstant(out.name + "/1_over_n", Shape64(shape.size(), 1), {1.0f / static_cast<float>(count)});
    LowerBinary(l, n, schema::OpCode_MUL, acc, scale, n.outputs[0], {-INFINITY, INFINITY});
  }
}

template <schema::OpCode kCode>
void LowerChain(Lowering& l, const Node& n) {
  LowerVariadic(l, n, kCode, false);
}
void LowerMean(Lowering& l, const Node& n) { LowerVariadic(l, n, schema::OpCode_ADD, true); }

void ExportClip(QdqEmitter& q, const Node& n, const std::string& out) {
  q.AddNode("Clip", n.name, {q.Read(n.inputs[0]), q.FloatConstant(n.name + "/min", {}, {n.params.min}),
                             q.FloatConstant(n.name + "/max", {}, {n.params.max})}, {out});
}

void ExportAlphaBeta(QdqEmitter& q, const Node& n, const std::string& out) {
  const bool hard_sigmoid = n.op_type == "HardSigmoid";
  onnx::NodeProto* node = q.AddNode(n.op_type, n.name, {q.Read(n.inputs[0])}, {out});
  QdqEmitter::SetFloat(node, "alpha", n.Float("alpha", hard_sigmoid ? 0.2f : 0.01f));
  if (hard_sigmoid) QdqEmitter::SetFloat(node, "beta", n.Float("beta", 0.5f));
}

// Kite's Equal has a float output (0 or 1): ONNX's bool, cast.
void ExportEqual(QdqEmitter& q, const Node& n, const std::string& out) {
  q.AddNode("Equal", n.name, {q.Read(n.inputs[0]), q.Read(n.inputs[1])}, {out + "/bool"});
  QdqEmitter::SetInt(q.AddNode("Cast", n.name + "/cast", {out + "/bool"}, {out}), "to", onnx::TensorProto_DataType_FLOAT);
}

// The exponents Kite quantizes (IsSimpleExponent): x * x, sqrt(x), x.
void ExportPow(QdqEmitter& q, const Node& n, const std::string& out) {
  const Value& e = q.graph().values[n.inputs[1]];
  const float exponent = e.constant->floats.empty() ? static_cast<float>(e.constant->ints[0]) : e.constant->floats[0];
  const std::string x = q.Read(n.inputs[0]);
  if (exponent == 2.0f) q.AddNode("Mul", n.name, {x, x}, {out});
  else if (exponent == 0.5f) q.AddNode("Sqrt", n.name, {x}, {out});
  else q.AddNode("Identity", n.name, {x}, {out});
}

// Kite's fused GELU (opset 20's Gelu), written as the ONNX ops it came from, in float.
void ExportGelu(QdqEmitter& q, const Node& n, const std::string& out) {
  const std::string x = q.Read(n.inputs[0]);
  q.AddNode("Mul", n.name + "/scale", {x, q.FloatConstant(n.name + "/inv_sqrt2", {}, {0.70710678f})}, {out + "/scaled"});
  q.AddNode("Erf", n.name + "/erf", {out + "/scaled"}, {out + "/erf"});
  q.AddNode("Add", n.name + "/add", {out + "/erf", q.FloatConstant(n.name + "/one", {}, {1.0f})}, {out + "/1+erf"});
  q.AddNode("Mul", n.name + "/product", {x, out + "/1+erf"}, {out + "/product"});
  q.AddNode("Mul", n.name, {out + "/product", q.FloatConstant(n.name + "/half", {}, {0.5f})}, {out});
}

}  // namespace

const std::vector<OpRule>& ElementwiseOps() {
  static const std::vector<OpRule> rules = {
      {"Relu", InferSameShape, FoldUnaryOf<ReluOf>, LowerUnary<schema::OpCode_RELU>, ExportSameOp},
      {"Sigmoid", InferSameShape, FoldUnaryOf<SigmoidOf>, LowerUnary<schema::OpCode_SIGMOID>, ExportSameOp},
      {"Tanh", InferSameShape, FoldUnaryOf<TanhOf>, LowerUnary<schema::OpCode_TANH>, ExportSameOp},
      {"HardSwish", InferSameShape, nullptr, LowerUnary<schema::OpCode_HARD_SWISH>, ExportSameOp},
      {"Sqrt", InferSameShape, FoldUnaryOf<SqrtOf>, LowerUnary<schema::OpCode_SQRT>, ExportSameOp},
      {"Clip", InferClip, nullptr, LowerClip, ExportClip},
      {"HardSigmoid", InferSameShape, nullptr, LowerHardSigmoid, ExportAlphaBeta},
      {"LeakyRelu", InferSameShape, nullptr, LowerLeakyRelu, ExportAlphaBeta},
      {"Identity", InferSameShape, FoldCopy, LowerAsReshape, ExportAsReshape},
      {"Dropout", InferDropout, FoldCopy, LowerAsReshape, ExportAsReshape},
      {"Cast", InferCast, FoldCast, LowerCast, ExportAsReshape},
      {"Add", InferBinary, FoldBinaryOf<AddOf>, LowerBinaryOp<schema::OpCode_ADD>, ExportSameOp},
      {"Sub", InferBinary, FoldBinaryOf<SubOf>, LowerBinaryOp<schema::OpCode_SUB>, ExportSameOp},
      {"Mul", InferBinary, FoldBinaryOf<MulOf>, LowerBinaryOp<schema::OpCode_MUL>, ExportSameOp},
      {"Div", InferBinary, FoldBinaryOf<DivOf>, LowerDiv, ExportSameOp},
      {"Equal", InferBinary, FoldBinaryOf<EqualOf, true>, LowerBinaryOp<schema::OpCode_EQUAL>, ExportEqual},
      {"Less", InferBinary, FoldBinaryOf<LessOf, true>, LowerBinaryOp<schema::OpCode_LESS>},
      {"LessOrEqual", InferBinary, FoldBinaryOf<LessOrEqualOf, true>, LowerBinaryOp<schema::OpCode_LESS_EQUAL>},
      {"Greater", InferBinary, FoldBinaryOf<GreaterOf, true>, LowerBinaryOp<schema::OpCode_GREATER>},
      {"GreaterOrEqual", InferBinary, FoldBinaryOf<GreaterOrEqualOf, true>, LowerBinaryOp<schema::OpCode_GREATER_EQUAL>},
      {"And", InferBinary, FoldBinaryOf<AndOf, true>, LowerBinaryOp<schema::OpCode_AND>},
      {"Or", InferBinary, FoldBinaryOf<OrOf, true>, LowerBinaryOp<schema::OpCode_OR>},
      {"Xor", InferBinary, FoldBinaryOf<XorOf, true>, LowerBinaryOp<schema::OpCode_XOR>},
      {"Not", InferNot, FoldUnaryOf<NotOf>, LowerUnary<schema::OpCode_NOT>},
      {"Pow", InferPow, FoldBinaryOf<PowOf>, LowerPow, ExportPow},
      {"PRelu", InferPRelu, nullptr, LowerBinaryOp<schema::OpCode_PRELU>, ExportSameOp},
      {"Mod", InferMod, FoldMod, LowerMod},
      {"Max", InferVariadic, FoldBinaryOf<MaxOf>, LowerChain<schema::OpCode_MAXIMUM>},
      {"Min", InferVariadic, FoldBinaryOf<MinOf>, LowerChain<schema::OpCode_MINIMUM>},
      {"Sum", InferVariadic, FoldBinaryOf<AddOf>, LowerChain<schema::OpCode_ADD>},
      {"Mean", InferVariadic, nullptr, LowerMean},
      {"Neg", InferSameShape, FoldUnaryOf<NegOf>, LowerUnary<schema::OpCode_NEG>},
      {"Floor", InferSameShape, FoldUnaryOf<FloorOf>, LowerUnary<schema::OpCode_FLOOR>},
      {"Ceil", InferSameShape, FoldUnaryOf<CeilOf>, LowerUnary<schema::OpCode_CEIL>},
      {"Abs", InferSameShape, FoldUnaryOf<AbsOf>, LowerUnary<schema::OpCode_ABS>},
      {"Reciprocal", InferSameShape, FoldUnaryOf<ReciprocalOf>, LowerUnary<schema::OpCode_RECIPROCAL>},
      {"Exp", InferSameShape, FoldUnaryOf<ExpOf>, LowerUnary<schema::OpCode_EXP>},
      {"Log", InferSameShape, FoldUnaryOf<LogOf>, LowerUnary<schema::OpCode_LOG>},
      {"Round", InferSameShape, FoldUnaryOf<RoundOf>, LowerUnary<schema::OpCode_ROUND>},
      {"Sign", InferSameShape, FoldUnaryOf<SignOf>, LowerUnary<schema::OpCode_SIGN>},
      {"Erf", InferSameShape, nullptr, LowerUnary<schema::OpCode_ERF>},
      // Not an ONNX op before opset 20: the fused form of an exported GELU (passes/fuse.cc).
      {"Gelu", InferSameShape, nullptr, LowerUnary<schema::OpCode_GELU>, ExportGelu},
      {"Sin", InferSameShape, nullptr, LowerUnary<schema::OpCode_SIN>},
      {"Cos", InferSameShape, nullptr, LowerUnary<schema::OpCode_COS>},
      {"Tan", InferSameShape, nullptr, LowerUnary<schema::OpCode_TAN>},
      {"Asin", InferSameShape, nullptr, LowerUnary<schema::OpCode_ASIN>},
      {"Acos", InferSameShape, nullptr, LowerUnary<schema::OpCode_ACOS>},
      {"Atan", InferSameShape, nullptr, LowerUnary<schema::OpCode_ATAN>},
      {"Sinh", InferSameShape, nullptr, LowerUnary<schema::OpCode_SINH>},
      {"Cosh", InferSameShape, nullptr, LowerUnary<schema::OpCode_COSH>},
      {"Asinh", InferSameShape, nullptr, LowerUnary<schema::OpCode_ASINH>},
      {"Acosh", InferSameShape, nullptr, LowerUnary<schema::OpCode_ACOSH>},
      {"Atanh", InferSameShape, nullptr, LowerUnary<schema::OpCode_ATANH>},
      {"Softplus", InferSameShape, nullptr, LowerUnary<schema::OpCode_SOFTPLUS>},
      {"Softsign", InferSameShape, nullptr, LowerUnary<schema::OpCode_SOFTSIGN>},
      {"Elu", InferSameShape, nullptr, LowerElu},
      {"Selu", InferSameShape, nullptr, LowerSelu},
      {"Celu", InferSameShape, nullptr, LowerCelu},
      {"ThresholdedRelu", InferSameShape, nullptr, LowerThresholdedRelu},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

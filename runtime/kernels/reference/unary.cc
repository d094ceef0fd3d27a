// Element-wise functions of one input: Relu, Clip, Sigmoid, HardSigmoid,
// HardSwish, Tanh, LeakyRelu, Sqrt, GELU and the functions of ONNX's unary ops
// (Exp ... ThresholdedRelu, Not, schemas/kite.fbs). Float applies the function; int8 looks every
// value up in a 256-entry table built at prepare from the same float function
// (BuildInt8Table), which is the int8 specification of these ops. int16
// (16x8, zero point 0) applies the float function to each dequantized value
// and quantizes the result.
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct UnaryParams {
  float a;  // Clip: min; HardSigmoid, LeakyRelu, Elu, Selu, Celu, ThresholdedRelu: alpha
  float b;  // Clip: max; HardSigmoid: beta; Selu: gamma
};

struct UnaryState {
  ScalarFunction f;
  UnaryParams params;
  int8_t table[256];
};

float Relu(float x, const void*) { return x > 0.0f ? x : 0.0f; }
float Clip(float x, const void* p) {
  const UnaryParams& u = *static_cast<const UnaryParams*>(p);
  return ClampFloat(x, u.a, u.b);
}
float Sigmoid(float x, const void*) { return 1.0f / (1.0f + expf(-x)); }
float HardSigmoid(float x, const void* p) {
  const UnaryParams& u = *static_cast<const UnaryParams*>(p);
  return fmaxf(0.0f, fminf(1.0f, u.a * x + u.b));
}
// ONNX HardSwish: x * max(0, min(1, x / 6 + 1 / 2)).
float HardSwish(float x, const void*) {
  return x * fmaxf(0.0f, fminf(1.0f, x * (1.0f / 6.0f) + 0.5f));
}
float Tanh(float x, const void*) { return tanhf(x); }
float Sqrt(float x, const void*) { return sqrtf(x); }
float LeakyRelu(float x, const void* p) {
  return x >= 0.0f ? x : x * static_cast<const UnaryParams*>(p)->a;
}

float Exp(float x, const void*) { return expf(x); }
float Log(float x, const void*) { return logf(x); }
float Abs(float x, const void*) { return fabsf(x); }
float Neg(float x, const void*) { return -x; }
float Reciprocal(float x, const void*) { return 1.0f / x; }
float Floor(float x, const void*) { return floorf(x); }
float Ceil(float x, const void*) { return ceilf(x); }
// ONNX Round: halves to even.
float Round(float x, const void*) { return nearbyintf(x); }
float Sign(float x, const void*) { return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x; }
float Erf(float x, const void*) { return erff(x); }
float Gelu(float x, const void*) { return 0.5f * x * (1.0f + erff(x * 0.70710678f)); }
float Sin(float x, const void*) { return sinf(x); }
float Cos(float x, const void*) { return cosf(x); }
float Tan(float x, const void*) { return tanf(x); }
float Asin(float x, const void*) { return asinf(x); }
float Acos(float x, const void*) { return acosf(x); }
float Atan(float x, const void*) { return atanf(x); }
float Sinh(float x, const void*) { return sinhf(x); }
float Cosh(float x, const void*) { return coshf(x); }
float Asinh(float x, const void*) { return asinhf(x); }
float Acosh(float x, const void*) { return acoshf(x); }
float Atanh(float x, const void*) { return atanhf(x); }
float Softplus(float x, const void*) { return x > 20.0f ? x : log1pf(expf(x)); }
float Softsign(float x, const void*) { return x / (1.0f + fabsf(x)); }
float Elu(float x, const void* p) {
  return x >= 0.0f ? x : static_cast<const UnaryParams*>(p)->a * expm1f(x);
}
float Selu(float x, const void* p) {
  const UnaryParams& u = *static_cast<const UnaryParams*>(p);
  return u.b * (x > 0.0f ? x : u.a * expm1f(x));
}
float Celu(float x, const void* p) {
  const float alpha = static_cast<const UnaryParams*>(p)->a;
  return fmaxf(0.0f, x) + fminf(0.0f, alpha * expm1f(x / alpha));
}
float ThresholdedRelu(float x, const void* p) { return x > static_cast<const UnaryParams*>(p)->a ? x : 0.0f; }
// ONNX Not of a boolean computed as 0 or 1 (any nonzero is true).
float Not(float x, const void*) { return x == 0.0f ? 1.0f : 0.0f; }

// The function of an op code; nullptr for one that takes options or is not element-wise.
ScalarFunction PlainFunction(schema::OpCode opcode) {
  switch (opcode) {
    case schema::OpCode_RELU: return Relu;
    case schema::OpCode_SIGMOID: return Sigmoid;
    case schema::OpCode_HARD_SWISH: return HardSwish;
    case schema::OpCode_TANH: return Tanh;
    case schema::OpCode_SQRT: return Sqrt;
    case schema::OpCode_EXP: return Exp;
    case schema::OpCode_LOG: return Log;
    case schema::OpCode_ABS: return Abs;
    case schema::OpCode_NEG: return Neg;
    case schema::OpCode_RECIPROCAL: return Reciprocal;
    case schema::OpCode_FLOOR: return Floor;
    case schema::OpCode_CEIL: return Ceil;
    case schema::OpCode_ROUND: return Round;
    case schema::OpCode_SIGN: return Sign;
    case schema::OpCode_ERF: return Erf;
    case schema::OpCode_GELU: return Gelu;
    case schema::OpCode_SIN: return Sin;
    case schema::OpCode_COS: return Cos;
    case schema::OpCode_TAN: return Tan;
    case schema::OpCode_ASIN: return Asin;
    case schema::OpCode_ACOS: return Acos;
    case schema::OpCode_ATAN: return Atan;
    case schema::OpCode_SINH: return Sinh;
    case schema::OpCode_COSH: return Cosh;
    case schema::OpCode_ASINH: return Asinh;
    case schema::OpCode_ACOSH: return Acosh;
    case schema::OpCode_ATANH: return Atanh;
    case schema::OpCode_SOFTPLUS: return Softplus;
    case schema::OpCode_SOFTSIGN: return Softsign;
    case schema::OpCode_NOT: return Not;
    default: return nullptr;
  }
}

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const UnaryState& s = *static_cast<const UnaryState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const float* in = x.As<float>();
  float* out = node.output(tensors, 0).As<float>();
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) out[i] = s.f(in[i], &s.params);
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const UnaryState& s = *static_cast<const UnaryState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const int8_t* in = x.As<int8_t>();
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) out[i] = s.table[static_cast<uint8_t>(in[i])];
}

void InvokeInt16(const Node& node, const Tensor* tensors) {
  const UnaryState& s = *static_cast<const UnaryState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int16_t* in = x.As<int16_t>();
  int16_t* out = y.As<int16_t>();
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) out[i] = QuantizeToInt16(s.f(DequantizeInt16(in[i], x.scale), &s.params), y.scale);
}

}  // namespace

kite_status PrepareUnary(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8 && x.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32, int8 or int16");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  UnaryState* s = ctx.AllocateState<UnaryState>();
  if (s == nullptr) return ctx.OutOfArena();
  const schema::OpCode opcode = ctx.node().op->opcode();
  const auto* eo = ctx.options<schema::ElementwiseOptions>();
  s->params.a = eo != nullptr ? eo->alpha() : 1.0f;
  s->params.b = eo != nullptr ? eo->gamma() : 1.0f;
  s->f = PlainFunction(opcode);
  switch (s->f != nullptr ? schema::OpCode_INVALID : opcode) {
    case schema::OpCode_INVALID: break;
    case schema::OpCode_ELU: s->f = Elu; break;
    case schema::OpCode_SELU: s->f = Selu; break;
    case schema::OpCode_CELU:
      if (s->params.a == 0.0f) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "Celu's alpha must not be 0");
      s->f = Celu;
      break;
    case schema::OpCode_THRESHOLDED_RELU: s->f = ThresholdedRelu; break;
    case schema::OpCode_CLIP: {
      const auto* o = ctx.options<schema::ClipOptions>();
      s->f = Clip;
      s->params.a = o != nullptr ? o->min() : -INFINITY;
      s->params.b = o != nullptr ? o->max() : INFINITY;
      KITE_RETURN_IF_ERROR(CheckActivation(ctx, s->params.a, s->params.b));
      break;
    }
    case schema::OpCode_HARD_SIGMOID: {
      const auto* o = ctx.options<schema::HardSigmoidOptions>();
      s->f = HardSigmoid;
      s->params.a = o != nullptr ? o->alpha() : 0.2f;
      s->params.b = o != nullptr ? o->beta() : 0.5f;
      break;
    }
    case schema::OpCode_LEAKY_RELU: {
      const auto* o = ctx.options<schema::LeakyReluOptions>();
      s->f = LeakyRelu;
      s->params.a = o != nullptr ? o->alpha() : 0.01f;
      break;
    }
    default:
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "not an element-wise function");
  }
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_FLOAT32) {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/unary_float32";
    return KITE_OK;
  }
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  if (x.dtype == KITE_INT16) {
    node.invoke = InvokeInt16;
    node.kernel_name = "reference/unary_int16";
    return KITE_OK;
  }
  BuildInt8Table(x.scale, x.zero_point, y.scale, y.zero_point, s->f, &s->params, s->table);
  node.invoke = InvokeInt8;
  node.kernel_name = "reference/unary_int8_table";
  return KITE_OK;
}

const int8_t* UnaryInt8Table(const Node& node) { return static_cast<const UnaryState*>(node.state)->table; }

void BuildUnaryInt16Table(const Node& node, float x_scale, float y_scale, int16_t* table) {
  const UnaryState& s = *static_cast<const UnaryState*>(node.state);
  for (int32_t q = -32768; q <= 32767; ++q) {
    table[q + 32768] = QuantizeToInt16(s.f(DequantizeInt16(static_cast<int16_t>(q), x_scale), &s.params), y_scale);
  }
}

}  // namespace reference
}  // namespace kite

// Element-wise functions of one input: Relu, Clip, Sigmoid, HardSigmoid,
// HardSwish, Tanh, LeakyRelu, Sqrt. Float applies the function; int8 looks every
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
  float a;  // Clip: min; HardSigmoid: alpha; LeakyRelu: alpha
  float b;  // Clip: max; HardSigmoid: beta
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
  switch (ctx.node().op->opcode()) {
    case schema::OpCode_RELU: s->f = Relu; break;
    case schema::OpCode_CLIP: {
      const auto* o = ctx.options<schema::ClipOptions>();
      s->f = Clip;
      s->params.a = o != nullptr ? o->min() : -INFINITY;
      s->params.b = o != nullptr ? o->max() : INFINITY;
      KITE_RETURN_IF_ERROR(CheckActivation(ctx, s->params.a, s->params.b));
      break;
    }
    case schema::OpCode_SIGMOID: s->f = Sigmoid; break;
    case schema::OpCode_HARD_SIGMOID: {
      const auto* o = ctx.options<schema::HardSigmoidOptions>();
      s->f = HardSigmoid;
      s->params.a = o != nullptr ? o->alpha() : 0.2f;
      s->params.b = o != nullptr ? o->beta() : 0.5f;
      break;
    }
    case schema::OpCode_HARD_SWISH: s->f = HardSwish; break;
    case schema::OpCode_TANH: s->f = Tanh; break;
    case schema::OpCode_SQRT: s->f = Sqrt; break;
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

}  // namespace reference
}  // namespace kite

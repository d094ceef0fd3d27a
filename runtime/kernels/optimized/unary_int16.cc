// 16x8 element-wise functions without a libm call (Relu, Clip, HardSigmoid,
// HardSwish, LeakyRelu) as loops the compiler vectorizes. The reference
// (kernels/reference/unary.cc) calls the float function through a pointer
// per element; here each is inlined with the same float operations in the
// same order: x = sx * q, f(x), then f(x) / sy rounded into int16. Its
// fminf/fmaxf become comparisons that pick the same value for every finite
// input (a dequantized int16 is finite), and rounding by the 1.5 * 2^23
// addition equals lrintf on the clamped range: bit-exact. The functions
// computed with libm (Sigmoid, Tanh, Sqrt...; vectorized libm rounds
// differently) look each code up in a table of the reference's own 65536
// results where the tensor has kTableMinElements or more (the table's 128 KB
// is then at most half the tensor's bytes); smaller ones run the reference.
#include <math.h>

#include "core/error.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

enum class Fn : uint8_t { kRelu, kClip, kHardSigmoid, kHardSwish, kLeakyRelu };

constexpr int64_t kTableMinElements = int64_t{1} << 18;

void InvokeTable(const Node& node, const Tensor* tensors) {
  const int16_t* table = static_cast<const int16_t*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const int16_t* in = x.As<int16_t>();
  int16_t* out = node.output(tensors, 0).As<int16_t>();
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) out[i] = table[static_cast<uint16_t>(in[i]) ^ 0x8000u];
}

struct UnaryInt16State {
  Fn fn;
  float a, b;  // Clip: min, max; HardSigmoid: alpha, beta; LeakyRelu: alpha
  float sx, sy;
};

template <Fn kFn>
inline float Apply(float x, float a, float b) {
  switch (kFn) {
    case Fn::kRelu: return x > 0.0f ? x : 0.0f;
    case Fn::kClip: return x < a ? a : (x > b ? b : x);
    case Fn::kHardSigmoid: {
      float t = a * x + b;
      t = t < 1.0f ? t : 1.0f;  // fminf(1, t)
      return t > 0.0f ? t : 0.0f;  // fmaxf(0, t)
    }
    case Fn::kHardSwish: {
      float t = x * (1.0f / 6.0f) + 0.5f;
      t = t < 1.0f ? t : 1.0f;
      t = t > 0.0f ? t : 0.0f;
      return x * t;
    }
    case Fn::kLeakyRelu: return x >= 0.0f ? x : x * a;
  }
  return x;
}

template <Fn kFn>
KITE_VECTOR_CLONES void Run(const UnaryInt16State& s, const int16_t* in, int16_t* out, int64_t n) {
  const float a = s.a, b = s.b, sx = s.sx, sy = s.sy;
  for (int64_t i = 0; i < n; ++i) out[i] = RoundClampInt16(Apply<kFn>(sx * static_cast<float>(in[i]), a, b) / sy);
}

template <Fn kFn>
void Invoke(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  Run<kFn>(*static_cast<const UnaryInt16State*>(node.state), x.As<int16_t>(), node.output(tensors, 0).As<int16_t>(),
           x.elements());
}

}  // namespace

kite_status PrepareUnaryInt16(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareUnary(ctx));
  const Tensor& x = ctx.input(0);
  if (x.dtype != KITE_INT16) return KITE_OK;
  UnaryInt16State s{Fn::kRelu, 0.0f, 0.0f, x.scale, ctx.output(0).scale};
  InvokeFn invoke = nullptr;
  switch (ctx.node().op->opcode()) {
    case schema::OpCode_RELU: invoke = Invoke<Fn::kRelu>; break;
    case schema::OpCode_CLIP: {
      const auto* o = ctx.options<schema::ClipOptions>();
      s.a = o != nullptr ? o->min() : -INFINITY;
      s.b = o != nullptr ? o->max() : INFINITY;
      invoke = Invoke<Fn::kClip>;
      break;
    }
    case schema::OpCode_HARD_SIGMOID: {
      const auto* o = ctx.options<schema::HardSigmoidOptions>();
      s.a = o != nullptr ? o->alpha() : 0.2f;
      s.b = o != nullptr ? o->beta() : 0.5f;
      invoke = Invoke<Fn::kHardSigmoid>;
      break;
    }
    case schema::OpCode_HARD_SWISH: invoke = Invoke<Fn::kHardSwish>; break;
    case schema::OpCode_LEAKY_RELU: {
      const auto* o = ctx.options<schema::LeakyReluOptions>();
      s.a = o != nullptr ? o->alpha() : 0.01f;
      invoke = Invoke<Fn::kLeakyRelu>;
      break;
    }
    default: {
      if (x.elements() < kTableMinElements) {
        ctx.Decline("16x8 element-wise: functions computed with libm run the reference below 2^18 elements");
        return KITE_OK;
      }
      int16_t* table = ctx.AllocateArray<int16_t>(65536);
      if (table == nullptr) return ctx.OutOfArena();
      Node& node = ctx.node();
      reference::BuildUnaryInt16Table(node, x.scale, ctx.output(0).scale, table);
      node.state = table;
      node.invoke = InvokeTable;
      node.kernel_name = "optimized/unary_int16_table";
      return KITE_OK;
    }
  }
  UnaryInt16State* state = ctx.AllocateState<UnaryInt16State>();
  if (state == nullptr) return ctx.OutOfArena();
  *state = s;
  Node& node = ctx.node();
  node.state = state;
  node.invoke = invoke;
  node.kernel_name = "optimized/unary_int16";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

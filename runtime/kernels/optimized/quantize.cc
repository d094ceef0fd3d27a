// Quantize (float32 -> int8, or int16 with zero point 0) and Dequantize
// (back) as loops the compiler vectorizes. Quantize: the reference's
// division, clamp (NaN to qmin) and round half to even, with the rounding
// done by the 1.5 * 2^23 addition (equal to lrintf on the clamped range).
// Dequantize: the reference's scale * (q - zero point), exact.
#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

struct QuantizeState {
  float scale, lo, hi;  // lo, hi: the output type's range minus the zero point
  int32_t zero_point;
  int64_t elements;
};

KITE_VECTOR_CLONES void QuantizeLoop(const QuantizeState& s, const float* x, int8_t* y) {
  const float scale = s.scale, lo = s.lo, hi = s.hi;
  const int32_t zero_point = s.zero_point;
  const int64_t n = s.elements;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = RoundClampInt8(x[i] / scale, lo, hi, zero_point);
  }
}

KITE_VECTOR_CLONES void QuantizeLoop(const QuantizeState& s, const float* x, int16_t* y) {
  const float scale = s.scale;
  const int64_t n = s.elements;
  for (int64_t i = 0; i < n; ++i) y[i] = RoundClampInt16(x[i] / scale);
}

template <typename T>
void Invoke(const Node& node, const Tensor* tensors) {
  QuantizeLoop(*static_cast<const QuantizeState*>(node.state), node.input(tensors, 0).As<float>(),
               node.output(tensors, 0).As<T>());
}

KITE_VECTOR_CLONES void DequantizeLoop(const QuantizeState& s, const int8_t* x, float* y) {
  const float scale = s.scale;
  const int32_t zero_point = s.zero_point;
  const int64_t n = s.elements;
  for (int64_t i = 0; i < n; ++i) y[i] = scale * static_cast<float>(static_cast<int32_t>(x[i]) - zero_point);
}

KITE_VECTOR_CLONES void DequantizeLoop(const QuantizeState& s, const int16_t* x, float* y) {
  const float scale = s.scale;
  const int64_t n = s.elements;
  for (int64_t i = 0; i < n; ++i) y[i] = scale * static_cast<float>(x[i]);
}

template <typename T>
void InvokeDequantize(const Node& node, const Tensor* tensors) {
  DequantizeLoop(*static_cast<const QuantizeState*>(node.state), node.input(tensors, 0).As<T>(),
                 node.output(tensors, 0).As<float>());
}

}  // namespace

kite_status PrepareQuantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareQuantize(ctx));
  const Tensor& y = ctx.output(0);
  QuantizeState* s = ctx.AllocateState<QuantizeState>();
  if (s == nullptr) return ctx.OutOfArena();
  const bool int16 = y.dtype == KITE_INT16;
  *s = QuantizeState{y.scale, static_cast<float>(kInt8Min - y.zero_point), static_cast<float>(kInt8Max - y.zero_point),
                     y.zero_point, y.elements()};
  Node& node = ctx.node();
  node.state = s;
  node.invoke = int16 ? Invoke<int16_t> : Invoke<int8_t>;
  node.kernel_name = int16 ? "optimized/quantize_int16" : "optimized/quantize";
  return KITE_OK;
}

kite_status PrepareDequantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareDequantize(ctx));
  const Tensor& x = ctx.input(0);
  QuantizeState* s = ctx.AllocateState<QuantizeState>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = QuantizeState{x.scale, 0.0f, 0.0f, x.zero_point, x.elements()};
  const bool int16 = x.dtype == KITE_INT16;
  Node& node = ctx.node();
  node.state = s;
  node.invoke = int16 ? InvokeDequantize<int16_t> : InvokeDequantize<int8_t>;
  node.kernel_name = int16 ? "optimized/dequantize_int16" : "optimized/dequantize";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

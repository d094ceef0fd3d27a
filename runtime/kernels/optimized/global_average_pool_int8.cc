// int8 GlobalAveragePool, NHWC: the reference sums every channel's codes
// pixel by pixel with a stride of `channels`; here each pixel's channel row
// is added into an int32 row of sums (a loop the compiler vectorizes), the
// zero point is taken out once, and each sum is requantized as the reference
// does. Integer sums do not depend on order: bit-exact.
#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

struct GlobalAverageInt8State {
  uint32_t* sums;  // [channels]; uint32: wraps as the reference's int32 adds do
  float scale;     // in_scale / (out_scale * area), as the reference
  int32_t channels, batch, in_zero_point, out_zero_point;
  int64_t area;
};

KITE_VECTOR_CLONES void SumPixels(const int8_t* in, int64_t area, int32_t channels, uint32_t* sums) {
  for (int32_t c = 0; c < channels; ++c) sums[c] = 0;
  for (int64_t p = 0; p < area; ++p, in += channels) {
    for (int32_t c = 0; c < channels; ++c) sums[c] += static_cast<uint32_t>(static_cast<int32_t>(in[c]));
  }
}

void Invoke(const Node& node, const Tensor* tensors) {
  const GlobalAverageInt8State& s = *static_cast<const GlobalAverageInt8State*>(node.state);
  const int8_t* in = node.input(tensors, 0).As<int8_t>();
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  const uint32_t zero_points = static_cast<uint32_t>(s.in_zero_point) * static_cast<uint32_t>(s.area);
  for (int32_t n = 0; n < s.batch; ++n) {
    SumPixels(in + n * s.area * s.channels, s.area, s.channels, s.sums);
    for (int32_t c = 0; c < s.channels; ++c) {
      const int32_t acc = static_cast<int32_t>(s.sums[c] - zero_points);
      out[int64_t{n} * s.channels + c] = Requantize(acc, s.scale, s.out_zero_point, kInt8Min, kInt8Max);
    }
  }
}

}  // namespace

kite_status PrepareGlobalAveragePoolInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareGlobalAveragePool(ctx));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (x.dtype != KITE_INT8) return KITE_OK;
  GlobalAverageInt8State* s = ctx.AllocateState<GlobalAverageInt8State>();
  const int32_t channels = x.shape.dims[3];
  uint32_t* sums = ctx.AllocateArray<uint32_t>(static_cast<size_t>(channels));
  if (s == nullptr || sums == nullptr) return ctx.OutOfArena();
  const int64_t area = int64_t{x.shape.dims[1]} * x.shape.dims[2];
  *s = GlobalAverageInt8State{sums, x.scale / (y.scale * static_cast<float>(area)), channels, x.shape.dims[0],
                              x.zero_point, y.zero_point, area};
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "optimized/global_average_pool_int8";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

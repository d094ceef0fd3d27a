// int8 bilinear Resize, NHWC: the reference's float formula (dequantize the
// four neighbours, interpolate along W then H, quantize) in the same order,
// on the reference prepare's coordinate tables, with the channel loop written
// so the compiler vectorizes it (rounding by the 1.5 * 2^23 addition).
#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/reference/resize_state.h"

namespace kite {
namespace optimized {
namespace {

struct Pixel {
  const int8_t *a, *b, *c, *d;  // top-left, top-right, bottom-left, bottom-right
  float wx, wy;
};

struct Quantization {
  float in_scale, out_scale, lo, hi;  // lo, hi: the int8 range minus the output zero point
  int32_t in_zero_point, out_zero_point;
};

KITE_VECTOR_CLONES void Interpolate(const Pixel& p, const Quantization& q, int32_t channels, int8_t* dst) {
  const float sx = q.in_scale, so = q.out_scale, lo = q.lo, hi = q.hi;
  const int32_t zx = q.in_zero_point, zo = q.out_zero_point;
  const float wx = p.wx, wy = p.wy, ux = 1.0f - wx, uy = 1.0f - wy;
  const int8_t *a = p.a, *b = p.b, *c = p.c, *d = p.d;
  for (int32_t k = 0; k < channels; ++k) {
    const float top = sx * static_cast<float>(static_cast<int32_t>(a[k]) - zx) * ux +
                      sx * static_cast<float>(static_cast<int32_t>(b[k]) - zx) * wx;
    const float bottom = sx * static_cast<float>(static_cast<int32_t>(c[k]) - zx) * ux +
                         sx * static_cast<float>(static_cast<int32_t>(d[k]) - zx) * wx;
    dst[k] = RoundClampInt8((top * uy + bottom * wy) / so, lo, hi, zo);
  }
}

struct BilinearInt8State {
  const reference::ResizeState* axes;
  Quantization q;
};

void Invoke(const Node& node, const Tensor* tensors) {
  const BilinearInt8State& s = *static_cast<const BilinearInt8State*>(node.state);
  const reference::ResizeState& r = *s.axes;
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], in_h = x.shape.dims[1], in_w = x.shape.dims[2], channels = x.shape.dims[3],
                out_h = y.shape.dims[1], out_w = y.shape.dims[2];
  const int8_t* in = x.As<int8_t>();
  int8_t* out = y.As<int8_t>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int8_t* row0 = in + (int64_t{n} * in_h + r.h.index0[oy]) * in_w * channels;
      const int8_t* row1 = in + (int64_t{n} * in_h + r.h.index1[oy]) * in_w * channels;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int64_t c0 = int64_t{r.w.index0[ox]} * channels, c1 = int64_t{r.w.index1[ox]} * channels;
        const Pixel p{row0 + c0, row0 + c1, row1 + c0, row1 + c1, r.w.weight1[ox], r.h.weight1[oy]};
        Interpolate(p, s.q, channels, out + ((int64_t{n} * out_h + oy) * out_w + ox) * channels);
      }
    }
  }
}

}  // namespace

kite_status PrepareResize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareResize(ctx));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const auto* o = ctx.options<schema::ResizeOptions>();
  if (x.dtype != KITE_INT8 || o->mode() != schema::ResizeMode_BILINEAR) {
    ctx.Decline("Kite's resize kernel: int8 bilinear only");
    return KITE_OK;
  }
  BilinearInt8State* s = ctx.AllocateState<BilinearInt8State>();
  if (s == nullptr) return ctx.OutOfArena();
  Node& node = ctx.node();
  *s = BilinearInt8State{static_cast<const reference::ResizeState*>(node.state),
                         {x.scale, y.scale, static_cast<float>(kInt8Min - y.zero_point),
                          static_cast<float>(kInt8Max - y.zero_point), x.zero_point, y.zero_point}};
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "optimized/resize_bilinear_int8";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

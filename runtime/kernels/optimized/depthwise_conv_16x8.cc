// 16x8 depthwise convolution (one output per channel): int16 input and
// output, int8 weights widened to int16 [tap][channel], int64 bias. Per
// output pixel, each tap adds its channels' products into int32 sums (at
// most kMaxInt32Terms taps, checked at prepare); integer sums do not depend
// on order, and the finish is the reference's: bit-exact.
#include "kernels/optimized/conv_16x8_state.h"
#include "kernels/optimized/optimized_kernels.h"

namespace kite {
namespace optimized {
namespace {

// Depthwise, one output pixel: each tap adds its channels' products into a
// row of int32 sums (at most kMaxInt32Terms taps, checked at prepare).
KITE_VECTOR_CLONES void DepthwisePixel(const Conv16x8State& s, const int16_t* image, int32_t oy, int32_t ox,
                                       const int64_t* bias, int16_t* out) {
  const int32_t c = s.in_c;
  int32_t acc[kDepthwiseBlock];
  for (int32_t c0 = 0; c0 < c; c0 += kDepthwiseBlock) {
    const int32_t block = c - c0 < kDepthwiseBlock ? c - c0 : kDepthwiseBlock;
    for (int32_t j = 0; j < block; ++j) acc[j] = 0;
    for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
      const int32_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
      if (iy < 0 || iy >= s.in_h) continue;
      for (int32_t kx = 0; kx < s.kernel_w; ++kx) {
        const int32_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
        if (ix < 0 || ix >= s.in_w) continue;
        const int16_t* x = image + (int64_t{iy} * s.in_w + ix) * c + c0;
        const int16_t* wt = s.depthwise_weights + (int64_t{ky} * s.kernel_w + kx) * c + c0;
        for (int32_t j = 0; j < block; ++j) acc[j] += int32_t{x[j]} * int32_t{wt[j]};
      }
    }
    FinishSums(s, acc, bias, c0, block, out + c0);
  }
}

// Depthwise, `pixels` (at most run_pixels) output pixels from (oy, ox) whose
// taps all lie inside the row: with stride 1 along W, consecutive output
// pixels read consecutive input pixels, so a tap's products for all of them
// are one flat loop of pixels x channels against its weights repeated
// (PP-OCR det's 16-channel depthwise conv paid the per-pixel loops' overhead
// on every 16 products).
KITE_VECTOR_CLONES void DepthwiseRun(const Conv16x8State& s, const int16_t* image, int32_t oy, int32_t ox,
                                     int32_t pixels, const int64_t* bias, int16_t* out) {
  const int32_t c = s.in_c, n = pixels * c, run = s.run_pixels * c;
  int32_t acc[kDepthwiseBlock];
  for (int32_t i = 0; i < n; ++i) acc[i] = 0;
  for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
    const int32_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
    if (iy < 0 || iy >= s.in_h) continue;
    for (int32_t kx = 0; kx < s.kernel_w; ++kx) {
      const int16_t* x = image + (int64_t{iy} * s.in_w + ox - s.pad_left + kx * s.dilation_w) * c;
      const int16_t* wt = s.depthwise_runs + (int64_t{ky} * s.kernel_w + kx) * run;
      for (int32_t i = 0; i < n; ++i) acc[i] += int32_t{x[i]} * int32_t{wt[i]};
    }
  }
  for (int32_t p = 0; p < pixels; ++p) FinishSums(s, acc + p * c, bias, 0, c, out + p * c);
}

}  // namespace

// Depthwise: the output pixels whose taps all lie inside their row in runs
// (where prepared), the others one at a time.
void DepthwiseConv(const Conv16x8State& s, int32_t batch, const int16_t* in, const int64_t* bias, int16_t* out) {
  const int32_t c = s.in_c;
  // Stride 1: ox is inside from pad_left until its last tap leaves the row.
  int32_t inside_begin = s.out_w, inside_end = s.out_w;
  if (s.depthwise_runs != nullptr) {
    inside_begin = s.pad_left < s.out_w ? s.pad_left : s.out_w;
    const int32_t end = s.in_w + s.pad_left - (s.kernel_w - 1) * s.dilation_w;
    inside_end = end < inside_begin ? inside_begin : end < s.out_w ? end : s.out_w;
  }
  for (int32_t n = 0; n < batch; ++n) {
    const int16_t* image = in + int64_t{n} * s.in_h * s.in_w * c;
    for (int32_t oy = 0; oy < s.out_h; ++oy, out += int64_t{s.out_w} * c) {
      for (int32_t ox = 0; ox < inside_begin; ++ox) DepthwisePixel(s, image, oy, ox, bias, out + int64_t{ox} * c);
      for (int32_t ox = inside_begin; ox < inside_end; ox += s.run_pixels) {
        const int32_t pixels = inside_end - ox < s.run_pixels ? inside_end - ox : s.run_pixels;
        DepthwiseRun(s, image, oy, ox, pixels, bias, out + int64_t{ox} * c);
      }
      for (int32_t ox = inside_end; ox < s.out_w; ++ox) DepthwisePixel(s, image, oy, ox, bias, out + int64_t{ox} * c);
    }
  }
}

kite_status PrepareDepthwiseRuns(PrepareContext& ctx, int32_t stride_w, Conv16x8State* s) {
  const int32_t c = s->in_c;
  if (stride_w != 1 || c > kDepthwiseBlock) return KITE_OK;
  const int64_t taps = int64_t{s->kernel_h} * s->kernel_w;
  s->run_pixels = kDepthwiseBlock / c;
  const int64_t run = int64_t{s->run_pixels} * c;
  int16_t* r = ctx.AllocateArray<int16_t>(static_cast<size_t>(taps * run));
  if (r == nullptr) return ctx.OutOfArena();
  for (int64_t k = 0; k < taps; ++k) {
    for (int64_t i = 0; i < run; ++i) r[k * run + i] = s->depthwise_weights[k * c + i % c];
  }
  s->depthwise_runs = r;
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

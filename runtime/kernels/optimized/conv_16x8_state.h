// What the 16x8 convolution kernels share: their state, and the finish of
// a row of output-channel sums into int16 (conv_16x8.cc: one group,
// transposed and fully connected; depthwise_conv_16x8.cc: depthwise).
#ifndef KITE_RUNTIME_KERNELS_OPTIMIZED_CONV_16X8_STATE_H_
#define KITE_RUNTIME_KERNELS_OPTIMIZED_CONV_16X8_STATE_H_

#include <stdint.h>

#include "kernels/conv_params.h"
#include "kernels/int8/ukernels.h"
#include "kernels/kernel.h"

namespace kite {
namespace optimized {

constexpr int32_t kMaxInt32Terms = 511;  // 511 x 2^22 < 2^31
constexpr int32_t kDepthwiseBlock = 256;  // channels per depthwise pass (int32 sums on the stack)

struct Conv16x8State {
  OutputTransform transform;
  int32_t in_h, in_w, in_c, out_h, out_w, out_c, kernel_h, kernel_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  bool transposed;  // ConvTranspose2D: taps gather as the transposed conv's
  // A transposed conv whose kernel is its stride (no padding, no dilation):
  // a 1x1 conv of kh * kw * out_c outputs per input pixel (BlockTransposedConv).
  bool blocks;
  const int16_t* depthwise_weights;  // depthwise: [tap][channel], int16 (int8 ones widened)
  // Depthwise with stride 1 along W and at most kDepthwiseBlock channels:
  // each tap's weights repeated run_pixels times, [tap][run_pixels x channel]
  // (DepthwiseRun); else null.
  const int16_t* depthwise_runs;
  int32_t run_pixels;
  // The bias as int32 (zeros without one), where every int32 sum of the
  // depthwise loop or the GEMM plus its bias stays exact in int32; else null.
  const int32_t* bias32;
  // One group: the patch (one output pixel's taps, or a FullyConnected
  // row), zero from k to k_padded, and the output channels' sums; in the
  // arena.
  int16_t* patch;
  int32_t k_padded;
  int64_t* sums;
  // The SIMD GEMM (null: the loops above): weights packed [block][k2][16][2]
  // (k2 = ceil(k / 2) pairs, zeros past k and out_c), the tile's patches
  // (gemm16x8_mr rows of 2 x k2, zero past k) and its sums, [mr][acc_stride]
  // with acc_stride = out_c rounded up to whole blocks. `direct`: the rows are
  // read in place (a 1x1 conv with stride 1 and no padding, or an FC, with an
  // even k).
  const int8::Ukernels* uk;
  const int8_t* packed;
  // 16x16 (int16 weights): the weights packed as int16 (then `packed` is
  // null), through uk->gemm16x16.
  const int16_t* packed16;
  // The largest product's magnitude (2^22 with int8 weights; 2^15 x the
  // largest |w| with int16 ones), and the pairs per GEMM call whose int32
  // sums cannot wrap (kGemm16x8MaxPairs with int8 weights): conv_16x8.cc's
  // WeightBounds.
  int64_t max_product;
  int32_t max_pairs;
  int32_t k2;
  int32_t acc_stride;
  bool direct;
  int16_t* tile;
  int32_t* tile_acc;
  int64_t* tile_sums;
};

// out[j] = the reference's FinishInt16 of acc[j] (+ bias[c0 + j]) for output
// channels c0 + j, j < n; bit-exact (conv_16x8.cc).
void FinishRow(const OutputTransform& t, const int64_t* acc, const int64_t* bias, int32_t c0, int32_t n, int16_t* out);
void FinishRow(const OutputTransform& t, const int32_t* acc, const int64_t* bias, int32_t c0, int32_t n, int16_t* out);
// The same where acc[j] + bias32[c0 + j] is exact in int32.
void FinishRowInt32(const OutputTransform& t, const int32_t* acc, const int32_t* bias32, int32_t c0, int32_t n,
                    int16_t* out);

// int32 sums: the int32 finish where the state has one.
inline void FinishSums(const Conv16x8State& s, const int32_t* acc, const int64_t* bias, int32_t c0, int32_t n,
                       int16_t* out) {
  if (s.bias32 != nullptr) {
    FinishRowInt32(s.transform, acc, s.bias32, c0, n, out);
  } else {
    FinishRow(s.transform, acc, bias, c0, n, out);
  }
}

// Depthwise (depthwise_conv_16x8.cc): with stride 1 along W and at most
// kDepthwiseBlock channels, the weights s.depthwise_weights repeated for runs
// of pixels, in the arena; otherwise nothing.
kite_status PrepareDepthwiseRuns(PrepareContext& ctx, int32_t stride_w, Conv16x8State* s);
void DepthwiseConv(const Conv16x8State& s, int32_t batch, const int16_t* in, const int64_t* bias, int16_t* out);

}  // namespace optimized
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_OPTIMIZED_CONV_16X8_STATE_H_

// What the two aarch64 variants (NEON, NEON with the dot product) share: the
// requantizing store of 16 channels and the depthwise kernel. The float steps
// are the reference's: int32 -> float (round to nearest), one multiply (no
// fused multiply-add), clamp with NaN going to the lower bound (vmaxnm), round
// half to even (vcvtn), add the zero point. Included only by aarch64 files.
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_NEON_COMMON_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_NEON_COMMON_H_

#include <arm_neon.h>
#include <string.h>

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {
namespace neon {

inline int32x4_t Requantize4(int32x4_t acc, const float* scales, const Requant& rq) {
  float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(scales));
  f = vmaxnmq_f32(f, vdupq_n_f32(rq.lo));
  f = vminnmq_f32(f, vdupq_n_f32(rq.hi));
  return vaddq_s32(vcvtnq_s32_f32(f), vdupq_n_s32(rq.zero_point));
}

// Sixteen requantized channels (values in [-128, 127]: the saturating
// narrowing only narrows).
inline int8x16_t Narrow16(int32x4_t q0, int32x4_t q1, int32x4_t q2, int32x4_t q3) {
  const int16x8_t lo = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
  const int16x8_t hi = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
  return vcombine_s8(vqmovn_s16(lo), vqmovn_s16(hi));
}

// Accumulators of channels 0-3, 4-7, 8-11, 12-15 (bias included): stores n <= 16.
inline void Store16(const int32x4_t acc[4], const float* scales, const Requant& rq, int8_t* out, size_t n) {
  const int8x16_t bytes = Narrow16(Requantize4(acc[0], scales, rq), Requantize4(acc[1], scales + 4, rq),
                                   Requantize4(acc[2], scales + 8, rq), Requantize4(acc[3], scales + 12, rq));
  if (n == 16) {
    vst1q_s8(out, bytes);
  } else {
    int8_t tmp[16];
    vst1q_s8(tmp, bytes);
    memcpy(out, tmp, n);
  }
}

// A block at a time: the IGEMM variants' block kernel over all nc channels.
template <typename Block>
void IgemmBlocks(Block block, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                 size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  for (size_t n = 0; n < nc; n += kBlockChannels, w += block_bytes) {
    block(mr, nc - n < kBlockChannels ? nc - n : kBlockChannels, kc, ks, a, w, c + n, c_stride, rq);
  }
}

// One output pixel, one 32-channel block with n <= 32 channels: the input's
// even and odd channels split by a de-interleaving load (vld2) and widened to
// int16, each half multiplied by its own weights (the even channels' lanes of
// the layout's first half, the odd channels' of the second) into lane-order
// accumulators, which the interleaving store (vst2) puts back in order.
inline void DwconvBlock(size_t n, const DwconvTaps& taps, size_t p, size_t first, const uint8_t* w, int8_t* out,
                        const Requant& rq) {
  const int32_t* bias = BlockBiasS8(w);
  int32x4_t even[4], odd[4];  // lanes 0-15 and 16-31 of the lane order
  for (int i = 0; i < 4; ++i) {
    even[i] = vld1q_s32(bias + 4 * i);
    odd[i] = vld1q_s32(bias + 16 + 4 * i);
  }
  const int16_t* weights = DepthwiseBlockWeights(w);
  for (size_t ky = 0; ky < taps.kh; ++ky) {
    const int8_t* row = taps.rows[ky] + p * taps.pixel_step[ky] + first;
    for (size_t kx = 0; kx < taps.kw; ++kx, weights += 2 * kDepthwiseBlockChannels) {
      const int8_t* in = row + kx * taps.tap_step[ky];
      int8x16x2_t x;
      if (n == static_cast<size_t>(kDepthwiseBlockChannels)) {
        x = vld2q_s8(in);
      } else {
        int8_t tmp[kDepthwiseBlockChannels] = {};
        memcpy(tmp, in, n);
        x = vld2q_s8(tmp);
      }
      // Half 0 holds (w_even, 0) pairs, half 1 (0, w_odd): de-interleave each.
      const int16x8_t we0 = vld2q_s16(weights).val[0], we1 = vld2q_s16(weights + 16).val[0];
      const int16x8_t wo0 = vld2q_s16(weights + 32).val[1], wo1 = vld2q_s16(weights + 48).val[1];
      const int16x8_t xe0 = vmovl_s8(vget_low_s8(x.val[0])), xe1 = vmovl_s8(vget_high_s8(x.val[0]));
      const int16x8_t xo0 = vmovl_s8(vget_low_s8(x.val[1])), xo1 = vmovl_s8(vget_high_s8(x.val[1]));
      even[0] = vmlal_s16(even[0], vget_low_s16(xe0), vget_low_s16(we0));
      even[1] = vmlal_high_s16(even[1], xe0, we0);
      even[2] = vmlal_s16(even[2], vget_low_s16(xe1), vget_low_s16(we1));
      even[3] = vmlal_high_s16(even[3], xe1, we1);
      odd[0] = vmlal_s16(odd[0], vget_low_s16(xo0), vget_low_s16(wo0));
      odd[1] = vmlal_high_s16(odd[1], xo0, wo0);
      odd[2] = vmlal_s16(odd[2], vget_low_s16(xo1), vget_low_s16(wo1));
      odd[3] = vmlal_high_s16(odd[3], xo1, wo1);
    }
  }
  const float* scales = DepthwiseBlockScales(w);
  int8x16x2_t q;
  q.val[0] = Narrow16(Requantize4(even[0], scales, rq), Requantize4(even[1], scales + 4, rq),
                      Requantize4(even[2], scales + 8, rq), Requantize4(even[3], scales + 12, rq));
  q.val[1] = Narrow16(Requantize4(odd[0], scales + 16, rq), Requantize4(odd[1], scales + 20, rq),
                      Requantize4(odd[2], scales + 24, rq), Requantize4(odd[3], scales + 28, rq));
  if (n == static_cast<size_t>(kDepthwiseBlockChannels)) {
    vst2q_s8(out, q);
  } else {
    int8_t tmp[kDepthwiseBlockChannels];
    vst2q_s8(tmp, q);
    memcpy(out, tmp, n);
  }
}

inline void Dwconv(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes,
                   int8_t* c, const Requant& rq) {
  for (size_t p = 0; p < pixels; ++p, c += channels) {
    const uint8_t* block = w;
    for (size_t first = 0; first < channels; first += kDepthwiseBlockChannels, block += block_bytes) {
      const size_t n = channels - first < static_cast<size_t>(kDepthwiseBlockChannels) ? channels - first
                                                                                       : kDepthwiseBlockChannels;
      DwconvBlock(n, taps, p, first, block, c + first, rq);
    }
  }
}

}  // namespace neon
}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_NEON_COMMON_H_

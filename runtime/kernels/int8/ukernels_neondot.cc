// aarch64 variant with the dot product (ARMv8.2 `sdot`, compiled with
// +dotprod; picked when HWCAP_ASIMDDP says the CPU has it). IGEMM 4x16c4: the
// GEMM layout's 4-byte groups are exactly what `sdot` takes: per group, the
// block's 64 weight bytes are four registers of 4 channels x 4 k, and each
// pixel's 4 input bytes, broadcast, add one int32 per channel: s8 x s8
// against bias_s8. The depthwise kernel is the NEON one (widening).
#include "kernels/int8/ukernels_loads.h"
#include "kernels/int8/ukernels_neon_common.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 4;

void IgemmBlock(size_t mr, size_t n, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w, int8_t* c,
                size_t c_stride, const Requant& rq) {
  int32x4_t acc[kMr][4];
  const int32_t* bias = BlockBiasS8(w);
  for (size_t m = 0; m < kMr; ++m) {
    for (int j = 0; j < 4; ++j) acc[m][j] = vld1q_s32(bias + 4 * j);
  }
  const int8_t* wp = GemmBlockWeights(w);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    for (size_t k = 0; k < full + (rest != 0 ? 1 : 0); ++k, wp += 64) {
      const int8x16_t w0 = vld1q_s8(wp), w1 = vld1q_s8(wp + 16), w2 = vld1q_s8(wp + 32), w3 = vld1q_s8(wp + 48);
      for (size_t m = 0; m < kMr; ++m) {
        const int32_t bytes = k < full ? Load32(at[m] + 4 * k) : LoadPartial32(at[m] + 4 * k, rest);
        const int8x16_t x = vreinterpretq_s8_s32(vdupq_n_s32(bytes));
        acc[m][0] = vdotq_s32(acc[m][0], w0, x);
        acc[m][1] = vdotq_s32(acc[m][1], w1, x);
        acc[m][2] = vdotq_s32(acc[m][2], w2, x);
        acc[m][3] = vdotq_s32(acc[m][3], w3, x);
      }
    }
  }
  for (size_t m = 0; m < mr; ++m) neon::Store16(acc[m], GemmBlockScales(w), rq, c + m * c_stride, n);
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  neon::IgemmBlocks(IgemmBlock, mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

}  // namespace

const Ukernels kNeonDotUkernels = {
    "neondot", "int8/qc8-igemm-4x16c4-neondot", "int8/qc8-dwconv-1x32-neon", Igemm, kMr, neon::Dwconv, true,
    nullptr, nullptr, 0, nullptr, nullptr,
};

}  // namespace int8
}  // namespace kite

// aarch64 variant without the dot product (every ARMv8-A core, e.g.
// Cortex-A53). IGEMM 2x16c4: per 4-byte group, each 16-byte weight register
// (4 channels x 4 k) is multiplied by the pixel's 4 input bytes repeated
// (vmull_s8: exact int16 products, |x * w| <= 2^14) and the products are
// added pairwise into int32 (vpadal): two partial sums per channel, added
// pairwise at the end (vpaddq). s8 x s8 against bias_s8.
#include "kernels/int8/ukernels_loads.h"
#include "kernels/int8/ukernels_neon_common.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 2;

void IgemmBlock(size_t mr, size_t n, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w, int8_t* c,
                size_t c_stride, const Requant& rq) {
  // acc[m][2j]: channels 4j, 4j+1 (two partial sums each); acc[m][2j+1]: 4j+2, 4j+3.
  int32x4_t acc[kMr][8];
  for (size_t m = 0; m < kMr; ++m) {
    for (int j = 0; j < 8; ++j) acc[m][j] = vdupq_n_s32(0);
  }
  const int8_t* wp = GemmBlockWeights(w);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    for (size_t k = 0; k < full + (rest != 0 ? 1 : 0); ++k, wp += 64) {
      int8x16_t wv[4];
      for (int j = 0; j < 4; ++j) wv[j] = vld1q_s8(wp + 16 * j);
      for (size_t m = 0; m < kMr; ++m) {
        const int32_t bytes = k < full ? Load32(at[m] + 4 * k) : LoadPartial32(at[m] + 4 * k, rest);
        const int8x8_t x = vreinterpret_s8_s32(vdup_n_s32(bytes));
        for (int j = 0; j < 4; ++j) {
          acc[m][2 * j] = vpadalq_s16(acc[m][2 * j], vmull_s8(vget_low_s8(wv[j]), x));
          acc[m][2 * j + 1] = vpadalq_s16(acc[m][2 * j + 1], vmull_s8(vget_high_s8(wv[j]), x));
        }
      }
    }
  }
  const int32_t* bias = BlockBiasS8(w);
  for (size_t m = 0; m < mr; ++m) {
    int32x4_t sums[4];
    for (int j = 0; j < 4; ++j) sums[j] = vaddq_s32(vpaddq_s32(acc[m][2 * j], acc[m][2 * j + 1]), vld1q_s32(bias + 4 * j));
    neon::Store16(sums, GemmBlockScales(w), rq, c + m * c_stride, n);
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  neon::IgemmBlocks(IgemmBlock, mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

}  // namespace

const Ukernels kNeonUkernels = {
    "neon", "int8/qc8-igemm-2x16c4-neon", "int8/qc8-dwconv-1x32-neon", Igemm, kMr, neon::Dwconv, true,
    nullptr, nullptr, 0, nullptr, nullptr,
};

}  // namespace int8
}  // namespace kite

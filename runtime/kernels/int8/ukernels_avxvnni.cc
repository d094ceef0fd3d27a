// AVX-VNNI variant (256-bit vpdpbusd without AVX-512; compiled with -mavx2
// -mavxvnni). IGEMM 4x16c4: 4 output pixels by one 16-channel block (two
// ymm per pixel); as in the AVX512-VNNI variant the weights take vpdpbusd's
// unsigned side as w + 128 and 128 * sum(x) per pixel is taken off with
// bias_s8, except on taps shorter than kSumsPayTapBytes, where x is fed as
// x + 128 against the s8 weights and bias_u8 removes 128 * sum(w).
#include "kernels/int8/ukernels_avx2_common.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 4;
constexpr size_t kSumsPayTapBytes = 32;  // the AVX512-VNNI variant's, not measured for this one

// 128 * the sum of the kc bytes of each of pixel m's ks rows.
void PixelSums128(size_t mr, size_t kc, size_t ks, const int8_t* const* a, int32_t sums[kMr]) {
  const __m256i ones = _mm256_set1_epi8(1);
  for (size_t m = 0; m < mr; ++m) {
    __m256i s = _mm256_setzero_si256();
    int32_t tail = 0;
    for (size_t t = 0; t < ks; ++t) {
      const int8_t* row = a[t * kMr + m];
      size_t k = 0;
      for (; k + 32 <= kc; k += 32) {
        s = _mm256_dpbusd_avx_epi32(s, ones, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k)));
      }
      for (; k < kc; ++k) tail += row[k];
    }
    const __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    const __m128i q = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    sums[m] = 128 * (_mm_cvtsi128_si32(_mm_add_epi32(q, _mm_shuffle_epi32(q, 0xB1))) + tail);
  }
}

template <bool kFlipX>
void IgemmBlock(size_t mr, size_t n, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                const int32_t* sums, int8_t* c, size_t c_stride, const Requant& rq) {
  __m256i acc[kMr][2];
  for (size_t m = 0; m < kMr; ++m) acc[m][0] = acc[m][1] = _mm256_setzero_si256();
  const __m256i sign = _mm256_set1_epi8(static_cast<char>(0x80));
  const int8_t* wp = GemmBlockWeights(w);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    for (size_t k = 0; k < full + (rest != 0 ? 1 : 0); ++k, wp += 64) {
      __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wp));
      __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wp + 32));
      if (!kFlipX) {
        w0 = _mm256_xor_si256(w0, sign);
        w1 = _mm256_xor_si256(w1, sign);
      }
      for (size_t m = 0; m < kMr; ++m) {
        const int32_t bytes = k < full ? Load32(at[m] + 4 * k) : LoadPartial32(at[m] + 4 * k, rest);
        const __m256i x = _mm256_set1_epi32(bytes);
        if (kFlipX) {
          const __m256i ux = _mm256_xor_si256(x, sign);
          acc[m][0] = _mm256_dpbusd_avx_epi32(acc[m][0], ux, w0);
          acc[m][1] = _mm256_dpbusd_avx_epi32(acc[m][1], ux, w1);
        } else {
          acc[m][0] = _mm256_dpbusd_avx_epi32(acc[m][0], w0, x);
          acc[m][1] = _mm256_dpbusd_avx_epi32(acc[m][1], w1, x);
        }
      }
    }
  }
  const int32_t* bias = kFlipX ? GemmBlockBiasU8(w) : BlockBiasS8(w);
  const __m256i bias_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias));
  const __m256i bias_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias + 8));
  for (size_t m = 0; m < mr; ++m) {
    const __m256i sum = _mm256_set1_epi32(sums[m]);
    avx2::Store16(_mm256_add_epi32(acc[m][0], _mm256_sub_epi32(bias_lo, sum)),
                  _mm256_add_epi32(acc[m][1], _mm256_sub_epi32(bias_hi, sum)), GemmBlockScales(w), rq,
                  c + m * c_stride, n);
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  const bool flip_x = kc < kSumsPayTapBytes;
  int32_t sums[kMr] = {};
  if (!flip_x) PixelSums128(mr, kc, ks, a, sums);
  const auto block = flip_x ? IgemmBlock<true> : IgemmBlock<false>;
  avx2::IgemmBlocks(
      [&](size_t mr_, size_t n, size_t kc_, size_t ks_, const int8_t* const* a_, const uint8_t* w_, int8_t* c_,
          size_t c_stride_, const Requant& rq_) { block(mr_, n, kc_, ks_, a_, w_, sums, c_, c_stride_, rq_); },
      mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

}  // namespace

const Ukernels kAvxVnniUkernels = {
    "avxvnni", "int8/qc8-igemm-4x16c4-avxvnni", "int8/qc8-dwconv-4x16-avxvnni", Igemm, kMr, avx2::Dwconv<true>, true,
    "int8/qs16x8-gemm-4x16c2-avx2", Gemm16x8Avx2, kGemm16x8Avx2Mr, "int8/qs16x16-gemm-4x16c2-avx2", Gemm16x16Avx2,
};

}  // namespace int8
}  // namespace kite

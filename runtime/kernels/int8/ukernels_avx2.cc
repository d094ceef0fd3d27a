// AVX2 variant without VNNI (compiled with -mavx2). vpmaddubsw would
// saturate its int16 pair sums, so both operands are widened to int16 first
// and vpmaddwd sums exact pairs into int32: s8 x s8 against bias_s8. IGEMM
// 2x16c4: per 4-byte group, the block's 64 weight bytes become four ymm of
// int16 (4 channels x 4 k each); each pixel's accumulators hold two partial
// sums per channel, added pairwise at the end.
#include "kernels/int8/ukernels_avx2_common.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 2;

// [c0 p0, c0 p1, c1 p0, c1 p1 | c2 .., c3 ..] and the same for c4-c7 ->
// [c0 .. c7]: pairwise sums, then the 64-bit lanes back in channel order.
inline __m256i Reduce(__m256i a, __m256i b) { return _mm256_permute4x64_epi64(_mm256_hadd_epi32(a, b), 0xD8); }

void IgemmBlock(size_t mr, size_t n, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w, int8_t* c,
                size_t c_stride, const Requant& rq) {
  __m256i acc[kMr][4];
  for (size_t m = 0; m < kMr; ++m) {
    for (int j = 0; j < 4; ++j) acc[m][j] = _mm256_setzero_si256();
  }
  const int8_t* wp = GemmBlockWeights(w);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    for (size_t k = 0; k < full + (rest != 0 ? 1 : 0); ++k, wp += 64) {
      __m256i wv[4];
      for (int j = 0; j < 4; ++j) {
        wv[j] = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(wp + 16 * j)));
      }
      for (size_t m = 0; m < kMr; ++m) {
        const int32_t bytes = k < full ? Load32(at[m] + 4 * k) : LoadPartial32(at[m] + 4 * k, rest);
        const __m256i x = _mm256_cvtepi8_epi16(_mm_set1_epi32(bytes));
        for (int j = 0; j < 4; ++j) acc[m][j] = _mm256_add_epi32(acc[m][j], _mm256_madd_epi16(x, wv[j]));
      }
    }
  }
  const __m256i bias_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(BlockBiasS8(w)));
  const __m256i bias_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(BlockBiasS8(w) + 8));
  for (size_t m = 0; m < mr; ++m) {
    const __m256i lo = _mm256_add_epi32(Reduce(acc[m][0], acc[m][1]), bias_lo);
    const __m256i hi = _mm256_add_epi32(Reduce(acc[m][2], acc[m][3]), bias_hi);
    avx2::Store16(lo, hi, GemmBlockScales(w), rq, c + m * c_stride, n);
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  avx2::IgemmBlocks(IgemmBlock, mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

}  // namespace

const Ukernels kAvx2Ukernels = {
    "avx2", "int8/qc8-igemm-2x16c4-avx2", "int8/qc8-dwconv-4x16-avx2", Igemm, kMr, avx2::Dwconv<false>, true,
    "int8/qs16x8-gemm-4x16c2-avx2", Gemm16x8Avx2, kGemm16x8Avx2Mr, "int8/qs16x16-gemm-4x16c2-avx2", Gemm16x16Avx2,
};

}  // namespace int8
}  // namespace kite

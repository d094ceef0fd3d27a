// The 16x8 GEMM of the AVX512-VNNI variants (compiled with the variant's
// flags): 8 rows by one block of 16 channels, one zmm accumulator per row.
// Per int16 pair of the rows, the block's 32 weight bytes widen to one zmm of
// int16 (a channel's two weights side by side), and vpdpwssd against the
// row's pair broadcast adds both products into the channel's int32 lane.
// vpdpwssd wraps (it is not the saturating vpdpwssds); the caller keeps the
// sums short enough that nothing wraps (kGemm16x8MaxPairs).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#include <string.h>

#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {

void Gemm16x8Avx512Vnni(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w, int32_t* acc,
                        size_t acc_stride) {
  constexpr size_t kMr = kGemm16x8Avx512Mr;
  const int16_t* rows[kMr];
  for (size_t m = 0; m < kMr; ++m) rows[m] = a + (m < mr ? m : 0) * a_stride;  // rows past mr repeat row 0
  __m512i sums[kMr];
  for (size_t m = 0; m < kMr; ++m) sums[m] = _mm512_setzero_si512();
  for (size_t p = 0; p < k2; ++p, w += 2 * kGemm16x8Channels) {
    const __m512i wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
    for (size_t m = 0; m < kMr; ++m) {
      int32_t pair;
      memcpy(&pair, rows[m] + 2 * p, sizeof(pair));
      sums[m] = _mm512_dpwssd_epi32(sums[m], _mm512_set1_epi32(pair), wv);
    }
  }
  for (size_t m = 0; m < mr; ++m) _mm512_storeu_si512(acc + m * acc_stride, sums[m]);
}

}  // namespace int8
}  // namespace kite

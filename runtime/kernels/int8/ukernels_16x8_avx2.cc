// The 16x8 GEMM of the AVX2 variants (compiled with -mavx2): 4 rows by one
// block of 16 channels at a time. Per int16 pair of the rows, the block's 32 weight
// bytes widen to two ymm of int16 (channels 0-7 and 8-15, a channel's two
// weights side by side), and vpmaddwd against the row's pair broadcast adds
// both products into the channel's int32 lane: no reduction at the end.
// The pair sums cannot overflow: |x| <= 2^15 and |w| <= 2^7. 16x16: the
// same with int16 weights loaded as they are (the caller keeps |w| < 2^15
// and the sums short).
#include <immintrin.h>
#include <string.h>

#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {

namespace {

// A pair's weights for the block's 16 channels as two ymm of int16
// (channels 0-7 and 8-15, a channel's two weights side by side): int8
// widened, or int16 as they are.
inline void LoadPair(const int8_t* w, __m256i* lo, __m256i* hi) {
  *lo = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  *hi = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 16)));
}

inline void LoadPair(const int16_t* w, __m256i* lo, __m256i* hi) {
  *lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  *hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
}

template <typename W>
void Block(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const W* w, int32_t* acc, size_t acc_stride) {
  constexpr size_t kMr = kGemm16x8Avx2Mr;
  const int16_t* rows[kMr];
  for (size_t m = 0; m < kMr; ++m) rows[m] = a + (m < mr ? m : 0) * a_stride;  // rows past mr repeat row 0
  __m256i lo[kMr], hi[kMr];
  for (size_t m = 0; m < kMr; ++m) lo[m] = hi[m] = _mm256_setzero_si256();
  for (size_t p = 0; p < k2; ++p, w += 2 * kGemm16x8Channels) {
    __m256i w_lo, w_hi;
    LoadPair(w, &w_lo, &w_hi);
    for (size_t m = 0; m < kMr; ++m) {
      int32_t pair;
      memcpy(&pair, rows[m] + 2 * p, sizeof(pair));
      const __m256i x = _mm256_set1_epi32(pair);
      lo[m] = _mm256_add_epi32(lo[m], _mm256_madd_epi16(x, w_lo));
      hi[m] = _mm256_add_epi32(hi[m], _mm256_madd_epi16(x, w_hi));
    }
  }
  for (size_t m = 0; m < mr; ++m) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + m * acc_stride), lo[m]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + m * acc_stride + 8), hi[m]);
  }
}

template <typename W>
void Blocks(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const W* w, size_t block_stride, size_t blocks,
            int32_t* acc, size_t acc_stride) {
  for (size_t b = 0; b < blocks; ++b) {
    Block(mr, k2, a, a_stride, w + b * block_stride, acc + b * kGemm16x8Channels, acc_stride);
  }
}

}  // namespace

void Gemm16x8Avx2(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w, size_t block_stride,
                  size_t blocks, int32_t* acc, size_t acc_stride) {
  Blocks(mr, k2, a, a_stride, w, block_stride, blocks, acc, acc_stride);
}

void Gemm16x16Avx2(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int16_t* w, size_t block_stride,
                   size_t blocks, int32_t* acc, size_t acc_stride) {
  Blocks(mr, k2, a, a_stride, w, block_stride, blocks, acc, acc_stride);
}

}  // namespace int8
}  // namespace kite

// The 16x8 GEMM of the AVX512-VNNI variants (compiled with the variant's
// flags): 8 rows by two blocks of 16 channels (the last one alone), one zmm
// accumulator per row and block.
// Per int16 pair of the rows, the block's 32 weight bytes widen to one zmm of
// int16 (a channel's two weights side by side), and vpdpwssd against the
// row's pair broadcast adds both products into the channel's int32 lane.
// vpdpwssd wraps (it is not the saturating vpdpwssds); the caller keeps the
// sums short enough that nothing wraps (kGemm16x8MaxPairs). 16x16: the same
// with int16 weights loaded as they are.
#include "kernels/int8/ukernels_avx512_intrinsics.h"
#include <string.h>

#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {

namespace {

// sum += the pair products of x and w. GCC 12 allocates
// _mm512_dpwssd_epi32's accumulator only in zmm0-15 and copies the 16
// accumulators in and out of zmm16-31 around every instruction (2.4 moves
// per vpdpwssd); the instruction itself takes any register.
inline __m512i Dpwssd(__m512i sum, __m512i x, __m512i w) {
#if defined(__GNUC__) && !defined(__clang__)
  __asm__("vpdpwssd %2, %1, %0" : "+v"(sum) : "v"(x), "v"(w));
  return sum;
#else
  return _mm512_dpwssd_epi32(sum, x, w);
#endif
}

// A pair's weights for a block's 16 channels as one zmm of int16: int8
// widened, or int16 as they are.
inline __m512i LoadPair(const int8_t* w) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
}

inline __m512i LoadPair(const int16_t* w) { return _mm512_loadu_si512(w); }

// Whole blocks of 16 channels: one, or two per k step (kNb), whose weights
// are `block_stride` elements apart.
template <int kNb, typename W>
void Tile(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const W* w, size_t block_stride, int32_t* acc,
          size_t acc_stride) {
  constexpr size_t kMr = kGemm16x8Avx512Mr;
  const int16_t* rows[kMr];
  for (size_t m = 0; m < kMr; ++m) rows[m] = a + (m < mr ? m : 0) * a_stride;  // rows past mr repeat row 0
  __m512i sums[kMr][kNb];
  for (size_t m = 0; m < kMr; ++m) {
    for (int b = 0; b < kNb; ++b) sums[m][b] = _mm512_setzero_si512();
  }
  for (size_t p = 0; p < k2; ++p) {
    __m512i wv[kNb];
    for (int b = 0; b < kNb; ++b) wv[b] = LoadPair(w + b * block_stride + p * 2 * kGemm16x8Channels);
    for (size_t m = 0; m < kMr; ++m) {
      int32_t pair;
      memcpy(&pair, rows[m] + 2 * p, sizeof(pair));
      const __m512i x = _mm512_set1_epi32(pair);
      for (int b = 0; b < kNb; ++b) sums[m][b] = Dpwssd(sums[m][b], x, wv[b]);
    }
  }
  for (size_t m = 0; m < mr; ++m) {
    for (int b = 0; b < kNb; ++b) _mm512_storeu_si512(acc + m * acc_stride + b * kGemm16x8Channels, sums[m][b]);
  }
}

// Two blocks per tile, the last one alone.
template <typename W>
void Tiles(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const W* w, size_t block_stride, size_t blocks,
           int32_t* acc, size_t acc_stride) {
  size_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    Tile<2>(mr, k2, a, a_stride, w + b * block_stride, block_stride, acc + b * kGemm16x8Channels, acc_stride);
  }
  if (b < blocks) Tile<1>(mr, k2, a, a_stride, w + b * block_stride, block_stride, acc + b * kGemm16x8Channels, acc_stride);
}

}  // namespace

void Gemm16x8Avx512Vnni(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w, size_t block_stride,
                        size_t blocks, int32_t* acc, size_t acc_stride) {
  Tiles(mr, k2, a, a_stride, w, block_stride, blocks, acc, acc_stride);
}

void Gemm16x16Avx512Vnni(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int16_t* w,
                         size_t block_stride, size_t blocks, int32_t* acc, size_t acc_stride) {
  Tiles(mr, k2, a, a_stride, w, block_stride, blocks, acc, acc_stride);
}

}  // namespace int8
}  // namespace kite

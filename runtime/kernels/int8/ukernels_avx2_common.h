// What the two 256-bit variants (AVX2, AVX-VNNI) share: the requantizing
// store of 16 channels and the depthwise kernel, whose int16 products go
// through vpmaddwd + vpaddd (AVX2) or vpdpwssd (AVX-VNNI). Included only by files
// compiled with -mavx2.
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX2_COMMON_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX2_COMMON_H_

#include <immintrin.h>
#include <string.h>

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "kernels/int8/ukernels_loads.h"

namespace kite {
namespace int8 {
namespace avx2 {

inline __m256i Requantize8(__m256i acc, __m256 scale, const Requant& rq) {
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
  f = _mm256_max_ps(f, _mm256_set1_ps(rq.lo));  // NaN -> lo, as the reference
  f = _mm256_min_ps(f, _mm256_set1_ps(rq.hi));
  return _mm256_add_epi32(_mm256_cvtps_epi32(f), _mm256_set1_epi32(rq.zero_point));
}

// Sixteen int16 in [-128, 127], in order, stored as `n` <= 16 bytes (the
// saturating pack only narrows).
inline void StoreWords16(__m256i words, int8_t* out, size_t n) {
  const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
    memcpy(out, tmp, n);
  }
}

// Channels 0-7 in lo, 8-15 in hi (accumulators with the bias): stores `n` <= 16.
inline void Store16(__m256i lo, __m256i hi, const float* scales, const Requant& rq, int8_t* out, size_t n) {
  const __m256i q0 = Requantize8(lo, _mm256_loadu_ps(scales), rq);
  const __m256i q1 = Requantize8(hi, _mm256_loadu_ps(scales + 8), rq);
  // Values are in [-128, 127]: the saturating packs only reorder.
  const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
  StoreWords16(words, out, n);
}

// Sixteen channels of one tap; with fewer left, nothing past them is read:
// whole 4-byte groups by a masked load (lanes past them zero), others
// copied first. (The copy's narrow stores then one wide load miss
// store-to-load forwarding on every tap: BlazeFace-back's 24-channel
// depthwise convs, 8 in their second half, ran at 1.6 GMAC/s.)
inline __m128i LoadChannels(const int8_t* x, size_t n) {
  if (n >= 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(x));
  if (n % 4 == 0) {
    const __m128i groups = _mm_set1_epi32(static_cast<int32_t>(n / 4));
    const __m128i mask = _mm_cmpgt_epi32(groups, _mm_setr_epi32(0, 1, 2, 3));
    return _mm_maskload_epi32(reinterpret_cast<const int*>(x), mask);
  }
  alignas(16) int8_t tmp[16] = {};
  memcpy(tmp, x, n);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

template <bool kVnni>
inline __m256i DotPairs(__m256i acc, __m256i x, __m256i w) {
#if defined(__AVXVNNI__)
  if (kVnni) return _mm256_dpwssd_avx_epi32(acc, x, w);
#endif
  return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
}

// Requantizes the even (channels 0, 2, ..., 14) and odd accumulators of 16
// channels and stores `n` <= 16 of them in order.
inline void StoreEvenOdd(__m256i even, __m256i odd, const float* even_scales, const float* odd_scales,
                         const Requant& rq, int8_t* out, size_t n) {
  const __m256i qe = Requantize8(even, _mm256_loadu_ps(even_scales), rq);
  const __m256i qo = Requantize8(odd, _mm256_loadu_ps(odd_scales), rq);
  // Per 128-bit lane: unpacklo gives channels 8l..8l+3, unpackhi 8l+4..8l+7.
  const __m256i words = _mm256_packs_epi32(_mm256_unpacklo_epi32(qe, qo), _mm256_unpackhi_epi32(qe, qo));
  StoreWords16(words, out, n);
}

// Half `h` (channels 16h..16h+15) of a 32-channel depthwise block for up to
// four output pixels: per tap, each pixel's 16 input bytes widened to int16
// once, against the even and the odd weight lanes of that half.
template <bool kVnni>
void DwconvHalf(size_t pixels, size_t h, size_t ch, size_t channels, const DwconvTaps& taps, const uint8_t* block,
                int8_t* c, const Requant& rq) {
  constexpr size_t kPixels = 4;
  const size_t first = ch + 16 * h;
  const size_t n = channels - first < 16 ? channels - first : 16;
  const int32_t* bias = BlockBiasS8(block);
  const float* scales = DepthwiseBlockScales(block);
  for (size_t p0 = 0; p0 < pixels; p0 += kPixels) {
    const size_t np = pixels - p0 < kPixels ? pixels - p0 : kPixels;
    __m256i even[kPixels], odd[kPixels];
    for (size_t q = 0; q < kPixels; ++q) {
      even[q] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8 * h));
      odd[q] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 16 + 8 * h));
    }
    const int16_t* w = DepthwiseBlockWeights(block) + 16 * h;
    for (size_t ky = 0; ky < taps.kh; ++ky) {
      const int8_t* row[kPixels];  // pixels past np repeat the run's first
      for (size_t q = 0; q < kPixels; ++q) row[q] = taps.rows[ky] + (p0 + (q < np ? q : 0)) * taps.pixel_step[ky] + first;
      for (size_t kx = 0; kx < taps.kw; ++kx, w += 64) {
        const __m256i we = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
        const __m256i wo = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32));
        for (size_t q = 0; q < kPixels; ++q) {
          const __m256i words = _mm256_cvtepi8_epi16(LoadChannels(row[q] + kx * taps.tap_step[ky], n));
          even[q] = DotPairs<kVnni>(even[q], words, we);
          odd[q] = DotPairs<kVnni>(odd[q], words, wo);
        }
      }
    }
    for (size_t q = 0; q < np; ++q) {
      StoreEvenOdd(even[q], odd[q], scales + 8 * h, scales + 16 + 8 * h, rq, c + (p0 + q) * channels + first, n);
    }
  }
}

template <bool kVnni>
void Dwconv(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes, int8_t* c,
            const Requant& rq) {
  for (size_t ch = 0; ch < channels; ch += kDepthwiseBlockChannels, w += block_bytes) {
    DwconvHalf<kVnni>(pixels, 0, ch, channels, taps, w, c, rq);
    if (channels - ch > 16) DwconvHalf<kVnni>(pixels, 1, ch, channels, taps, w, c, rq);
  }
}

// The IGEMM of the 256-bit variants: one 16-channel block at a time.
template <typename Block>
void IgemmBlocks(Block block, size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                 size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  for (size_t n = 0; n < nc; n += kBlockChannels, w += block_bytes) {
    block(mr, nc - n < kBlockChannels ? nc - n : kBlockChannels, kc, ks, a, w, c + n, c_stride, rq);
  }
}

}  // namespace avx2
}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX2_COMMON_H_

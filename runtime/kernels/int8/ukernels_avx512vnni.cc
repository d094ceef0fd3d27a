// AVX512-VNNI variant (compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512vnni; picked only when CPUID reports all four).
//
// IGEMM 8x32c4: 8 output pixels by two 16-channel blocks, 16 zmm
// accumulators. vpdpbusd multiplies unsigned by signed bytes, so each
// 4-byte group of x is fed as x + 128 (x ^ 0x80) against the packed s8
// weights, and the block's bias_u8 removes 128 * sum(w) with the zero point.
// Depthwise 1x32: one output pixel by one 32-channel block at a time; each
// tap's input widened to int16 once, vpdpwssd against the even and the odd
// channels' weight lanes (packed_weights.h).
#include <immintrin.h>

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "kernels/int8/ukernels_loads.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 8;

// Requantizes 16 accumulators (bias included) to 16 int8 and stores `n` of them.
inline void Store16(__m512i acc, __m512 scale, const Requant& rq, int8_t* out, size_t n) {
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
  f = _mm512_max_ps(f, _mm512_set1_ps(rq.lo));  // NaN -> lo, as the reference
  f = _mm512_min_ps(f, _mm512_set1_ps(rq.hi));
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), _mm512_set1_epi32(rq.zero_point));
  const __m128i bytes = _mm512_cvtsepi32_epi8(q);
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  } else {
    _mm_mask_storeu_epi8(out, static_cast<__mmask16>((1u << n) - 1), bytes);
  }
}

// The last 1-3 bytes of a row as one 4-byte group with zero high bytes, by
// a masked load (the bytes past them are neither read nor faulted on).
inline int32_t MaskedLoad32(const int8_t* p, size_t n) {
  return _mm_cvtsi128_si32(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1), p));
}

// kTail: kc % 4 != 0. A separate instantiation: with the masked load in the
// same function GCC 12 shuffles the 16 accumulators through other registers
// and the stack on every k step of the main loop (a third slower).
template <int kNb, bool kTail>
void IgemmTile(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
               size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  __m512i acc[kMr][kNb];
  for (size_t m = 0; m < kMr; ++m) {
    for (int b = 0; b < kNb; ++b) acc[m][b] = _mm512_setzero_si512();
  }
  const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));
  const int8_t* wp[kNb];
  for (int b = 0; b < kNb; ++b) wp[b] = GemmBlockWeights(w + b * block_bytes);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    const int8_t* rows[kMr];
    for (size_t m = 0; m < kMr; ++m) rows[m] = at[m];
    for (size_t k = 0; k < full; ++k) {
      __m512i wv[kNb];
      for (int b = 0; b < kNb; ++b) {
        wv[b] = _mm512_load_si512(wp[b]);
        wp[b] += 64;
      }
      for (size_t m = 0; m < kMr; ++m) {
        const __m512i x = _mm512_xor_si512(_mm512_set1_epi32(Load32(rows[m] + 4 * k)), sign);
        for (int b = 0; b < kNb; ++b) acc[m][b] = _mm512_dpbusd_epi32(acc[m][b], x, wv[b]);
      }
    }
    if (kTail) {
      __m512i wv[kNb];
      for (int b = 0; b < kNb; ++b) {
        wv[b] = _mm512_load_si512(wp[b]);
        wp[b] += 64;
      }
      for (size_t m = 0; m < kMr; ++m) {
        const __m512i x = _mm512_xor_si512(_mm512_set1_epi32(MaskedLoad32(rows[m] + 4 * full, rest)), sign);
        for (int b = 0; b < kNb; ++b) acc[m][b] = _mm512_dpbusd_epi32(acc[m][b], x, wv[b]);
      }
    }
  }
  for (int b = 0; b < kNb; ++b) {
    const uint8_t* block = w + b * block_bytes;
    const __m512i bias = _mm512_load_si512(GemmBlockBiasU8(block));
    const __m512 scale = _mm512_load_ps(GemmBlockScales(block));
    const size_t n = nc - b * kBlockChannels < kBlockChannels ? nc - b * kBlockChannels : kBlockChannels;
    for (size_t m = 0; m < mr; ++m) {
      Store16(_mm512_add_epi32(acc[m][b], bias), scale, rq, c + m * c_stride + b * kBlockChannels, n);
    }
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  for (size_t n = 0; n < nc; n += 2 * kBlockChannels) {
    const size_t left = nc - n;
    const bool tail = kc % 4 != 0;
    if (left > kBlockChannels) {
      const size_t nc2 = left < 2 * kBlockChannels ? left : 2 * kBlockChannels;
      (tail ? IgemmTile<2, true> : IgemmTile<2, false>)(mr, nc2, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    } else {
      (tail ? IgemmTile<1, true> : IgemmTile<1, false>)(mr, left, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    }
    w += 2 * block_bytes;
  }
}

// Requantizes the even (channels 0, 2, ..., 30) and odd accumulators of a
// 32-channel depthwise block and stores `n` <= 32 channels in order.
inline void Store32(__m512i even, __m512i odd, const float* scales, const Requant& rq, int8_t* out, size_t n) {
  const __m512 lo = _mm512_set1_ps(rq.lo), hi = _mm512_set1_ps(rq.hi);
  const __m512i zp = _mm512_set1_epi32(rq.zero_point);
  __m512 fe = _mm512_mul_ps(_mm512_cvtepi32_ps(even), _mm512_load_ps(scales));
  __m512 fo = _mm512_mul_ps(_mm512_cvtepi32_ps(odd), _mm512_load_ps(scales + 16));
  fe = _mm512_min_ps(_mm512_max_ps(fe, lo), hi);  // NaN -> lo, as the reference
  fo = _mm512_min_ps(_mm512_max_ps(fo, lo), hi);
  const __m512i qe = _mm512_add_epi32(_mm512_cvtps_epi32(fe), zp);
  const __m512i qo = _mm512_add_epi32(_mm512_cvtps_epi32(fo), zp);
  // Per 128-bit lane, unpacklo gives channels 8l..8l+3 and unpackhi 8l+4..8l+7;
  // the pack puts them in order. Values are in [-128, 127]: packs only reorder.
  const __m512i words = _mm512_packs_epi32(_mm512_unpacklo_epi32(qe, qo), _mm512_unpackhi_epi32(qe, qo));
  const __m256i bytes = _mm512_cvtsepi16_epi8(words);
  if (n == 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
  } else {
    _mm256_mask_storeu_epi8(out, static_cast<__mmask32>((uint64_t{1} << n) - 1), bytes);
  }
}

// One block of 32 channels for one output pixel: per tap, the pixel's 32
// input bytes widened to int16 once and multiplied against the even and the
// odd weight lanes (read from L1 as memory operands).
template <bool kFull>
inline __m512i LoadTap(const int8_t* x, __mmask32 mask) {
  const __m256i bytes = kFull ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)) : _mm256_maskz_loadu_epi8(mask, x);
  return _mm512_cvtepi8_epi16(bytes);
}

template <bool kFull>
inline void DwconvPixel(const int8_t* const* rows, size_t ch, size_t left, size_t taps, const uint8_t* block,
                        int8_t* out, const Requant& rq) {
  const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << left) - 1);
  __m512i even = _mm512_load_si512(BlockBiasS8(block));
  __m512i odd = _mm512_load_si512(BlockBiasS8(block) + 16);
  const int16_t* w = DepthwiseBlockWeights(block);
  for (size_t t = 0; t < taps; ++t, w += 64) {
    const __m512i words = LoadTap<kFull>(rows[t] + ch, mask);
    even = _mm512_dpwssd_epi32(even, words, _mm512_load_si512(w));
    odd = _mm512_dpwssd_epi32(odd, words, _mm512_load_si512(w + 32));
  }
  Store32(even, odd, DepthwiseBlockScales(block), rq, out + ch, left);
}

// Two output pixels at once: each tap's weights loaded once for both, and
// four independent accumulator chains instead of two (a 3x3 chain is 9
// dependent vpdpwssd long). Named accumulators, not an array: GCC 12 keeps
// arrays of __m512i in memory.
template <bool kFull>
inline void DwconvPixelPair(const int8_t* const* rows0, const int8_t* const* rows1, size_t ch, size_t left,
                            size_t taps, const uint8_t* block, int8_t* out0, int8_t* out1, const Requant& rq) {
  const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << left) - 1);
  __m512i even0 = _mm512_load_si512(BlockBiasS8(block));
  __m512i odd0 = _mm512_load_si512(BlockBiasS8(block) + 16);
  __m512i even1 = even0, odd1 = odd0;
  const int16_t* w = DepthwiseBlockWeights(block);
  for (size_t t = 0; t < taps; ++t, w += 64) {
    const __m512i we = _mm512_load_si512(w), wo = _mm512_load_si512(w + 32);
    const __m512i x0 = LoadTap<kFull>(rows0[t] + ch, mask);
    const __m512i x1 = LoadTap<kFull>(rows1[t] + ch, mask);
    even0 = _mm512_dpwssd_epi32(even0, x0, we);
    odd0 = _mm512_dpwssd_epi32(odd0, x0, wo);
    even1 = _mm512_dpwssd_epi32(even1, x1, we);
    odd1 = _mm512_dpwssd_epi32(odd1, x1, wo);
  }
  Store32(even0, odd0, DepthwiseBlockScales(block), rq, out0 + ch, left);
  Store32(even1, odd1, DepthwiseBlockScales(block), rq, out1 + ch, left);
}

template <bool kFull>
inline void DwconvBlock(size_t pixels, size_t ch, size_t left, size_t taps, const int8_t* const* a,
                        const uint8_t* block, int8_t* c, size_t c_stride, const Requant& rq) {
  size_t p = 0;
  for (; p + 2 <= pixels; p += 2) {
    DwconvPixelPair<kFull>(a + p * taps, a + (p + 1) * taps, ch, left, taps, block, c + p * c_stride,
                           c + (p + 1) * c_stride, rq);
  }
  if (p < pixels) DwconvPixel<kFull>(a + p * taps, ch, left, taps, block, c + p * c_stride, rq);
}

void Dwconv(size_t pixels, size_t channels, size_t taps, const int8_t* const* a, const uint8_t* w,
            size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  for (size_t ch = 0; ch < channels; ch += kDepthwiseBlockChannels, w += block_bytes) {
    const size_t left = channels - ch;
    if (left >= kDepthwiseBlockChannels) {
      DwconvBlock<true>(pixels, ch, kDepthwiseBlockChannels, taps, a, w, c, c_stride, rq);
    } else {
      DwconvBlock<false>(pixels, ch, left, taps, a, w, c, c_stride, rq);
    }
  }
}

}  // namespace

const Ukernels kAvx512VnniUkernels = {
    "avx512vnni", "int8/qc8-igemm-8x32c4-avx512vnni", "int8/qc8-dwconv-2x32-avx512vnni", Igemm, kMr, Dwconv, true,
};

}  // namespace int8
}  // namespace kite

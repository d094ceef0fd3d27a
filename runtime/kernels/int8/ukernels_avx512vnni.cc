// AVX512-VNNI variant (compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512vnni; picked only when CPUID reports all four).
//
// IGEMM 8x32c4: 8 output pixels by two 16-channel blocks, 16 zmm
// accumulators. vpdpbusd multiplies unsigned by signed bytes, so each
// 4-byte group of x is fed as x + 128 (x ^ 0x80) against the packed s8
// weights, and the block's bias_u8 removes 128 * sum(w) with the zero point.
// Depthwise 4x16: tap pairs as int16 pairs through vpdpwssd, four output
// pixels at a time for independent chains.
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

template <int kNb>
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
    if (rest != 0) {
      __m512i wv[kNb];
      for (int b = 0; b < kNb; ++b) {
        wv[b] = _mm512_load_si512(wp[b]);
        wp[b] += 64;
      }
      for (size_t m = 0; m < kMr; ++m) {
        const __m512i x = _mm512_xor_si512(_mm512_set1_epi32(LoadPartial32(rows[m] + 4 * full, rest)), sign);
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
    if (left > kBlockChannels) {
      IgemmTile<2>(mr, left < 2 * kBlockChannels ? left : 2 * kBlockChannels, kc, ks, a, w, block_bytes, c + n,
                   c_stride, rq);
    } else {
      IgemmTile<1>(mr, left, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    }
    w += 2 * block_bytes;
  }
}

// Sixteen channels of two taps as 16 int16 pairs (x0[c], x1[c]).
inline __m512i TapPair(const int8_t* x0, const int8_t* x1, __mmask16 mask) {
  const __m128i a = _mm_maskz_loadu_epi8(mask, x0);
  const __m128i b = _mm_maskz_loadu_epi8(mask, x1);
  const __m256i pairs = _mm256_set_m128i(_mm_unpackhi_epi8(a, b), _mm_unpacklo_epi8(a, b));
  return _mm512_cvtepi8_epi16(pairs);
}

// One block of 16 channels for up to four output pixels: four independent
// accumulator chains sharing each weight load.
void DwconvBlock(size_t pixels, size_t ch, size_t channels, size_t taps, const int8_t* const* a, const uint8_t* block,
                 int8_t* c, size_t c_stride, const Requant& rq) {
  constexpr size_t kPixels = 4;
  const size_t left = channels - ch;
  const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
  const __m512i bias = _mm512_load_si512(BlockBiasS8(block));
  const __m512 scale = _mm512_load_ps(DepthwiseBlockScales(block));
  const int16_t* weights = DepthwiseBlockWeights(block);
  for (size_t p0 = 0; p0 < pixels; p0 += kPixels) {
    const size_t np = pixels - p0 < kPixels ? pixels - p0 : kPixels;
    const int8_t* const* rows[kPixels];
    for (size_t q = 0; q < kPixels; ++q) rows[q] = a + (p0 + (q < np ? q : 0)) * taps;
    __m512i acc[kPixels];
    for (size_t q = 0; q < kPixels; ++q) acc[q] = bias;
    for (size_t t = 0; t < taps; t += 2) {
      const __m512i wv = _mm512_load_si512(weights + t * kBlockChannels);
      for (size_t q = 0; q < kPixels; ++q) {
        acc[q] = _mm512_dpwssd_epi32(acc[q], TapPair(rows[q][t] + ch, rows[q][t + 1] + ch, mask), wv);
      }
    }
    for (size_t q = 0; q < np; ++q) Store16(acc[q], scale, rq, c + (p0 + q) * c_stride + ch, left < 16 ? left : 16);
  }
}

void Dwconv(size_t pixels, size_t channels, size_t taps, const int8_t* const* a, const uint8_t* w,
            size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  for (size_t ch = 0; ch < channels; ch += kBlockChannels, w += block_bytes) {
    DwconvBlock(pixels, ch, channels, taps, a, w, c, c_stride, rq);
  }
}

}  // namespace

const Ukernels kAvx512VnniUkernels = {
    "avx512vnni", "int8/qc8-igemm-8x32c4-avx512vnni", "int8/qc8-dwconv-4x16-avx512vnni", Igemm, kMr, Dwconv, true,
};

}  // namespace int8
}  // namespace kite

// AVX512-VNNI variant (compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512vnni; picked only when CPUID reports all four).
//
// IGEMM 8x32c4: 8 output pixels by two 16-channel blocks, 16 zmm
// accumulators. vpdpbusd multiplies unsigned by signed bytes; the weights
// take the unsigned side as w + 128 (w ^ 0x80, once per k step for all 8
// pixels) and x is broadcast as it is, so the sum gains 128 * sum(x) per
// pixel: found once per call from the pixel's rows and taken off with the
// block's bias_s8. (Feeding x ^ 0x80 instead costs one vpxord per pixel and
// k step, on the ports vpdpbusd needs on Intel cores: ~60% of the peak.)
// Taps shorter than kSumsPayTapBytes keep that form, with bias_u8.
// Depthwise 4x32: four output pixels by one 32-channel block; each input
// column widened to int16 once for all the pixels that read it, vpdpwssd
// against the even and the odd channels' weight lanes (packed_weights.h).
#include "kernels/int8/ukernels_avx512_intrinsics.h"

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels_avx512_store.h"
#include "kernels/int8/ukernels.h"
#include "kernels/int8/ukernels_loads.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 8;
// The tap length (input bytes per tap) from which the pixel sums pay for
// themselves. kernel_bench on an Intel core (Sapphire Rapids class), against
// the x ^ 0x80 form: BlazeFace-back's 1x1 convs of 24 channels 1.17-1.22x
// slower with the sums, its 5-tap 15-byte first layer 1.20x, those of 48
// channels 0.93x, 96 channels 0.80-0.84x, M-LSD's 3x3 convs of 64+ ~0.88x.
constexpr size_t kSumsPayTapBytes = 32;

// The last 1-3 bytes of a row as one 4-byte group with zero high bytes, by
// a masked load (the bytes past them are neither read nor faulted on).
inline int32_t MaskedLoad32(const int8_t* p, size_t n) {
  return _mm_cvtsi128_si32(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1), p));
}

// 128 * the sum of the bytes pixel m reads: kc bytes from each of its ks
// rows (the bytes a tile's masked tail load leaves out are not counted).
// All eight pixels' sums advance together (rows past mr point at valid
// bytes, as the tile's loads assume): eight independent vpdpbusd chains,
// where one pixel after another waited on its own chain's latency (5% of a
// 3x3 conv of 128 channels). The lane-wise sums are reduced as a transpose.
inline void PixelSums128(size_t kc, size_t ks, const int8_t* const* a, int32_t sums[kMr]) {
  const __m512i ones = _mm512_set1_epi8(1);
  const __mmask64 rest = _cvtu64_mask64((uint64_t{1} << (kc % 64)) - 1);
  __m512i s[kMr];
  for (size_t m = 0; m < kMr; ++m) s[m] = _mm512_setzero_si512();
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    size_t k = 0;
    for (; k + 64 <= kc; k += 64) {
      for (size_t m = 0; m < kMr; ++m) s[m] = _mm512_dpbusd_epi32(s[m], ones, _mm512_loadu_si512(at[m] + k));
    }
    if (k < kc) {
      for (size_t m = 0; m < kMr; ++m) s[m] = _mm512_dpbusd_epi32(s[m], ones, _mm512_maskz_loadu_epi8(rest, at[m] + k));
    }
  }
  // Per 128-bit lane: pairs of pixels interleaved, then pixels 0-3 and 4-7 in order.
  __m512i pairs[kMr / 2];
  for (size_t i = 0; i < kMr / 2; ++i) {
    pairs[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(s[2 * i], s[2 * i + 1]),
                                _mm512_unpackhi_epi32(s[2 * i], s[2 * i + 1]));
  }
  const __m512i lo = _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[0], pairs[1]), _mm512_unpackhi_epi64(pairs[0], pairs[1]));
  const __m512i hi = _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[2], pairs[3]), _mm512_unpackhi_epi64(pairs[2], pairs[3]));
  // Across the four 128-bit lanes: lane 0 ends with pixels 0-3, lane 2 with 4-7.
  __m512i total = _mm512_add_epi32(_mm512_shuffle_i32x4(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_i32x4(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
  total = _mm512_slli_epi32(_mm512_add_epi32(total, _mm512_shuffle_i32x4(total, total, _MM_SHUFFLE(2, 3, 0, 1))), 7);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), _mm512_castsi512_si128(total));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sums + 4), _mm512_extracti32x4_epi32(total, 2));
}

// One k step of a pixel against one weight block (`w` already ^ 0x80 unless kFlipX).
template <bool kFlipX>
inline __m512i Dot(__m512i acc, __m512i w, __m512i x, __m512i sign) {
  return kFlipX ? _mm512_dpbusd_epi32(acc, _mm512_xor_si512(x, sign), w) : _mm512_dpbusd_epi32(acc, w, x);
}

// kTail: kc % 4 != 0. A separate instantiation: with the masked load in the
// same function GCC 12 shuffles the 16 accumulators through other registers
// and the stack on every k step of the main loop (a third slower).
// kFlipX: the other form, x ^ 0x80 against the s8 weights and bias_u8, for
// short taps, where finding the pixels' sums costs more than the vpxord it saves.
template <int kNb, bool kTail, bool kFlipX>
void IgemmTile(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
               size_t block_bytes, const int32_t* sums, int8_t* c, size_t c_stride, const Requant& rq) {
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
        wv[b] = kFlipX ? _mm512_load_si512(wp[b]) : _mm512_xor_si512(_mm512_load_si512(wp[b]), sign);
        wp[b] += 64;
      }
      for (size_t m = 0; m < kMr; ++m) {
        const __m512i x = _mm512_set1_epi32(Load32(rows[m] + 4 * k));
        for (int b = 0; b < kNb; ++b) acc[m][b] = Dot<kFlipX>(acc[m][b], wv[b], x, sign);
      }
    }
    if (kTail) {
      __m512i wv[kNb];
      for (int b = 0; b < kNb; ++b) {
        wv[b] = kFlipX ? _mm512_load_si512(wp[b]) : _mm512_xor_si512(_mm512_load_si512(wp[b]), sign);
        wp[b] += 64;
      }
      for (size_t m = 0; m < kMr; ++m) {
        const __m512i x = _mm512_set1_epi32(MaskedLoad32(rows[m] + 4 * full, rest));
        for (int b = 0; b < kNb; ++b) acc[m][b] = Dot<kFlipX>(acc[m][b], wv[b], x, sign);
      }
    }
  }
  for (int b = 0; b < kNb; ++b) {
    const uint8_t* block = w + b * block_bytes;
    const __m512i bias = _mm512_load_si512(kFlipX ? GemmBlockBiasU8(block) : BlockBiasS8(block));
    const __m512 scale = _mm512_load_ps(GemmBlockScales(block));
    const size_t n = nc - b * kBlockChannels < kBlockChannels ? nc - b * kBlockChannels : kBlockChannels;
    for (size_t m = 0; m < mr; ++m) {
      const __m512i total =
          _mm512_add_epi32(acc[m][b], kFlipX ? bias : _mm512_sub_epi32(bias, _mm512_set1_epi32(sums[m])));
      Store16(total, scale, rq, c + m * c_stride + b * kBlockChannels, n);
    }
  }
}

template <bool kFlipX>
void IgemmCall(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
               size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  int32_t sums[kMr] = {};
  if (!kFlipX) PixelSums128(kc, ks, a, sums);
  const bool tail = kc % 4 != 0;
  for (size_t n = 0; n < nc; n += 2 * kBlockChannels) {
    const size_t left = nc - n;
    if (left > kBlockChannels) {
      const size_t nc2 = left < 2 * kBlockChannels ? left : 2 * kBlockChannels;
      (tail ? IgemmTile<2, true, kFlipX> : IgemmTile<2, false, kFlipX>)(mr, nc2, kc, ks, a, w, block_bytes, sums,
                                                                        c + n, c_stride, rq);
    } else {
      (tail ? IgemmTile<1, true, kFlipX> : IgemmTile<1, false, kFlipX>)(mr, left, kc, ks, a, w, block_bytes, sums,
                                                                        c + n, c_stride, rq);
    }
    w += 2 * block_bytes;
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  (kc < kSumsPayTapBytes ? IgemmCall<true> : IgemmCall<false>)(mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

// The depthwise epilogue's constants, broadcast once per group of pixels.
struct DwRequant {
  __m512 hi;       // qmax - y_zp
  __m512i zp;      // y_zp as int16
  __m256i qmin;    // as int8
  explicit DwRequant(const Requant& rq)
      : hi(_mm512_set1_ps(rq.hi)),
        zp(_mm512_set1_epi16(static_cast<int16_t>(rq.zero_point))),
        qmin(_mm256_set1_epi8(static_cast<char>(rq.qmin))) {}
};

// Requantizes the even (channels 0, 2, ..., 30) and odd accumulators of a
// 32-channel depthwise block and stores `n` <= 32 channels in order. The
// reference's clamp to [lo, hi] then round then + zp, with fewer steps:
// round(min(f, hi)) == min(round(f), hi) for an integer hi; below lo, the
// saturating int32 -> int16 pack, int16 add and int16 -> int8 pack keep the
// value below qmin, and the final max lifts it to qmin; NaN (min returns its
// second operand, f) and values under -2^31 convert to INT32_MIN, which goes
// the same way: NaN -> qmin = lo + zp, as the reference.
inline void Store32(__m512i even, __m512i odd, const float* scales, const DwRequant& rq, int8_t* out, size_t n) {
  const __m512 fe = _mm512_min_ps(rq.hi, _mm512_mul_ps(_mm512_cvtepi32_ps(even), _mm512_load_ps(scales)));
  const __m512 fo = _mm512_min_ps(rq.hi, _mm512_mul_ps(_mm512_cvtepi32_ps(odd), _mm512_load_ps(scales + 16)));
  const __m512i qe = _mm512_cvtps_epi32(fe), qo = _mm512_cvtps_epi32(fo);
  // Per 128-bit lane, unpacklo gives channels 8l..8l+3 and unpackhi 8l+4..8l+7;
  // the pack puts them in order.
  const __m512i words = _mm512_packs_epi32(_mm512_unpacklo_epi32(qe, qo), _mm512_unpackhi_epi32(qe, qo));
  const __m256i bytes = _mm256_max_epi8(_mm512_cvtsepi16_epi8(_mm512_adds_epi16(words, rq.zp)), rq.qmin);
  if (n == 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
  } else {
    _mm256_mask_storeu_epi8(out, static_cast<__mmask32>((uint64_t{1} << n) - 1), bytes);
  }
}

// kP pixels' even and odd accumulators, each starting at the block's bias;
// the further kSets - 1 sets of kP (a lone pixel's kernel rows) at zero.
template <size_t kP, size_t kSets = 1>
inline void StartFromBias(const uint8_t* block, __m512i* even, __m512i* odd) {
  const __m512i bias_even = _mm512_load_si512(BlockBiasS8(block)), bias_odd = _mm512_load_si512(BlockBiasS8(block) + 16);
#pragma GCC unroll 8
  for (size_t p = 0; p < kP; ++p) even[p] = bias_even, odd[p] = bias_odd;
#pragma GCC unroll 8
  for (size_t i = kP; i < kSets * kP; ++i) even[i] = odd[i] = _mm512_setzero_si512();
}

// Requantizes and stores kP consecutive output pixels (`channels` apart).
template <size_t kP>
inline void StorePixels(const __m512i* even, const __m512i* odd, const uint8_t* block, const Requant& rq, int8_t* out,
                        size_t channels, size_t left) {
  const DwRequant q(rq);
#pragma GCC unroll 8
  for (size_t p = 0; p < kP; ++p) Store32(even[p], odd[p], DepthwiseBlockScales(block), q, out + p * channels, left);
}

template <bool kFull>
inline __m512i LoadTap(const int8_t* x, __mmask32 mask) {
  const __m256i bytes = kFull ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)) : _mm256_maskz_loadu_epi8(mask, x);
  return _mm512_cvtepi8_epi16(bytes);
}

// One pixel's sums are two chains of dependent vpdpwssd; it alone would wait
// on their latency (9 deep for a 3x3 window). A lone pixel (a run's last
// ones, an edge pixel) sums each kernel row, up to kRowSets of them, in its
// own pair of accumulators instead, added at the end: integer sums, so the
// order does not change them.
constexpr size_t kRowSets = 3;

// Adds accumulator sets 1..kSets-1 of kP pixels into set 0.
template <size_t kSets, size_t kP>
inline void FoldSets(__m512i* even, __m512i* odd) {
#pragma GCC unroll 8
  for (size_t set = 1; set < kSets; ++set) {
#pragma GCC unroll 8
    for (size_t p = 0; p < kP; ++p) {
      even[p] = _mm512_add_epi32(even[p], even[set * kP + p]);
      odd[p] = _mm512_add_epi32(odd[p], odd[set * kP + p]);
    }
  }
}

// kP pixels of a run (kKh x kKw taps), one 32-channel block (`left` <= 32 of its channels
// real), with pixel p's tap kx at input column kS * p + kx of each kernel
// row: every column the group reads is widened to int16 once and multiplied
// into each pixel whose window covers it (stride 1, 3 taps, 4 pixels: 6
// columns per kernel row instead of 12 taps). Accumulators are fully
// unrolled arrays (GCC keeps them in registers only then).
template <size_t kKh, size_t kKw, size_t kS, size_t kP, bool kFull>
inline void DwconvColumns(const DwconvTaps& taps, size_t p0, size_t ch, size_t left, const uint8_t* block,
                          int8_t* c, size_t channels, const Requant& rq) {
  constexpr size_t kSets = kP == 1 ? (kKh < kRowSets ? kKh : kRowSets) : 1;
  const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << left) - 1);
  __m512i even[kSets * kP], odd[kSets * kP];
  StartFromBias<kP, kSets>(block, even, odd);
  const int16_t* w = DepthwiseBlockWeights(block);
#pragma GCC unroll 5
  for (size_t ky = 0; ky < kKh; ++ky, w += kKw * 64) {
    const int8_t* x = taps.rows[ky] + p0 * taps.pixel_step[ky] + ch;
    const size_t step = taps.tap_step[ky];
    const size_t set = (ky % kSets) * kP;
#pragma GCC unroll 16
    for (size_t j = 0; j < kS * (kP - 1) + kKw; ++j) {
      const __m512i column = LoadTap<kFull>(x + j * step, mask);
#pragma GCC unroll 8
      for (size_t p = 0; p < kP; ++p) {
        if (j >= kS * p && j - kS * p < kKw) {
          const int16_t* wk = w + (j - kS * p) * 64;
          even[set + p] = _mm512_dpwssd_epi32(even[set + p], column, _mm512_load_si512(wk));
          odd[set + p] = _mm512_dpwssd_epi32(odd[set + p], column, _mm512_load_si512(wk + 32));
        }
      }
    }
  }
  FoldSets<kSets, kP>(even, odd);
  StorePixels<kP>(even, odd, block, rq, c + p0 * channels + ch, channels, left);
}

// One kernel row of kP pixels at any steps into the accumulators given.
template <size_t kP, bool kFull>
inline void TapsAnywhereRow(const DwconvTaps& taps, size_t ky, size_t p0, size_t ch, __mmask32 mask,
                            const int16_t* w, __m512i* even, __m512i* odd) {
  const int8_t* x = taps.rows[ky] + p0 * taps.pixel_step[ky] + ch;
  const size_t pixel_step = taps.pixel_step[ky], tap_step = taps.tap_step[ky];
  for (size_t kx = 0; kx < taps.kw; ++kx, w += 64) {
    const __m512i we = _mm512_load_si512(w), wo = _mm512_load_si512(w + 32);
#pragma GCC unroll 8
    for (size_t p = 0; p < kP; ++p) {
      const __m512i column = LoadTap<kFull>(x + p * pixel_step + kx * tap_step, mask);
      even[p] = _mm512_dpwssd_epi32(even[p], column, we);
      odd[p] = _mm512_dpwssd_epi32(odd[p], column, wo);
    }
  }
}

// kP pixels at any steps (edge pixels, dilations, other strides and widths);
// a lone pixel's kernel rows go round kRowSets accumulator sets.
template <size_t kP, bool kFull>
inline void DwconvTapsAnywhere(const DwconvTaps& taps, size_t p0, size_t ch, size_t left, const uint8_t* block,
                               int8_t* c, size_t channels, const Requant& rq) {
  constexpr size_t kSets = kP == 1 ? kRowSets : 1;
  const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << left) - 1);
  __m512i even[kSets * kP], odd[kSets * kP];
  StartFromBias<kP, kSets>(block, even, odd);
  const int16_t* w = DepthwiseBlockWeights(block);
  const size_t row_weights = taps.kw * 64;
  for (size_t ky = 0; ky < taps.kh; ky += kSets) {
#pragma GCC unroll 3
    for (size_t set = 0; set < kSets; ++set) {
      if (ky + set < taps.kh) {
        TapsAnywhereRow<kP, kFull>(taps, ky + set, p0, ch, mask, w + (ky + set) * row_weights, even + set * kP,
                                   odd + set * kP);
      }
    }
  }
  FoldSets<kSets, kP>(even, odd);
  StorePixels<kP>(even, odd, block, rq, c + p0 * channels + ch, channels, left);
}

// A run's pixels, four at a time, for one block of a kK x kK window (0: any).
template <size_t kK, size_t kS, bool kFull>
void DwconvRun(size_t pixels, const DwconvTaps& taps, size_t ch, size_t left, const uint8_t* block, int8_t* c,
               size_t channels, const Requant& rq) {
  size_t p = 0;
  if (kK == 0) {  // any steps
    for (; p + 4 <= pixels; p += 4) DwconvTapsAnywhere<4, kFull>(taps, p, ch, left, block, c, channels, rq);
    for (; p < pixels; ++p) DwconvTapsAnywhere<1, kFull>(taps, p, ch, left, block, c, channels, rq);
    return;
  }
  for (; p + 4 <= pixels; p += 4) DwconvColumns<kK, kK, kS, 4, kFull>(taps, p, ch, left, block, c, channels, rq);
  for (; p < pixels; ++p) DwconvColumns<kK, kK, kS, 1, kFull>(taps, p, ch, left, block, c, channels, rq);
}

using DwconvRunFn = void (*)(size_t, const DwconvTaps&, size_t, size_t, const uint8_t*, int8_t*, size_t,
                             const Requant&);

// The run's shape: a 3x3 or 5x5 window at stride 1 or 2 (each row's pixel
// step = stride x its tap step), else 0 x 0 (any steps).
struct RunShape {
  size_t window, stride;
  explicit RunShape(const DwconvTaps& taps) : window(0), stride(0) {
    for (size_t s = 1; s <= 2 && stride == 0; ++s) {
      bool all = true;
      for (size_t ky = 0; ky < taps.kh; ++ky) all = all && taps.pixel_step[ky] == s * taps.tap_step[ky];
      if (all) stride = s;
    }
    if (taps.kh == taps.kw && (taps.kw == 3 || taps.kw == 5) && stride != 0) window = taps.kw;
  }
};

template <bool kFull>
DwconvRunFn ChooseRun(const RunShape& shape) {
  if (shape.window == 3) return shape.stride == 1 ? DwconvRun<3, 1, kFull> : DwconvRun<3, 2, kFull>;
  if (shape.window == 5) return shape.stride == 1 ? DwconvRun<5, 1, kFull> : DwconvRun<5, 2, kFull>;
  return DwconvRun<0, 0, kFull>;
}

void Dwconv(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes, int8_t* c,
            const Requant& rq) {
  const RunShape shape(taps);
  const DwconvRunFn full = ChooseRun<true>(shape), partial = ChooseRun<false>(shape);
  for (size_t ch = 0; ch < channels; ch += kDepthwiseBlockChannels, w += block_bytes) {
    const size_t left = channels - ch;
    if (left >= kDepthwiseBlockChannels) {
      full(pixels, taps, ch, kDepthwiseBlockChannels, w, c, channels, rq);
    } else {
      partial(pixels, taps, ch, left, w, c, channels, rq);
    }
  }
}

}  // namespace

const Ukernels kAvx512VnniUkernels = {
    "avx512vnni", "int8/qc8-igemm-8x32c4-avx512vnni", "int8/qc8-dwconv-4x32-avx512vnni", Igemm, kMr, Dwconv, true,
    "int8/qs16x8-gemm-8x32c2-avx512vnni", Gemm16x8Avx512Vnni, kGemm16x8Avx512Mr,
    "int8/qs16x16-gemm-8x32c2-avx512vnni", Gemm16x16Avx512Vnni,
};

}  // namespace int8
}  // namespace kite

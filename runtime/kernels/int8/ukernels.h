// The microkernels of Kite's int8 engine and the per-process choice among
// their ISA variants.
//
// Every variant computes exactly what the reference kernel computes: int32
// accumulators of (x - x_zp) * w wrapping modulo 2^32, plus the bias, then
// Requantize (core/quantization.h) with the packed float scale. Variants
// differ only in how they reach the same int32 sums.
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_H_

#include <stddef.h>
#include <stdint.h>

namespace kite {
namespace int8 {

// The requantization after the accumulator, in output-scale units: clamp to
// [lo, hi] = [qmin - y_zp, qmax - y_zp], round half to even, add y_zp.
struct Requant {
  float lo;
  float hi;
  int32_t zero_point;
  int32_t qmin;
  int32_t qmax;
};

// Indirect GEMM (implicit-GEMM convolution): `mr` (1..mr_max) output pixels
// by `nc` output channels. `a` holds ks x mr_max row pointers, tap-major
// (a[t * mr_max + m]); row m of tap t has `kc` input bytes (kc4 = ceil(kc / 4)
// are read as 4-byte groups, the last one partially). Rows m >= mr may repeat
// row 0. `w` is the first block of the nc channels (GEMM layout), blocks
// `block_bytes` apart. Output pixel m starts at c + m * c_stride.
using IgemmFn = void (*)(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                         size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq);

// Where the taps of a run of depthwise output pixels are: pixel p's tap
// (ky, kx), weight tap ky * kw + kx, reads its channels at
//   rows[ky] + p * pixel_step[ky] + kx * tap_step[ky]   (bytes).
// An interior run of an output row has one entry per kernel row (steps of
// stride x channels and dilation x channels; a row in the padding points at
// the zero-point row with both steps 0). A pixel at the left or right edge
// has one entry per tap (kh = taps, kw = 1), a padded tap on the zero row.
struct DwconvTaps {
  const int8_t* const* rows;
  const size_t* pixel_step;
  const size_t* tap_step;
  size_t kh;
  size_t kw;
};

// Depthwise convolution of `pixels` output pixels over `channels` channels;
// `w` is the depthwise layout's first block. Output pixel p starts at
// c + p * channels.
using DwconvFn = void (*)(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w,
                          size_t block_bytes, int8_t* c, const Requant& rq);

// 16x8 GEMM (int16 activations, int8 weights; TFLite's 16x8 scheme): `mr`
// (1..gemm16x8_mr) rows of `k2` int16 pairs, row m at a + m * a_stride
// (int16 elements, an even count), against `blocks` blocks of 16 output
// channels, `block_stride` bytes apart, each packed [k2][16][2] (channel j's
// weights for elements 2p and 2p + 1 at w[(p * 16 + j) * 2 + {0, 1}]).
// Stores acc[m * acc_stride + b * 16 + j] = row m's sum for channel j of
// block b. A product is at most 2^15 x 2^7 in magnitude, so a sum of up to
// kGemm16x8MaxPairs pairs is exact in int32 whatever the data: the caller
// splits longer rows and carries the parts in int64.
using Gemm16x8Fn = void (*)(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w,
                            size_t block_stride, size_t blocks, int32_t* acc, size_t acc_stride);
constexpr size_t kGemm16x8MaxPairs = 255;  // 255 x 2 x 2^22 < 2^31
constexpr size_t kGemm16x8Channels = 16;
// The same with int16 weights (16x16), packed [k2][16][2] int16 and
// `block_stride` elements apart: the caller bounds k2 by its weights'
// largest magnitude so that no int32 sum wraps.
using Gemm16x16Fn = void (*)(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int16_t* w,
                             size_t block_stride, size_t blocks, int32_t* acc, size_t acc_stride);

struct Ukernels {
  const char* name;  // e.g. "avx512vnni"; kernel names are "int8/qc8-igemm-8x32c4-avx512vnni"
  const char* igemm_name;
  const char* dwconv_name;
  IgemmFn igemm;
  size_t igemm_mr;  // output pixels per call at most
  DwconvFn dwconv;
  bool simd;        // false for the portable C variant
  const char* gemm16x8_name;  // null with gemm16x8: Kite's portable 16x8 loops serve
  Gemm16x8Fn gemm16x8;
  size_t gemm16x8_mr;  // also gemm16x16's
  const char* gemm16x16_name;  // null with gemm16x16: the reference serves
  Gemm16x16Fn gemm16x16;
};

// The 16x8 GEMMs the x86 variants share (ukernels_16x8_*.cc).
#if defined(__x86_64__)
void Gemm16x8Avx2(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w, size_t block_stride,
                  size_t blocks, int32_t* acc, size_t acc_stride);
void Gemm16x8Avx512Vnni(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int8_t* w, size_t block_stride,
                        size_t blocks, int32_t* acc, size_t acc_stride);
void Gemm16x16Avx2(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int16_t* w, size_t block_stride,
                   size_t blocks, int32_t* acc, size_t acc_stride);
void Gemm16x16Avx512Vnni(size_t mr, size_t k2, const int16_t* a, size_t a_stride, const int16_t* w,
                         size_t block_stride, size_t blocks, int32_t* acc, size_t acc_stride);
constexpr size_t kGemm16x8Avx2Mr = 4;
constexpr size_t kGemm16x8Avx512Mr = 8;
#endif

// The variants this build contains and this CPU executes, best first, into
// `out`; returns their count. The portable C variant is always last. A pure
// function of the CPU (CPUID on x86): the same answer for the whole process.
constexpr size_t kMaxUkernels = 5;
size_t AvailableUkernels(const Ukernels* out[kMaxUkernels]);
// The best available variant, or the one named (nullptr when the name is
// unknown or this CPU cannot run it).
const Ukernels* BestUkernels();
const Ukernels* FindUkernels(const char* name);

// The variants' tables, defined in their own files (each compiled with its
// ISA's flags).
extern const Ukernels kScalarUkernels;
#if defined(__x86_64__)
extern const Ukernels kAvx512AmxUkernels;
extern const Ukernels kAvx512VnniUkernels;
extern const Ukernels kAvxVnniUkernels;
extern const Ukernels kAvx2Ukernels;
#elif defined(__aarch64__)
extern const Ukernels kNeonDotUkernels;
extern const Ukernels kNeonUkernels;
#endif

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_H_

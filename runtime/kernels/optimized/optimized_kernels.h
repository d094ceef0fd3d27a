// Kite's own fast kernels for int8 ops XNNPACK lacks or computes differently:
// portable C++ loops the compiler vectorizes, bit-exact with the reference
// kernel (same float operations in the same order; rounding to nearest even
// by the 1.5 * 2^23 addition, which equals lrintf on the clamped range).
// Each prepare runs the reference prepare first (checks and fallback) and
// takes over only the cases it handles.
#ifndef KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_
#define KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_

#include "kernels/kernel.h"

// The loops are portable C++; on x86-64 with GCC they are also compiled for
// x86-64-v3 (AVX2) and x86-64-v4 (AVX-512) and the best one this CPU runs is picked at load (an
// ifunc), since the baseline x86-64 target has only SSE2. Every clone
// performs the same float operations in the same order: results are
// identical whichever runs.
// Not under ThreadSanitizer: the clones' ifunc resolvers run during
// relocation, before its runtime is up, and its instrumentation crashes there.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define KITE_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KITE_VECTOR_CLONES
#endif

namespace kite {
namespace optimized {

// The quantization specification's RoundClampToInt8 written for vector loops:
// `v` (output-scale units, zero point not yet added) clamped to [lo, hi] (NaN
// to lo, as the reference), then rounded to nearest even by adding and
// subtracting 1.5 * 2^23, which equals lrintf on that range.
inline int8_t RoundClampInt8(float v, float lo, float hi, int32_t zero_point) {
  constexpr float kRoundMagic = 12582912.0f;
  v = v >= lo ? v : lo;
  v = v > hi ? hi : v;
  return static_cast<int8_t>(static_cast<int32_t>((v + kRoundMagic) - kRoundMagic) + zero_point);
}

// 16x8 Conv2D (one group, or depthwise), ConvTranspose2D (one group) and
// FullyConnected; other convs and dtypes: the reference. Called by the int8
// engine's prepare for int16 input.
kite_status PrepareConv2D16x8(PrepareContext& ctx);
kite_status PrepareConvTranspose2D16x8(PrepareContext& ctx);
kite_status PrepareFullyConnected16x8(PrepareContext& ctx);
// The specification's RoundClampToInt16 over the whole int16 range the same
// way (NaN to -32768, as the reference).
inline int16_t RoundClampInt16(float v) {
  constexpr float kRoundMagic = 12582912.0f;
  v = v >= -32768.0f ? v : -32768.0f;
  v = v > 32767.0f ? 32767.0f : v;
  return static_cast<int16_t>(static_cast<int32_t>((v + kRoundMagic) - kRoundMagic));
}

// 16x8 Relu, Clip, HardSigmoid, HardSwish and LeakyRelu (Sigmoid, Tanh,
// Sqrt: the reference).
kite_status PrepareUnaryInt16(PrepareContext& ctx);
// int8 Add, Sub and Mul, numpy broadcasting (Div: the reference).
kite_status PrepareBinaryInt8(PrepareContext& ctx);
// The same for int16 (16x8, zero points 0).
kite_status PrepareBinaryInt16(PrepareContext& ctx);
// int8 Softmax along an axis of 128 or more: per-row tables of the 256 codes.
kite_status PrepareSoftmaxInt8(PrepareContext& ctx);
// Quantize (float32 -> int8 or int16) and Dequantize (back).
kite_status PrepareQuantize(PrepareContext& ctx);
kite_status PrepareDequantize(PrepareContext& ctx);
// int8 bilinear Resize (nearest and float32: the reference).
kite_status PrepareResize(PrepareContext& ctx);
// int8 GlobalAveragePool.
kite_status PrepareGlobalAveragePoolInt8(PrepareContext& ctx);
// int8 MaxPool2D (AveragePool2D and float32: the reference).
kite_status PrepareMaxPoolInt8(PrepareContext& ctx);
// int8 element-wise functions of one input (Relu, Clip, Sigmoid, HardSwish,
// ...): the reference's 256-entry table, looked up by the CPU's fastest SIMD
// variant (kernels/int8/lut.h). UseFastInt8Table takes over a node
// reference::PrepareUnary has just prepared.
kite_status PrepareUnaryInt8(PrepareContext& ctx);
// BatchMatMul, float and int8 (batch_matmul.cc), on the reference's checked state.
kite_status PrepareBatchMatMul(PrepareContext& ctx);
kite_status UseFastInt8Table(PrepareContext& ctx);
// Transpose (float32 and int8) whose innermost dimensions form a 2-D
// transpose, in tiles (otherwise: the reference's strided copies).
kite_status PrepareTranspose(PrepareContext& ctx);
// int8 Concat and Split with requantizing pieces (otherwise: the reference's copies).
kite_status PrepareConcatInt8(PrepareContext& ctx);
kite_status PrepareSplitInt8(PrepareContext& ctx);

}  // namespace optimized
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_

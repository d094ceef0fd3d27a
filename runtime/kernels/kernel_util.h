// Checks that many prepare functions share.
#ifndef KITE_RUNTIME_KERNELS_KERNEL_UTIL_H_
#define KITE_RUNTIME_KERNELS_KERNEL_UTIL_H_

#include "core/error.h"
#include "kernels/kernel.h"

namespace kite {

const char* DtypeName(kite_dtype dtype);

// Input/output counts; `min_inputs` counts the required ones.
kite_status CheckArity(PrepareContext& ctx, int32_t min_inputs, int32_t max_inputs,
                       int32_t outputs);
// All required inputs present and non-constant where the op needs activations.
kite_status CheckDtype(PrepareContext& ctx, const Tensor& t, kite_dtype dtype, const char* what);
// int8 activations need exactly one scale and zero point.
kite_status CheckPerTensor(PrepareContext& ctx, const Tensor& t, const char* what);
kite_status CheckRank(PrepareContext& ctx, const Tensor& t, int32_t rank, const char* what);
kite_status CheckShapeEquals(PrepareContext& ctx, const Tensor& t, const Shape& expected,
                             const char* what);
// Same scale and zero point (ops that move int8 values without arithmetic).
kite_status CheckSameQuantization(PrepareContext& ctx, const Tensor& a, const Tensor& b);
// A fused activation range must be ordered (min <= max, no NaN).
kite_status CheckActivation(PrepareContext& ctx, float act_min, float act_max);

// Marks `axes` (negative from the end) in reduced[0 .. rank): at least one,
// each in range and listed once.
kite_status MarkAxes(PrepareContext& ctx, const flatbuffers::Vector<int32_t>* axes, int32_t rank,
                     bool reduced[KITE_MAX_RANK]);

// The shape as [outer, len, inner] around `axis` (in range): the products of
// the dimensions before it, its own, and those after it.
void SplitAroundAxis(const Shape& shape, int32_t axis, int64_t* outer, int64_t* len, int64_t* inner);

// Clamps to [lo, hi] and lets NaN through (fminf/fmaxf would swallow it).
inline float ClampFloat(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Formats a shape as "[1,2,3]" into buf.
const char* FormatShape(const Shape& shape, char* buf, size_t size);

}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_KERNEL_UTIL_H_

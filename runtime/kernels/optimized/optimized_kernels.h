// Kite's own fast kernels for int8 ops XNNPACK lacks or computes differently:
// portable C++ loops the compiler vectorizes, bit-exact with the reference
// kernel (same float operations in the same order; rounding to nearest even
// by the 1.5 * 2^23 addition, which equals lrintf on the clamped range).
// Each prepare runs the reference prepare first (checks and fallback) and
// takes over only the cases it handles.
#ifndef KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_
#define KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_

#include "kernels/kernel.h"

namespace kite {
namespace optimized {

// int8 Add, Sub and Mul, numpy broadcasting (Div: the reference).
kite_status PrepareBinaryInt8(PrepareContext& ctx);

}  // namespace optimized
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_OPTIMIZED_OPTIMIZED_KERNELS_H_

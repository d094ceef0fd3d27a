// Kite's int8 engine: int8 Conv2D (one group, or depthwise), FullyConnected
// and ConvTranspose2D (kernel = stride, no padding) whose weights the
// converter packed into the file (input 3).
// The packed bytes are used in place; the state is a few dozen bytes per op
// plus one row of the input zero point for padded taps. The op falls back to
// XNNPACK (or the reference kernel) when it has no packed weights, is float,
// or no SIMD variant runs on this CPU (unless the interpreter names one).
#ifndef KITE_RUNTIME_KERNELS_INT8_INT8_KERNELS_H_
#define KITE_RUNTIME_KERNELS_INT8_INT8_KERNELS_H_

#include "kernels/kernel.h"

namespace kite {
namespace int8 {

kite_status PrepareConv2D(PrepareContext& ctx);
kite_status PrepareFullyConnected(PrepareContext& ctx);
kite_status PrepareConvTranspose2D(PrepareContext& ctx);

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_INT8_KERNELS_H_

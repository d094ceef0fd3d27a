// Ops run by XNNPACK. Each prepare first runs the reference prepare (every
// check, and the fallback), then creates and sets up the XNNPACK operator in
// the arena; when XNNPACK rejects the configuration the reference kernel
// stays. Invoke only runs the operator.
#ifndef KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_KERNELS_H_
#define KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_KERNELS_H_

#include "kernels/kernel.h"

namespace kite {
namespace xnnpack {

// Conv2D float32 (f32) and int8 (qc8: per-channel requantization in float,
// Kite's specification, so the results are the reference's bit for bit).
kite_status PrepareConv2D(PrepareContext& ctx);
// Add, Sub, Mul, Div with numpy broadcasting, float32. int8 keeps Kite's
// float-ratio formula (XNNPACK's qs8 add rounds fixed-point multipliers
// differently): Add/Sub/Mul go to optimized::PrepareBinaryInt8, Div to the
// rest to the reference.
kite_status PrepareBinary(PrepareContext& ctx);
// MaxPool float32 and int8 (s8); AveragePool stays reference.
kite_status PreparePool2D(PrepareContext& ctx);
// FullyConnected float32 and int8 (qc8, as a 1x1 convolution);
// GlobalAveragePool float32 (int8: optimized::PrepareGlobalAveragePoolInt8).
kite_status PrepareFullyConnected(PrepareContext& ctx);
kite_status PrepareGlobalAveragePool(PrepareContext& ctx);
// ConvTranspose2D (deconvolution), float32.
kite_status PrepareConvTranspose2D(PrepareContext& ctx);
// HardSwish, Relu, Clip, Sigmoid, LeakyRelu, float32 (int8 keeps the
// reference's 256-entry tables).
kite_status PrepareUnary(PrepareContext& ctx);
// Softmax over the innermost axis, float32; int8 goes to
// optimized::PrepareSoftmaxInt8.
kite_status PrepareSoftmax(PrepareContext& ctx);

}  // namespace xnnpack
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_KERNELS_H_

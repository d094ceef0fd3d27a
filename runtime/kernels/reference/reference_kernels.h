// The portable reference kernels: readable C++ that is the specification every
// optimized kernel must match (float within tolerance, int8 bit for bit).
#ifndef KITE_RUNTIME_KERNELS_REFERENCE_REFERENCE_KERNELS_H_
#define KITE_RUNTIME_KERNELS_REFERENCE_REFERENCE_KERNELS_H_

#include "kernels/kernel.h"

namespace kite {
namespace reference {

// The output extent of a strided, dilated, padded window (Conv2D, pooling);
// 0 when the window does not fit.
int32_t ConvOutputSize(int32_t in, int32_t kernel, int32_t stride, int32_t dilation,
                       int32_t pad_before, int32_t pad_after);

kite_status PrepareConv2D(PrepareContext& ctx);
// Every check PrepareConv2D / PrepareFullyConnected / PrepareConvTranspose2D makes (arity, options,
// shapes, dtypes, quantization), allocating nothing: for kernels that take
// the op over. Input 3, when present, is packed weights (kernels/int8/).
kite_status CheckConv2D(PrepareContext& ctx);
kite_status CheckFullyConnected(PrepareContext& ctx);
kite_status CheckConvTranspose2D(PrepareContext& ctx);
kite_status PrepareConvTranspose2D(PrepareContext& ctx);
kite_status PrepareFullyConnected(PrepareContext& ctx);
kite_status PrepareBatchMatMul(PrepareContext& ctx);
kite_status PrepareBinary(PrepareContext& ctx);  // Add, Sub, Mul, Div
kite_status PrepareUnary(PrepareContext& ctx);   // Relu, Clip, Sigmoid, HardSigmoid,
                                                 // HardSwish, Tanh, LeakyRelu, Sqrt
// The 256-entry table of an int8 node PrepareUnary took (in its state).
const int8_t* UnaryInt8Table(const Node& node);
// The 65536 results of an int16 node PrepareUnary took, table[q + 32768] for
// code q: each exactly as its int16 invoke computes it.
void BuildUnaryInt16Table(const Node& node, float x_scale, float y_scale, int16_t* table);
kite_status PreparePool2D(PrepareContext& ctx);  // MaxPool, AveragePool
kite_status PrepareGlobalAveragePool(PrepareContext& ctx);
kite_status PreparePad(PrepareContext& ctx);
kite_status PrepareConcat(PrepareContext& ctx);
kite_status PrepareSplit(PrepareContext& ctx);
kite_status PrepareSlice(PrepareContext& ctx);
kite_status PrepareReshape(PrepareContext& ctx);
kite_status PrepareTranspose(PrepareContext& ctx);
kite_status PrepareResize(PrepareContext& ctx);
kite_status PrepareSoftmax(PrepareContext& ctx);  // SOFTMAX, LOG_SOFTMAX
kite_status PrepareNormalize(PrepareContext& ctx);
kite_status PrepareArg(PrepareContext& ctx);  // ARG_MAX, ARG_MIN
kite_status PrepareTrilu(PrepareContext& ctx);
kite_status PrepareGather(PrepareContext& ctx);
kite_status PrepareGatherElements(PrepareContext& ctx);
kite_status PrepareCumSum(PrepareContext& ctx);
kite_status PrepareWhere(PrepareContext& ctx);
kite_status PrepareCast(PrepareContext& ctx);

// Broadcasts two shapes numpy-style (binary.cc); false when they are incompatible.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out);
kite_status PrepareReduce(PrepareContext& ctx);  // REDUCE_MEAN ... REDUCE_LOG_SUM_EXP
kite_status PrepareQuantize(PrepareContext& ctx);
kite_status PrepareDequantize(PrepareContext& ctx);

}  // namespace reference
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_REFERENCE_REFERENCE_KERNELS_H_

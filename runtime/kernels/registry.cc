// Op code -> prepare function. A switch, not a static-initializer map, so an
// unused kernel costs nothing and lookup needs no memory.
#include "core/op_kinds.h"
#include "kernels/kernel.h"
#include "kernels/reference/reference_kernels.h"
#include "planner/greedy_planner.h"
#include "kernels/int8/int8_kernels.h"
#include "kernels/optimized/optimized_kernels.h"
#if KITE_WITH_XNNPACK
#include "kernels/xnnpack/xnnpack_kernels.h"
#endif

namespace kite {
namespace {

#if KITE_WITH_XNNPACK
constexpr bool kWithXnnpack = true;
#else
constexpr bool kWithXnnpack = false;
#endif

}  // namespace

PrepareFn LookupPrepare(schema::OpCode opcode, KernelSet set) {
  using schema::OpCode;
#if KITE_WITH_XNNPACK
  if (set == KernelSet::kOptimized) {
    switch (opcode) {
      case OpCode::OpCode_CONV_2D: return int8::PrepareConv2D;  // XNNPACK when not packed
      case OpCode::OpCode_ADD:
      case OpCode::OpCode_SUB:
      case OpCode::OpCode_MUL:
      case OpCode::OpCode_DIV: return xnnpack::PrepareBinary;
      case OpCode::OpCode_MAX_POOL_2D: return xnnpack::PreparePool2D;
      case OpCode::OpCode_FULLY_CONNECTED: return int8::PrepareFullyConnected;
      case OpCode::OpCode_GLOBAL_AVERAGE_POOL: return xnnpack::PrepareGlobalAveragePool;
      case OpCode::OpCode_CONV_TRANSPOSE_2D: return int8::PrepareConvTranspose2D;  // XNNPACK when not packed
      case OpCode::OpCode_HARD_SWISH:
      case OpCode::OpCode_RELU:
      case OpCode::OpCode_CLIP:
      case OpCode::OpCode_SIGMOID:
      case OpCode::OpCode_LEAKY_RELU: return xnnpack::PrepareUnary;
      case OpCode::OpCode_SOFTMAX: return xnnpack::PrepareSoftmax;
      default: break;
    }
  }
#endif
  // Kite's portable optimized kernels: the optimized set without XNNPACK, and
  // the portable set.
  if (set == KernelSet::kPortable || (set == KernelSet::kOptimized && !kWithXnnpack)) {
    switch (opcode) {
      case OpCode::OpCode_ADD:
      case OpCode::OpCode_SUB:
      case OpCode::OpCode_MUL: return optimized::PrepareBinaryInt8;
      case OpCode::OpCode_SOFTMAX: return optimized::PrepareSoftmaxInt8;
      case OpCode::OpCode_GLOBAL_AVERAGE_POOL: return optimized::PrepareGlobalAveragePoolInt8;
      case OpCode::OpCode_MAX_POOL_2D:
      case OpCode::OpCode_AVERAGE_POOL_2D: return optimized::PrepareMaxPoolInt8;
      case OpCode::OpCode_CONV_2D: return int8::PrepareConv2D;  // the reference when not packed
      case OpCode::OpCode_FULLY_CONNECTED: return int8::PrepareFullyConnected;
      case OpCode::OpCode_CONV_TRANSPOSE_2D: return int8::PrepareConvTranspose2D;
      default: break;
    }
  }
  // Kite's own kernels, with and without XNNPACK.
  if (set != KernelSet::kReference && IsElementwiseUnary(opcode)) return optimized::PrepareUnaryInt8;  // int8: SIMD lookups
  if (IsElementwiseUnary(opcode)) return reference::PrepareUnary;
  if (set != KernelSet::kReference) {
    switch (opcode) {
      case OpCode::OpCode_QUANTIZE: return optimized::PrepareQuantize;
      case OpCode::OpCode_BATCH_MATMUL: return optimized::PrepareBatchMatMul;
      case OpCode::OpCode_DEQUANTIZE: return optimized::PrepareDequantize;
      case OpCode::OpCode_RESIZE: return optimized::PrepareResize;
      case OpCode::OpCode_CONCAT: return optimized::PrepareConcatInt8;
      case OpCode::OpCode_SPLIT: return optimized::PrepareSplitInt8;
      case OpCode::OpCode_TRANSPOSE: return optimized::PrepareTranspose;
      default: break;
    }
  }
  switch (opcode) {
    case OpCode::OpCode_CONV_2D: return reference::PrepareConv2D;
    case OpCode::OpCode_CONV_TRANSPOSE_2D: return reference::PrepareConvTranspose2D;
    case OpCode::OpCode_FULLY_CONNECTED: return reference::PrepareFullyConnected;
    case OpCode::OpCode_BATCH_MATMUL: return reference::PrepareBatchMatMul;
    case OpCode::OpCode_ADD:
    case OpCode::OpCode_SUB:
    case OpCode::OpCode_MUL:
    case OpCode::OpCode_DIV:
    case OpCode::OpCode_EQUAL:
    case OpCode::OpCode_MAXIMUM:
    case OpCode::OpCode_MINIMUM:
    case OpCode::OpCode_POW:
    case OpCode::OpCode_PRELU:
    case OpCode::OpCode_MOD:
    case OpCode::OpCode_GREATER:
    case OpCode::OpCode_GREATER_EQUAL:
    case OpCode::OpCode_LESS:
    case OpCode::OpCode_LESS_EQUAL:
    case OpCode::OpCode_AND:
    case OpCode::OpCode_OR:
    case OpCode::OpCode_XOR: return reference::PrepareBinary;
    case OpCode::OpCode_MAX_POOL_2D:
    case OpCode::OpCode_AVERAGE_POOL_2D: return reference::PreparePool2D;
    case OpCode::OpCode_GLOBAL_AVERAGE_POOL: return reference::PrepareGlobalAveragePool;
    case OpCode::OpCode_PAD: return reference::PreparePad;
    case OpCode::OpCode_CONCAT: return reference::PrepareConcat;
    case OpCode::OpCode_SPLIT: return reference::PrepareSplit;
    case OpCode::OpCode_SLICE: return reference::PrepareSlice;
    case OpCode::OpCode_RESHAPE: return reference::PrepareReshape;
    case OpCode::OpCode_TRANSPOSE: return reference::PrepareTranspose;
    case OpCode::OpCode_RESIZE: return reference::PrepareResize;
    case OpCode::OpCode_SOFTMAX: return reference::PrepareSoftmax;
    case OpCode::OpCode_REDUCE_MEAN:
    case OpCode::OpCode_REDUCE_MAX:
    case OpCode::OpCode_REDUCE_MIN:
    case OpCode::OpCode_REDUCE_SUM:
    case OpCode::OpCode_REDUCE_PROD:
    case OpCode::OpCode_REDUCE_L1:
    case OpCode::OpCode_REDUCE_L2:
    case OpCode::OpCode_REDUCE_SUM_SQUARE:
    case OpCode::OpCode_REDUCE_LOG_SUM:
    case OpCode::OpCode_REDUCE_LOG_SUM_EXP: return reference::PrepareReduce;
    case OpCode::OpCode_LOG_SOFTMAX: return reference::PrepareSoftmax;
    case OpCode::OpCode_NORMALIZE: return reference::PrepareNormalize;
    case OpCode::OpCode_ARG_MAX:
    case OpCode::OpCode_ARG_MIN: return reference::PrepareArg;
    case OpCode::OpCode_TRILU: return reference::PrepareTrilu;
    case OpCode::OpCode_GATHER: return reference::PrepareGather;
    case OpCode::OpCode_GATHER_ELEMENTS: return reference::PrepareGatherElements;
    case OpCode::OpCode_CUMSUM: return reference::PrepareCumSum;
    case OpCode::OpCode_WHERE: return reference::PrepareWhere;
    case OpCode::OpCode_CAST: return reference::PrepareCast;
    case OpCode::OpCode_QUANTIZE: return reference::PrepareQuantize;
    case OpCode::OpCode_DEQUANTIZE: return reference::PrepareDequantize;
    default: return nullptr;
  }
}

PrepareFn LookupPrepareInt16(schema::OpCode opcode, KernelSet set) {
  using schema::OpCode;
  if (set != KernelSet::kReference) {
    if (opcode == OpCode::OpCode_CONV_2D) return optimized::PrepareConv2D16x8;
    if (opcode == OpCode::OpCode_CONV_TRANSPOSE_2D) return optimized::PrepareConvTranspose2D16x8;
    if (opcode == OpCode::OpCode_FULLY_CONNECTED) return optimized::PrepareFullyConnected16x8;
    if (IsElementwiseUnary(opcode)) return optimized::PrepareUnaryInt16;
    if (opcode == OpCode::OpCode_ADD || opcode == OpCode::OpCode_SUB || opcode == OpCode::OpCode_MUL) {
      return optimized::PrepareBinaryInt16;
    }
    if (opcode == OpCode::OpCode_QUANTIZE) return optimized::PrepareQuantize;
    if (opcode == OpCode::OpCode_DEQUANTIZE) return optimized::PrepareDequantize;
  }
  switch (opcode) {
    case OpCode::OpCode_CONV_2D: return reference::PrepareConv2D;
    case OpCode::OpCode_CONV_TRANSPOSE_2D: return reference::PrepareConvTranspose2D;
    case OpCode::OpCode_FULLY_CONNECTED: return reference::PrepareFullyConnected;
    case OpCode::OpCode_QUANTIZE: return reference::PrepareQuantize;
    case OpCode::OpCode_DEQUANTIZE: return reference::PrepareDequantize;
    case OpCode::OpCode_RESHAPE: return reference::PrepareReshape;
    case OpCode::OpCode_TRANSPOSE: return reference::PrepareTranspose;
    case OpCode::OpCode_SLICE: return reference::PrepareSlice;
    case OpCode::OpCode_CONCAT: return reference::PrepareConcat;
    case OpCode::OpCode_SPLIT: return reference::PrepareSplit;
    case OpCode::OpCode_ADD:
    case OpCode::OpCode_SUB:
    case OpCode::OpCode_MUL: return reference::PrepareBinary;
    default: return IsElementwiseUnary(opcode) ? reference::PrepareUnary : nullptr;
  }
}

bool AllowsInPlace(const schema::Operator& op, int32_t input, const Tensor* tensors) {
  const int32_t in = op.inputs()->Get(static_cast<uint32_t>(input));
  const int32_t out = op.outputs()->Get(0);
  if (in < 0 || tensors[in].bytes != tensors[out].bytes || tensors[in].dtype != tensors[out].dtype) return false;
  return OpAllowsInPlace(op.opcode(), input, tensors[in].shape == tensors[out].shape);
}

}  // namespace kite

// Op codes grouped by what several places treat alike: the kernel registry
// (which prepare runs them) and the planner (which may run in place).
#ifndef KITE_RUNTIME_CORE_OP_KINDS_H_
#define KITE_RUNTIME_CORE_OP_KINDS_H_

#include "kite_generated.h"

namespace kite {

// The element-wise functions of one input (kernels/reference/unary.cc).
inline bool IsElementwiseUnary(schema::OpCode opcode) {
  switch (opcode) {
    case schema::OpCode_RELU:
    case schema::OpCode_CLIP:
    case schema::OpCode_SIGMOID:
    case schema::OpCode_HARD_SIGMOID:
    case schema::OpCode_HARD_SWISH:
    case schema::OpCode_TANH:
    case schema::OpCode_LEAKY_RELU:
    case schema::OpCode_SQRT:
    case schema::OpCode_EXP:
    case schema::OpCode_LOG:
    case schema::OpCode_ABS:
    case schema::OpCode_NEG:
    case schema::OpCode_RECIPROCAL:
    case schema::OpCode_FLOOR:
    case schema::OpCode_CEIL:
    case schema::OpCode_ROUND:
    case schema::OpCode_SIGN:
    case schema::OpCode_ERF:
    case schema::OpCode_GELU:
    case schema::OpCode_SIN:
    case schema::OpCode_COS:
    case schema::OpCode_SOFTPLUS:
    case schema::OpCode_SOFTSIGN:
    case schema::OpCode_ELU:
    case schema::OpCode_SELU:
    case schema::OpCode_CELU:
    case schema::OpCode_THRESHOLDED_RELU:
    case schema::OpCode_TAN:
    case schema::OpCode_ASIN:
    case schema::OpCode_ACOS:
    case schema::OpCode_ATAN:
    case schema::OpCode_SINH:
    case schema::OpCode_COSH:
    case schema::OpCode_ASINH:
    case schema::OpCode_ACOSH:
    case schema::OpCode_ATANH:
    case schema::OpCode_NOT: return true;
    default: return false;
  }
}

// The broadcasting binary ops with float kernels only (kernels/reference/
// binary.cc); Add, Sub, Mul, Div, PRelu and Equal also run int8.
inline bool IsFloatOnlyBinary(schema::OpCode opcode) {
  switch (opcode) {
    case schema::OpCode_MAXIMUM:
    case schema::OpCode_MINIMUM:
    case schema::OpCode_POW:
    case schema::OpCode_MOD:
    case schema::OpCode_GREATER:
    case schema::OpCode_GREATER_EQUAL:
    case schema::OpCode_LESS:
    case schema::OpCode_LESS_EQUAL:
    case schema::OpCode_AND:
    case schema::OpCode_OR:
    case schema::OpCode_XOR: return true;
    default: return false;
  }
}

// The ops the converter quantizes to int8: all but the float-only ones
// (the reductions other than the mean, LogSoftmax, the float-only
// binary ops, Where, CumSum) and the conversions themselves. (ArgMax/ArgMin
// read int8 and write int64 indices; Gather/GatherElements move int8 codes
// by indices that stay as they are.)
inline bool HasInt8Kernel(schema::OpCode opcode) {
  if (IsFloatOnlyBinary(opcode)) return false;
  switch (opcode) {
    case schema::OpCode_WHERE:
    case schema::OpCode_CUMSUM:
    case schema::OpCode_CAST:
    case schema::OpCode_REDUCE_MAX:
    case schema::OpCode_REDUCE_MIN:
    case schema::OpCode_REDUCE_SUM:
    case schema::OpCode_REDUCE_PROD:
    case schema::OpCode_REDUCE_L1:
    case schema::OpCode_REDUCE_L2:
    case schema::OpCode_REDUCE_SUM_SQUARE:
    case schema::OpCode_REDUCE_LOG_SUM:
    case schema::OpCode_REDUCE_LOG_SUM_EXP:
    case schema::OpCode_LOG_SOFTMAX:
    case schema::OpCode_QUANTIZE:
    case schema::OpCode_DEQUANTIZE: return false;
    default: return true;
  }
}

// The moves that carry int16 values unchanged (kernels/registry.cc:
// LookupPrepareInt16): in a 16x8 model they follow their input's type.
inline bool MovesInt16(schema::OpCode op) {
  return op == schema::OpCode_RESHAPE || op == schema::OpCode_TRANSPOSE || op == schema::OpCode_SLICE ||
         op == schema::OpCode_SPLIT;
}

// The ops with a 16x8 (int16 activations) kernel that compute: the
// convolutions, FullyConnected, Add, Sub, Mul and the element-wise functions
// (kernels/registry.cc: LookupPrepareInt16, which also has the moves).
inline bool HasInt16Kernel(schema::OpCode opcode) {
  switch (opcode) {
    case schema::OpCode_CONV_2D:
    case schema::OpCode_CONV_TRANSPOSE_2D:
    case schema::OpCode_FULLY_CONNECTED:
    case schema::OpCode_ADD:
    case schema::OpCode_SUB:
    case schema::OpCode_MUL: return true;
    default: return IsElementwiseUnary(opcode);
  }
}

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_OP_KINDS_H_

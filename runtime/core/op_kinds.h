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
    case schema::OpCode_SQRT: return true;
    default: return false;
  }
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

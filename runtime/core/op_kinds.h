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

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_OP_KINDS_H_

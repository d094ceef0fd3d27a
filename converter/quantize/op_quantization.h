// How the quantizer treats each Kite op code, in one place: which outputs
// follow their input's parameters, which inputs stay unquantized, which
// outputs are indices, which ranges are fixed, which ops carry weights.
// (Whether an op has an int8 or 16x8 kernel at all is the runtime's:
// core/op_kinds.h.)
#ifndef KITE_CONVERTER_QUANTIZE_OP_QUANTIZATION_H_
#define KITE_CONVERTER_QUANTIZE_OP_QUANTIZATION_H_

#include <cstddef>

#include "kite_generated.h"
#include "quantize/range_observer.h"

namespace kite {
namespace converter {

// Ops whose int8 output takes its input's parameters (the kernels require it
// or the values cannot leave the input's range).
inline bool PassesParamsThrough(schema::OpCode op) {
  switch (op) {
    case schema::OpCode_RESHAPE:
    case schema::OpCode_TRANSPOSE:
    case schema::OpCode_SLICE:
    case schema::OpCode_SPLIT:
    case schema::OpCode_PAD:
    case schema::OpCode_MAX_POOL_2D:
    case schema::OpCode_TRILU:
    case schema::OpCode_GATHER:
    case schema::OpCode_GATHER_ELEMENTS:
    case schema::OpCode_RESIZE: return true;
    default: return false;
  }
}

// Inputs an int8 op reads unquantized: Gather's indices (int32, int64 or
// whole float32 numbers), LayerNorm's scale and bias (float32).
inline bool ReadsUnquantized(schema::OpCode op, size_t slot) {
  if (op == schema::OpCode_NORMALIZE) return slot == 1 || slot == 2;
  return slot == 1 && (op == schema::OpCode_GATHER || op == schema::OpCode_GATHER_ELEMENTS);
}

// Ops whose outputs are indices (int64) whatever their input's type.
inline bool HasIndexOutputs(schema::OpCode op) { return op == schema::OpCode_ARG_MAX || op == schema::OpCode_ARG_MIN; }

// The range an op's output cannot leave (its int8 parameters are that range's).
inline bool FixedOutputRange(schema::OpCode op, Range* range) {
  switch (op) {
    case schema::OpCode_SIGMOID:
    case schema::OpCode_HARD_SIGMOID:
    case schema::OpCode_SOFTMAX:
    case schema::OpCode_EQUAL: *range = {0.0f, 1.0f}; return true;
    case schema::OpCode_TANH: *range = {-1.0f, 1.0f}; return true;
    default: return false;
  }
}

// The ops with weights: per-channel int8, bias int32 (16x8: int64).
inline bool IsConvFamily(schema::OpCode op) {
  return op == schema::OpCode_CONV_2D || op == schema::OpCode_CONV_TRANSPOSE_2D || op == schema::OpCode_FULLY_CONNECTED;
}

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_OP_QUANTIZATION_H_

// The runtime's view of one tensor, resolved from the model at prepare.
#ifndef KITE_RUNTIME_CORE_TENSOR_H_
#define KITE_RUNTIME_CORE_TENSOR_H_

#include <stddef.h>
#include <stdint.h>

#include "kite/kite.h"

namespace kite {

struct Shape {
  int32_t rank = 0;
  int32_t dims[KITE_MAX_RANK] = {};

  int64_t elements() const {
    int64_t n = 1;
    for (int32_t i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  bool operator==(const Shape& other) const {
    if (rank != other.rank) return false;
    for (int32_t i = 0; i < rank; ++i) {
      if (dims[i] != other.dims[i]) return false;
    }
    return true;
  }
  bool operator!=(const Shape& other) const { return !(*this == other); }
};

inline size_t DtypeSize(kite_dtype dtype) {
  switch (dtype) {
    case KITE_FLOAT32: return 4;
    case KITE_INT8: return 1;
    case KITE_INT32: return 4;
    case KITE_INT16: return 2;
    case KITE_INT64: return 8;
    case KITE_UINT8: return 1;
    case KITE_BOOL: return 1;
  }
  return 0;
}

struct Tensor {
  uint8_t* data = nullptr;  // constants: in the model bytes; activations: in the arena
  size_t bytes = 0;
  kite_dtype dtype = KITE_FLOAT32;
  Shape shape;
  bool is_constant = false;
  // Per-tensor quantization (int8 activations) or the first channel's.
  float scale = 0.0f;
  int32_t zero_point = 0;
  // Per-channel quantization (int8 weights): channel_count scales along
  // quantized_dimension. Points into the model bytes.
  const float* channel_scales = nullptr;
  int32_t channel_count = 0;
  int32_t quantized_dimension = 0;
  // Lifetime over the execution order: produced by op `first` (-1: graph
  // input) and last read by op `last` (number of ops: graph output).
  int32_t first = 0;
  int32_t last = -1;

  template <typename T>
  T* As() const { return reinterpret_cast<T*>(data); }
  int64_t elements() const { return shape.elements(); }
};

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_TENSOR_H_

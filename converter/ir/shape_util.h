// Shape arithmetic with ONNX conventions.
#ifndef KITE_CONVERTER_IR_SHAPE_UTIL_H_
#define KITE_CONVERTER_IR_SHAPE_UTIL_H_

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace kite {
namespace converter {

using Shape64 = std::vector<int64_t>;

// Numpy broadcasting; throws ConversionError (naming node) when incompatible.
Shape64 Broadcast(const Node& node, const Shape64& a, const Shape64& b);
// Negative axes count from the end; throws when out of range.
int64_t NormalizeAxis(const Node& node, int64_t axis, int64_t rank);
// Row-major strides in elements.
Shape64 Strides(const Shape64& shape);
// ShapeElements: throws past kMaxElements or on a negative dimension.
int64_t Product(const Shape64& shape);
// Throws unless perm is a permutation of 0..rank-1.
void CheckPermutation(const Node& node, const std::vector<int64_t>& perm, size_t rank);
// For each element of `out` (row-major), the index into a tensor of `shape`
// broadcast to `out`.
std::vector<int64_t> BroadcastIndices(const Shape64& shape, const Shape64& out);
// Moves elements: out[i] = in[src(i)] for the transpose with `perm`.
template <typename T>
std::vector<T> TransposeData(const std::vector<T>& in, const Shape64& shape, const std::vector<int64_t>& perm) {
  const Shape64 in_strides = Strides(shape);
  Shape64 out_shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out_shape[i] = shape[perm[i]];
  std::vector<T> out(in.size());
  Shape64 index(perm.size(), 0);
  for (size_t e = 0; e < out.size(); ++e) {
    int64_t src = 0;
    for (size_t i = 0; i < perm.size(); ++i) src += index[i] * in_strides[perm[i]];
    out[e] = in[src];
    for (size_t d = perm.size(); d-- > 0;) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_IR_SHAPE_UTIL_H_

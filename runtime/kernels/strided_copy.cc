#include "kernels/strided_copy.h"

namespace kite {

void PadToMaxRank(const Shape& shape, int32_t dims[KITE_MAX_RANK]) {
  const int32_t lead = KITE_MAX_RANK - shape.rank;
  for (int32_t i = 0; i < KITE_MAX_RANK; ++i) dims[i] = i < lead ? 1 : shape.dims[i - lead];
}

void DenseStrides(const Shape& shape, int64_t strides[KITE_MAX_RANK]) {
  int32_t dims[KITE_MAX_RANK];
  PadToMaxRank(shape, dims);
  int64_t stride = 1;
  for (int32_t i = KITE_MAX_RANK - 1; i >= 0; --i) {
    strides[i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
}

void StridedCopyBytes(const StridedBox& box, size_t element_size, const void* src, void* dst) {
  if (element_size == 1) {
    StridedCopy(box, static_cast<const int8_t*>(src), static_cast<int8_t*>(dst));
  } else {
    StridedCopy(box, static_cast<const int32_t*>(src), static_cast<int32_t*>(dst));
  }
}

}  // namespace kite

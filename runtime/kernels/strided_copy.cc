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

StridedBox CoalesceBox(const StridedBox& box) {
  // Innermost first: merge dimension k into the run below it when stepping k
  // once equals stepping the whole run on both sides.
  int32_t dims[KITE_MAX_RANK];
  int64_t src[KITE_MAX_RANK], dst[KITE_MAX_RANK];
  int32_t n = 0;
  for (int32_t k = KITE_MAX_RANK - 1; k >= 0; --k) {
    if (box.dims[k] == 1) continue;
    if (n > 0 && box.src_strides[k] == src[n - 1] * dims[n - 1] && box.dst_strides[k] == dst[n - 1] * dims[n - 1]) {
      dims[n - 1] *= box.dims[k];
      continue;
    }
    dims[n] = box.dims[k];
    src[n] = box.src_strides[k];
    dst[n] = box.dst_strides[k];
    ++n;
  }
  StridedBox out;
  for (int32_t k = 0; k < KITE_MAX_RANK; ++k) {
    const int32_t m = KITE_MAX_RANK - 1 - k;  // merged index of output slot k
    const bool used = m < n;
    out.dims[k] = used ? dims[m] : (n == 0 && k == KITE_MAX_RANK - 1 ? box.dims[k] : 1);
    out.src_strides[k] = used ? src[m] : (n == 0 ? 1 : 0);
    out.dst_strides[k] = used ? dst[m] : (n == 0 ? 1 : 0);
  }
  return out;
}

void StridedCopyBytes(const StridedBox& box, size_t element_size, const void* src, void* dst) {
  if (element_size == 1) {
    StridedCopy(box, static_cast<const int8_t*>(src), static_cast<int8_t*>(dst));
  } else if (element_size == 2) {
    StridedCopy(box, static_cast<const int16_t*>(src), static_cast<int16_t*>(dst));
  } else {
    StridedCopy(box, static_cast<const int32_t*>(src), static_cast<int32_t*>(dst));
  }
}

}  // namespace kite

// Moving elements between tensors of rank <= KITE_MAX_RANK along arbitrary
// strides: the one loop behind Transpose, Slice, Pad, Concat and Split.
#ifndef KITE_RUNTIME_KERNELS_STRIDED_COPY_H_
#define KITE_RUNTIME_KERNELS_STRIDED_COPY_H_

#include <stdint.h>
#include <string.h>

#include "core/tensor.h"

namespace kite {

// Copies a box of `dims` elements: element (i0..i5) goes from
// src[sum(i_k * src_strides[k])] to dst[sum(i_k * dst_strides[k])]. Strides
// are in elements and may be negative. Shapes of lower rank are padded with
// leading 1s by the caller (see PadToMaxRank).
struct StridedBox {
  int32_t dims[KITE_MAX_RANK];
  int64_t src_strides[KITE_MAX_RANK];
  int64_t dst_strides[KITE_MAX_RANK];
};

// Dense row-major strides of a shape, written into a KITE_MAX_RANK array with
// the shape right-aligned (leading dimensions of size 1, stride 0).
void DenseStrides(const Shape& shape, int64_t strides[KITE_MAX_RANK]);
// The shape's dims right-aligned into KITE_MAX_RANK entries, leading 1s.
void PadToMaxRank(const Shape& shape, int32_t dims[KITE_MAX_RANK]);

// The same box with neighbouring dimensions merged wherever both sides are
// contiguous across them, and size-1 dimensions dropped (right-aligned, leading
// 1s): a Pad of NHWC tensors becomes a few long runs. Prepare applies it once
// to the box it stores.
StridedBox CoalesceBox(const StridedBox& box);

// Runs whose both sides are contiguous move with memmove.
template <typename T>
void StridedCopy(const StridedBox& box, const T* src, T* dst) {
  const bool contiguous = box.src_strides[5] == 1 && box.dst_strides[5] == 1;
  for (int32_t i0 = 0; i0 < box.dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < box.dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < box.dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < box.dims[3]; ++i3)
          for (int32_t i4 = 0; i4 < box.dims[4]; ++i4) {
            const int64_t s = i0 * box.src_strides[0] + i1 * box.src_strides[1] +
                              i2 * box.src_strides[2] + i3 * box.src_strides[3] +
                              i4 * box.src_strides[4];
            const int64_t d = i0 * box.dst_strides[0] + i1 * box.dst_strides[1] +
                              i2 * box.dst_strides[2] + i3 * box.dst_strides[3] +
                              i4 * box.dst_strides[4];
            if (contiguous) {
              memmove(dst + d, src + s, static_cast<size_t>(box.dims[5]) * sizeof(T));
              continue;
            }
            for (int32_t i5 = 0; i5 < box.dims[5]; ++i5) {
              dst[d + i5 * box.dst_strides[5]] = src[s + i5 * box.src_strides[5]];
            }
          }
}

// Copies by element size (1, 2 or 4 bytes).
void StridedCopyBytes(const StridedBox& box, size_t element_size, const void* src, void* dst);

}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_STRIDED_COPY_H_

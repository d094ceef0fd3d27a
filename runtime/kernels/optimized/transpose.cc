// Transpose whose coalesced box ends in a 2-D transpose: the innermost
// dimension contiguous in the output, the one before it contiguous in the
// input, e.g. a float NCHW image to NHWC (409,600 pixels x 3 channels). The
// reference walks such a box one output pixel at a time (a five-term index
// per 3 elements); this kernel copies it in square tiles, both sides' lines
// staying in cache, with the few-channel cases unrolled. A copy: the same
// bytes as the reference in any order.
#include "core/error.h"
#include "kernels/kernel_util.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace optimized {
namespace {

constexpr int64_t kTile = 32;

// Rows r (input-contiguous) x columns c (output-contiguous) of one 2-D slice:
// dst[r * dst_row + c] = src[c * src_col + r]. kC > 0: exactly kC columns.
template <typename T, int kC>
void Transpose2D(int64_t rows, int64_t cols, int64_t src_col, int64_t dst_row, const T* src, T* dst) {
  if (kC > 0) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int c = 0; c < kC; ++c) dst[r * dst_row + c] = src[c * src_col + r];
    }
    return;
  }
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    const int64_t r1 = r0 + kTile < rows ? r0 + kTile : rows;
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = c0 + kTile < cols ? c0 + kTile : cols;
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t c = c0; c < c1; ++c) dst[r * dst_row + c] = src[c * src_col + r];
      }
    }
  }
}

template <typename T>
void TransposeBox(const StridedBox& b, const T* src, T* dst) {
  const int64_t rows = b.dims[4], cols = b.dims[5], src_col = b.src_strides[5], dst_row = b.dst_strides[4];
  auto slice = cols == 2   ? Transpose2D<T, 2>
               : cols == 3 ? Transpose2D<T, 3>
               : cols == 4 ? Transpose2D<T, 4>
                           : Transpose2D<T, 0>;
  for (int32_t i0 = 0; i0 < b.dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < b.dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < b.dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < b.dims[3]; ++i3) {
          const int64_t s = i0 * b.src_strides[0] + i1 * b.src_strides[1] + i2 * b.src_strides[2] + i3 * b.src_strides[3];
          const int64_t d = i0 * b.dst_strides[0] + i1 * b.dst_strides[1] + i2 * b.dst_strides[2] + i3 * b.dst_strides[3];
          slice(rows, cols, src_col, dst_row, src + s, dst + d);
        }
}

void Invoke(const Node& node, const Tensor* tensors) {
  const StridedBox& box = *static_cast<const StridedBox*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  void* y = node.output(tensors, 0).data;
  if (DtypeSize(x.dtype) == 1) {
    TransposeBox(box, x.As<const int8_t>(), static_cast<int8_t*>(y));
  } else {
    TransposeBox(box, x.As<const int32_t>(), static_cast<int32_t*>(y));
  }
}

}  // namespace

kite_status PrepareTranspose(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareTranspose(ctx));
  Node& node = ctx.node();
  const StridedBox& b = *static_cast<const StridedBox*>(node.state);
  // The input's rows run along dim 4 and the output's along dim 5.
  const bool transpose_2d = b.src_strides[4] == 1 && b.dst_strides[5] == 1 && b.dims[4] > 1 && b.dims[5] > 1;
  if (!transpose_2d) {
    ctx.Decline("the box's innermost dimensions are not a 2-D transpose: the reference's copies");
    return KITE_OK;
  }
  node.invoke = Invoke;
  node.kernel_name = "optimized/transpose_2d";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

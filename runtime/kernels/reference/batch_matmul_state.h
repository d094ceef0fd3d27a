// What BatchMatMul's prepare keeps: the broadcast batch walk, the matrix
// sizes and the int8 requantization. Shared with the optimized kernels,
// which run on the reference's checked state.
#ifndef KITE_RUNTIME_KERNELS_REFERENCE_BATCH_MATMUL_STATE_H_
#define KITE_RUNTIME_KERNELS_REFERENCE_BATCH_MATMUL_STATE_H_

#include <stdint.h>

#include "kite/kite.h"

namespace kite {
namespace reference {

constexpr int32_t kBatchMatMulMaxBatchRank = KITE_MAX_RANK - 2;

struct BatchMatMulState {
  int32_t batch_dims[kBatchMatMulMaxBatchRank];  // output batch shape, right-aligned, leading 1s
  int64_t a_batch_strides[kBatchMatMulMaxBatchRank];
  int64_t b_batch_strides[kBatchMatMulMaxBatchRank];
  int32_t m, k, n;
  // int8: one output row's accumulators (this interpreter's), and the requantization.
  int32_t* row;
  float scale;
  int32_t a_zero_point, b_zero_point, y_zero_point;
};

// Calls matrix(pa, pb) for each output matrix in order, with its operands.
template <typename T, typename MatrixFn>
void ForEachMatrix(const BatchMatMulState& s, const T* a, const T* b, MatrixFn matrix) {
  for (int32_t i0 = 0; i0 < s.batch_dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < s.batch_dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < s.batch_dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < s.batch_dims[3]; ++i3) {
          matrix(a + i0 * s.a_batch_strides[0] + i1 * s.a_batch_strides[1] + i2 * s.a_batch_strides[2] +
                     i3 * s.a_batch_strides[3],
                 b + i0 * s.b_batch_strides[0] + i1 * s.b_batch_strides[1] + i2 * s.b_batch_strides[2] +
                     i3 * s.b_batch_strides[3]);
        }
}

}  // namespace reference
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_REFERENCE_BATCH_MATMUL_STATE_H_

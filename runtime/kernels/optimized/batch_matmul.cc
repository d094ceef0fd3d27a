// BatchMatMul with loops the compiler vectorizes (attention's Q.K^T and P.V).
// The reference reads B down its columns (a stride of N per product) and
// sums in double; here
//  - float: each output row accumulates B's rows, scaled by A's row, in
//    float along the row (contiguous, vector-wide); within the float tests'
//    tolerance of the reference, not bit-exact (float kernels need not be);
//  - int8: B's matrix is transposed once into int16 codes minus their zero
//    point, so each output is a dot product of two contiguous int16 rows
//    (pmaddwd / smlal): the same exact int32 sums as the reference, the same
//    requantization, bit-exact.
#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/batch_matmul_state.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

using reference::BatchMatMulState;
using reference::ForEachMatrix;

struct BatchMatMulInt8State {
  const BatchMatMulState* matrix;
  int16_t* b_transposed;  // [n][k], this interpreter's
  int16_t* a_row;         // [k]
};

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const BatchMatMulState& s = *static_cast<const BatchMatMulState*>(node.state);
  float* out = node.output(tensors, 0).As<float>();
  const int32_t m = s.m, k = s.k, n = s.n;
  ForEachMatrix(s, node.input(tensors, 0).As<float>(), node.input(tensors, 1).As<float>(),
                [&](const float* pa, const float* pb) {
                  for (int32_t r = 0; r < m; ++r, out += n) {
                    for (int32_t c = 0; c < n; ++c) out[c] = 0.0f;
                    for (int32_t x = 0; x < k; ++x) {
                      const float a = pa[int64_t{r} * k + x];
                      const float* b = pb + int64_t{x} * n;
                      for (int32_t c = 0; c < n; ++c) out[c] += a * b[c];
                    }
                  }
                });
}

int32_t Dot(const int16_t* a, const int16_t* b, int32_t k) {
  int32_t acc = 0;
  for (int32_t x = 0; x < k; ++x) acc += int32_t{a[x]} * b[x];
  return acc;
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const BatchMatMulInt8State& q = *static_cast<const BatchMatMulInt8State*>(node.state);
  const BatchMatMulState& s = *q.matrix;
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  const int32_t m = s.m, k = s.k, n = s.n;
  int16_t* bt = q.b_transposed;
  int16_t* a16 = q.a_row;
  ForEachMatrix(s, node.input(tensors, 0).As<int8_t>(), node.input(tensors, 1).As<int8_t>(),
                [&](const int8_t* pa, const int8_t* pb) {
                  for (int32_t x = 0; x < k; ++x) {
                    for (int32_t c = 0; c < n; ++c) bt[int64_t{c} * k + x] = static_cast<int16_t>(pb[int64_t{x} * n + c] - s.b_zero_point);
                  }
                  for (int32_t r = 0; r < m; ++r) {
                    for (int32_t x = 0; x < k; ++x) a16[x] = static_cast<int16_t>(pa[int64_t{r} * k + x] - s.a_zero_point);
                    for (int32_t c = 0; c < n; ++c) {
                      *out++ = Requantize(Dot(a16, bt + int64_t{c} * k, k), s.scale, s.y_zero_point, kInt8Min, kInt8Max);
                    }
                  }
                });
}

}  // namespace

kite_status PrepareBatchMatMul(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareBatchMatMul(ctx));
  Node& node = ctx.node();
  if (ctx.input(0).dtype == KITE_FLOAT32) {
    node.invoke = InvokeFloat;
    node.kernel_name = "optimized/batch_matmul_float32";
    return KITE_OK;
  }
  const BatchMatMulState& s = *static_cast<const BatchMatMulState*>(node.state);
  BatchMatMulInt8State* q = ctx.AllocateState<BatchMatMulInt8State>();
  if (q == nullptr) return ctx.OutOfArena();
  q->matrix = &s;
  q->b_transposed = ctx.AllocateArray<int16_t>(static_cast<size_t>(s.n) * static_cast<size_t>(s.k) + 1);
  q->a_row = ctx.AllocateArray<int16_t>(static_cast<size_t>(s.k) + 1);
  if (q->b_transposed == nullptr || q->a_row == nullptr) return ctx.OutOfArena();
  node.state = q;
  node.invoke = InvokeInt8;
  node.kernel_name = "optimized/batch_matmul_int8";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

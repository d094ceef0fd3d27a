// BatchMatMul: numpy matmul of A [..., M, K] and B [..., K, N] (ranks >= 2),
// batch dimensions broadcast. Float32, accumulated in double like Conv2D.
// (int8 comes with the quantization work.)
#include <inttypes.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

constexpr int32_t kMaxBatchRank = KITE_MAX_RANK - 2;

struct BatchMatMulState {
  int32_t batch_dims[kMaxBatchRank];  // output batch shape, right-aligned, leading 1s
  int64_t a_batch_strides[kMaxBatchRank];
  int64_t b_batch_strides[kMaxBatchRank];
  int32_t m, k, n;
};

void Invoke(const Node& node, const Tensor* tensors) {
  const BatchMatMulState& s = *static_cast<const BatchMatMulState*>(node.state);
  const float* a = node.input(tensors, 0).As<float>();
  const float* b = node.input(tensors, 1).As<float>();
  float* out = node.output(tensors, 0).As<float>();
  int64_t o = 0;
  for (int32_t i0 = 0; i0 < s.batch_dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < s.batch_dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < s.batch_dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < s.batch_dims[3]; ++i3) {
          const float* pa = a + i0 * s.a_batch_strides[0] + i1 * s.a_batch_strides[1] + i2 * s.a_batch_strides[2] +
                            i3 * s.a_batch_strides[3];
          const float* pb = b + i0 * s.b_batch_strides[0] + i1 * s.b_batch_strides[1] + i2 * s.b_batch_strides[2] +
                            i3 * s.b_batch_strides[3];
          for (int32_t r = 0; r < s.m; ++r) {
            for (int32_t c = 0; c < s.n; ++c) {
              double acc = 0.0;
              for (int32_t x = 0; x < s.k; ++x) acc += static_cast<double>(pa[int64_t{r} * s.k + x]) * pb[int64_t{x} * s.n + c];
              out[o++] = static_cast<float>(acc);
            }
          }
        }
}

// Batch strides (elements) of a matrix stack, right-aligned into kMaxBatchRank
// entries; 0 where the dimension is 1 (broadcast).
void BatchStrides(const Shape& shape, int64_t strides[kMaxBatchRank]) {
  const int32_t batch_rank = shape.rank - 2;
  int64_t stride = int64_t{shape.dims[shape.rank - 2]} * shape.dims[shape.rank - 1];
  for (int32_t i = kMaxBatchRank - 1; i >= 0; --i) {
    const int32_t d = i - (kMaxBatchRank - batch_rank);
    if (d < 0) {
      strides[i] = 0;
      continue;
    }
    strides[i] = shape.dims[d] == 1 ? 0 : stride;
    stride *= shape.dims[d];
  }
}

}  // namespace

kite_status PrepareBatchMatMul(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 2, 1));
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  if (a.dtype != KITE_FLOAT32) return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "only float32 is supported");
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, b, KITE_FLOAT32, "second input"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, KITE_FLOAT32, "output"));
  if (a.shape.rank < 2 || b.shape.rank < 2) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "inputs need rank >= 2");
  const int32_t m = a.shape.dims[a.shape.rank - 2], k = a.shape.dims[a.shape.rank - 1];
  const int32_t n = b.shape.dims[b.shape.rank - 1];
  if (b.shape.dims[b.shape.rank - 2] != k) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "inner dimensions %" PRId32 " and %" PRId32 " differ", k, b.shape.dims[b.shape.rank - 2]);
  }
  // Output batch dimensions: numpy broadcasting of the two batch shapes.
  Shape expected;
  expected.rank = (a.shape.rank > b.shape.rank ? a.shape.rank : b.shape.rank);
  for (int32_t i = 0; i < expected.rank - 2; ++i) {
    const int32_t ai = i - (expected.rank - a.shape.rank), bi = i - (expected.rank - b.shape.rank);
    const int32_t da = ai >= 0 ? a.shape.dims[ai] : 1, db = bi >= 0 ? b.shape.dims[bi] : 1;
    if (da != db && da != 1 && db != 1) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "batch dimensions do not broadcast");
    expected.dims[i] = da == 1 ? db : da;
  }
  expected.dims[expected.rank - 2] = m;
  expected.dims[expected.rank - 1] = n;
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  BatchMatMulState* s = ctx.AllocateState<BatchMatMulState>();
  if (s == nullptr) return ctx.OutOfArena();
  const int32_t batch_rank = expected.rank - 2;
  for (int32_t i = 0; i < kMaxBatchRank; ++i) {
    const int32_t d = i - (kMaxBatchRank - batch_rank);
    s->batch_dims[i] = d < 0 ? 1 : expected.dims[d];
  }
  BatchStrides(a.shape, s->a_batch_strides);
  BatchStrides(b.shape, s->b_batch_strides);
  s->m = m;
  s->k = k;
  s->n = n;
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "reference/batch_matmul_float32";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

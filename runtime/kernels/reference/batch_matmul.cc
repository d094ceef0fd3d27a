// BatchMatMul: numpy matmul of A [..., M, K] and B [..., K, N] (ranks >= 2),
// batch dimensions broadcast. Float32 accumulates in double like Conv2D.
// int8 (both operands activations, per-tensor; attention's Q.K^T and P.V):
//   acc = sum_k (a[m,k] - a_zp) * (b[k,n] - b_zp)      (int32, exact: K <= 32768)
//   y   = Requantize(acc, a_scale * b_scale / y_scale, y_zp)   (float, lrintf)
// the scale computed in float in that order, as the convs' requantization is.
#include <inttypes.h>

#include "core/quantization.h"

#include "kernels/kernel_util.h"
#include "kernels/reference/batch_matmul_state.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

constexpr int32_t kMaxBatchRank = kBatchMatMulMaxBatchRank;

// An int32 accumulator of (a - a_zp)(b - b_zp) stays exact for this many
// products (each at most 255 * 255 in magnitude).
constexpr int32_t kMaxInt8Depth = 32768;

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const BatchMatMulState& s = *static_cast<const BatchMatMulState*>(node.state);
  float* out = node.output(tensors, 0).As<float>();
  ForEachMatrix(s, node.input(tensors, 0).As<float>(), node.input(tensors, 1).As<float>(),
                [&](const float* pa, const float* pb) {
                  for (int32_t r = 0; r < s.m; ++r) {
                    for (int32_t c = 0; c < s.n; ++c) {
                      double acc = 0.0;
                      for (int32_t x = 0; x < s.k; ++x) acc += static_cast<double>(pa[int64_t{r} * s.k + x]) * pb[int64_t{x} * s.n + c];
                      *out++ = static_cast<float>(acc);
                    }
                  }
                });
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const BatchMatMulState& s = *static_cast<const BatchMatMulState*>(node.state);
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  int32_t* row = s.row;
  ForEachMatrix(s, node.input(tensors, 0).As<int8_t>(), node.input(tensors, 1).As<int8_t>(),
                [&](const int8_t* pa, const int8_t* pb) {
                  for (int32_t r = 0; r < s.m; ++r) {
                    // Row r of the product: B's rows weighted by A's row, so B is read contiguously.
                    for (int32_t c = 0; c < s.n; ++c) row[c] = 0;
                    for (int32_t x = 0; x < s.k; ++x) {
                      const int32_t av = int32_t{pa[int64_t{r} * s.k + x]} - s.a_zero_point;
                      const int8_t* pbx = pb + int64_t{x} * s.n;
                      for (int32_t c = 0; c < s.n; ++c) row[c] += av * (int32_t{pbx[c]} - s.b_zero_point);
                    }
                    for (int32_t c = 0; c < s.n; ++c) *out++ = Requantize(row[c], s.scale, s.y_zero_point, kInt8Min, kInt8Max);
                  }
                });
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
  if (a.dtype != KITE_FLOAT32 && a.dtype != KITE_INT8) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input type %s is not supported (float32, int8)", DtypeName(a.dtype));
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, b, a.dtype, "second input"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, a.dtype, "output"));
  const bool int8 = a.dtype == KITE_INT8;
  if (int8) {
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, a, "first input"));
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, b, "second input"));
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  }
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
  if (int8 && k > kMaxInt8Depth) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "an int8 inner dimension of %" PRId32 " overflows int32 (at most %" PRId32 ")",
                    k, kMaxInt8Depth);
  }
  BatchMatMulState* s = ctx.AllocateState<BatchMatMulState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->row = nullptr;
  if (int8) {
    s->row = ctx.AllocateArray<int32_t>(static_cast<size_t>(n > 0 ? n : 1));
    if (s->row == nullptr) return ctx.OutOfArena();
    s->scale = a.scale * b.scale / y.scale;
    s->a_zero_point = a.zero_point;
    s->b_zero_point = b.zero_point;
    s->y_zero_point = y.zero_point;
  }
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
  node.invoke = int8 ? InvokeInt8 : InvokeFloat;
  node.kernel_name = int8 ? "reference/batch_matmul_int8" : "reference/batch_matmul_float32";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Reductions over a set of axes: mean, max, min, sum, product, L1, L2, sum
// of squares, log of the sum, log-sum-exp. The output keeps reduced axes as 1
// or drops them; its shape says which. Float accumulates in double (ONNX
// Runtime accumulates in float; double keeps long sums within float's
// rounding of the exact result). int8, mean only: acc = sum(q - zi) over
// `count` elements, out = Requantize(acc, in_scale / (out_scale * count)).
#include <inttypes.h>
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

// Two odometers over the input: one over kept axes (one per output element,
// in output order) and one over reduced axes.
struct ReduceState {
  int32_t num_kept, num_reduced;
  int32_t kept_dims[KITE_MAX_RANK], reduced_dims[KITE_MAX_RANK];
  int64_t kept_strides[KITE_MAX_RANK], reduced_strides[KITE_MAX_RANK];
  int64_t count;
  float int8_scale;
  schema::OpCode op;
};

// Calls fn(offset) for every index of the box, last axis fastest.
template <typename Fn>
void ForEachOffset(int32_t rank, const int32_t* dims, const int64_t* strides, Fn fn) {
  int32_t index[KITE_MAX_RANK] = {};
  int64_t offset = 0;
  while (true) {
    fn(offset);
    int32_t d = rank - 1;
    for (; d >= 0; --d) {
      if (++index[d] < dims[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (dims[d] - 1);
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

// One reduction: the start value, how an element joins the accumulator, and
// the result from the accumulator.
template <typename Join, typename Finish>
void ReduceFloat(const ReduceState& s, const float* in, float* out, double start, Join join, Finish finish) {
  int64_t o = 0;
  ForEachOffset(s.num_kept, s.kept_dims, s.kept_strides, [&](int64_t base) {
    double acc = start;
    ForEachOffset(s.num_reduced, s.reduced_dims, s.reduced_strides, [&](int64_t r) { acc = join(acc, in[base + r]); });
    out[o++] = static_cast<float>(finish(acc));
  });
}

// log(sum(exp(x))) as max + log(sum(exp(x - max))): no overflow.
void ReduceLogSumExp(const ReduceState& s, const float* in, float* out) {
  int64_t o = 0;
  ForEachOffset(s.num_kept, s.kept_dims, s.kept_strides, [&](int64_t base) {
    double max = -INFINITY, sum = 0.0;
    ForEachOffset(s.num_reduced, s.reduced_dims, s.reduced_strides, [&](int64_t r) { max = fmax(max, in[base + r]); });
    if (isinf(max)) {
      out[o++] = static_cast<float>(max);
      return;
    }
    ForEachOffset(s.num_reduced, s.reduced_dims, s.reduced_strides, [&](int64_t r) { sum += exp(in[base + r] - max); });
    out[o++] = static_cast<float>(max + log(sum));
  });
}

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const ReduceState& s = *static_cast<const ReduceState*>(node.state);
  const float* in = node.input(tensors, 0).As<float>();
  float* out = node.output(tensors, 0).As<float>();
  const auto sum = [](double a, float x) { return a + x; };
  const auto same = [](double a) { return a; };
  const double count = static_cast<double>(s.count);
  switch (s.op) {
    case schema::OpCode_REDUCE_MAX:
      return ReduceFloat(s, in, out, -INFINITY, [](double a, float x) { return isnan(x) || x > a ? x : a; }, same);
    case schema::OpCode_REDUCE_MIN:
      return ReduceFloat(s, in, out, INFINITY, [](double a, float x) { return isnan(x) || x < a ? x : a; }, same);
    case schema::OpCode_REDUCE_SUM: return ReduceFloat(s, in, out, 0.0, sum, same);
    case schema::OpCode_REDUCE_PROD: return ReduceFloat(s, in, out, 1.0, [](double a, float x) { return a * x; }, same);
    case schema::OpCode_REDUCE_L1: return ReduceFloat(s, in, out, 0.0, [](double a, float x) { return a + fabs(x); }, same);
    case schema::OpCode_REDUCE_L2:
      return ReduceFloat(s, in, out, 0.0, [](double a, float x) { return a + static_cast<double>(x) * x; },
                         [](double a) { return sqrt(a); });
    case schema::OpCode_REDUCE_SUM_SQUARE:
      return ReduceFloat(s, in, out, 0.0, [](double a, float x) { return a + static_cast<double>(x) * x; }, same);
    case schema::OpCode_REDUCE_LOG_SUM: return ReduceFloat(s, in, out, 0.0, sum, [](double a) { return log(a); });
    case schema::OpCode_REDUCE_LOG_SUM_EXP: return ReduceLogSumExp(s, in, out);
    default: return ReduceFloat(s, in, out, 0.0, sum, [count](double a) { return a / count; });
  }
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const ReduceState& s = *static_cast<const ReduceState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int8_t* in = x.As<int8_t>();
  int8_t* out = y.As<int8_t>();
  int64_t o = 0;
  ForEachOffset(s.num_kept, s.kept_dims, s.kept_strides, [&](int64_t base) {
    int32_t acc = 0;
    ForEachOffset(s.num_reduced, s.reduced_dims, s.reduced_strides,
                  [&](int64_t r) { acc += static_cast<int32_t>(in[base + r]) - x.zero_point; });
    out[o++] = Requantize(acc, s.int8_scale, y.zero_point, kInt8Min, kInt8Max);
  });
}

}  // namespace

kite_status PrepareReduce(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::ReduceOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "ReduceOptions are missing");
  const schema::OpCode op = ctx.node().op->opcode();
  if (x.dtype != KITE_FLOAT32 && !(x.dtype == KITE_INT8 && op == schema::OpCode_REDUCE_MEAN)) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32 (or int8 for REDUCE_MEAN)");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  bool reduced[KITE_MAX_RANK];
  KITE_RETURN_IF_ERROR(MarkAxes(ctx, o->axes(), rank, reduced));
  ReduceState* s = ctx.AllocateState<ReduceState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->op = op;
  Shape kept_shape, dropped_shape;
  kept_shape.rank = rank;
  int64_t stride = 1;
  int64_t strides[KITE_MAX_RANK];
  for (int32_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= x.shape.dims[d];
  }
  s->count = 1;
  for (int32_t d = 0; d < rank; ++d) {
    kept_shape.dims[d] = reduced[d] ? 1 : x.shape.dims[d];
    if (reduced[d]) {
      s->reduced_dims[s->num_reduced] = x.shape.dims[d];
      s->reduced_strides[s->num_reduced++] = strides[d];
      s->count *= x.shape.dims[d];
    } else {
      dropped_shape.dims[dropped_shape.rank++] = x.shape.dims[d];
      s->kept_dims[s->num_kept] = x.shape.dims[d];
      s->kept_strides[s->num_kept++] = strides[d];
    }
  }
  if (y.shape != kept_shape && y.shape != dropped_shape) {
    return CheckShapeEquals(ctx, y, kept_shape, "output");
  }
  if (x.dtype == KITE_INT8 && s->count > (int64_t{1} << 23)) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "reducing %lld elements overflows int32",
                    static_cast<long long>(s->count));
  }
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_INT8) {
    s->int8_scale = x.scale / (y.scale * static_cast<float>(s->count));
    node.invoke = InvokeInt8;
    node.kernel_name = "reference/reduce_mean_int8";
  } else {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/reduce_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

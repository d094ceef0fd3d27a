// ArgMax / ArgMin along one axis: the int64 index of the largest / smallest
// value, the first on ties (the last with select_last_index). int8 and int16
// compare codes, which order as their values do (scale > 0), so a quantized
// model's answer is the float one's wherever the rounding keeps the order.
#include <inttypes.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct ArgState {
  int64_t outer, axis, inner;
  bool max, last;
};

template <typename T>
void Invoke(const Node& node, const Tensor* tensors) {
  const ArgState& s = *static_cast<const ArgState*>(node.state);
  const T* x = node.input(tensors, 0).As<T>();
  int64_t* y = node.output(tensors, 0).As<int64_t>();
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const T* row = x + o * s.axis * s.inner + i;
      int64_t best = 0;
      for (int64_t a = 1; a < s.axis; ++a) {
        const T v = row[a * s.inner], b = row[best * s.inner];
        const bool better = s.max ? (s.last ? v >= b : v > b) : (s.last ? v <= b : v < b);
        if (better) best = a;
      }
      y[o * s.inner + i] = best;
    }
  }
}

}  // namespace

kite_status PrepareArg(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::ArgOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "ArgOptions are missing");
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  const int32_t axis = o->axis() < 0 ? o->axis() + rank : o->axis();
  if (axis < 0 || axis >= rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "axis %" PRId32 " out of range for rank %" PRId32, o->axis(), rank);
  }
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8 && x.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32, int8 or int16");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, KITE_INT64, "output"));
  Shape kept = x.shape, dropped;
  kept.dims[axis] = 1;
  for (int32_t d = 0; d < rank; ++d) {
    if (d != axis) dropped.dims[dropped.rank++] = x.shape.dims[d];
  }
  if (y.shape != kept && y.shape != dropped) return CheckShapeEquals(ctx, y, kept, "output");
  ArgState* s = ctx.AllocateState<ArgState>();
  if (s == nullptr) return ctx.OutOfArena();
  SplitAroundAxis(x.shape, axis, &s->outer, &s->axis, &s->inner);
  s->max = ctx.node().op->opcode() == schema::OpCode_ARG_MAX;
  s->last = o->select_last_index();
  Node& node = ctx.node();
  node.state = s;
  node.invoke = x.dtype == KITE_FLOAT32 ? Invoke<float> : x.dtype == KITE_INT8 ? Invoke<int8_t> : Invoke<int16_t>;
  node.kernel_name = x.dtype == KITE_FLOAT32 ? "reference/arg_float32" : x.dtype == KITE_INT8 ? "reference/arg_int8" : "reference/arg_int16";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// CumSum: running sums along CumSumOptions.axis (ONNX CumSum), float32,
// accumulated in float as ONNX Runtime does. `exclusive` leaves each element
// out of its own sum (the first is 0); `reverse` runs from the end.
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct CumSumState {
  int64_t outer, len, inner;
  bool exclusive, reverse;
};

void Invoke(const Node& node, const Tensor* tensors) {
  const CumSumState& s = *static_cast<const CumSumState*>(node.state);
  const float* x = node.input(tensors, 0).As<float>();
  float* y = node.output(tensors, 0).As<float>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t in = 0; in < s.inner; ++in) {
      float sum = 0.0f;
      for (int64_t step = 0; step < s.len; ++step) {
        const int64_t k = s.reverse ? s.len - 1 - step : step;
        const int64_t at = (o * s.len + k) * s.inner + in;
        const float v = x[at];  // read before the write: the op may run in place
        if (s.exclusive) {
          y[at] = sum;
          sum += v;
        } else {
          sum += v;
          y[at] = sum;
        }
      }
    }
}

}  // namespace

kite_status PrepareCumSum(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::CumSumOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "CumSumOptions are missing");
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, x, KITE_FLOAT32, "input"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, KITE_FLOAT32, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  if (x.shape.rank < 1 || o->axis() < 0 || o->axis() >= x.shape.rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "axis %d is outside the input's rank %d", o->axis(), x.shape.rank);
  }
  CumSumState* s = ctx.AllocateState<CumSumState>();
  if (s == nullptr) return ctx.OutOfArena();
  SplitAroundAxis(x.shape, o->axis(), &s->outer, &s->len, &s->inner);
  s->exclusive = o->exclusive();
  s->reverse = o->reverse();
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "reference/cumsum";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

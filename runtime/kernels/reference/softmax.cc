// Softmax along one axis: exp(x - max) / sum(exp(x - max)). int8 computes the
// same in float on dequantized inputs and quantizes with the output's
// parameters. LogSoftmax (float only): (x - max) - log(sum(exp(x - max))).
#include <inttypes.h>
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct SoftmaxState {
  int64_t outer, axis, inner;
  bool log;
};

template <typename Load, typename Store>
void SoftmaxLoop(const SoftmaxState& s, Load load, Store store) {
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const int64_t base = o * s.axis * s.inner + i;
      float max = -INFINITY;
      for (int64_t a = 0; a < s.axis; ++a) max = fmaxf(max, load(base + a * s.inner));
      float sum = 0.0f;
      for (int64_t a = 0; a < s.axis; ++a) sum += expf(load(base + a * s.inner) - max);
      if (s.log) {
        const float log_sum = logf(sum);
        for (int64_t a = 0; a < s.axis; ++a) store(base + a * s.inner, (load(base + a * s.inner) - max) - log_sum);
        continue;
      }
      for (int64_t a = 0; a < s.axis; ++a) {
        store(base + a * s.inner, expf(load(base + a * s.inner) - max) / sum);
      }
    }
  }
}

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const float* in = node.input(tensors, 0).As<float>();
  float* out = node.output(tensors, 0).As<float>();
  SoftmaxLoop(*static_cast<const SoftmaxState*>(node.state), [in](int64_t i) { return in[i]; },
              [out](int64_t i, float v) { out[i] = v; });
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int8_t* in = x.As<int8_t>();
  int8_t* out = y.As<int8_t>();
  SoftmaxLoop(
      *static_cast<const SoftmaxState*>(node.state),
      [&](int64_t i) { return Dequantize(in[i], x.scale, x.zero_point); },
      [&](int64_t i, float v) { out[i] = QuantizeToInt8(v, y.scale, y.zero_point); });
}

}  // namespace

kite_status PrepareSoftmax(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::SoftmaxOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  const int32_t axis_option = o != nullptr ? o->axis() : -1;
  const int32_t axis = axis_option < 0 ? axis_option + rank : axis_option;
  if (axis < 0 || axis >= rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "axis %" PRId32 " out of range for rank %" PRId32, axis_option, rank);
  }
  const bool log = ctx.node().op->opcode() == schema::OpCode_LOG_SOFTMAX;
  if (x.dtype != KITE_FLOAT32 && (log || x.dtype != KITE_INT8)) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, log ? "input must be float32" : "input must be float32 or int8");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  SoftmaxState* s = ctx.AllocateState<SoftmaxState>();
  if (s == nullptr) return ctx.OutOfArena();
  SplitAroundAxis(x.shape, axis, &s->outer, &s->axis, &s->inner);
  s->log = log;
  Node& node = ctx.node();
  node.state = s;
  node.invoke = x.dtype == KITE_INT8 ? InvokeInt8 : InvokeFloat;
  node.kernel_name = x.dtype == KITE_INT8 ? "reference/softmax_int8"
                     : log               ? "reference/log_softmax_float32"
                                         : "reference/softmax_float32";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

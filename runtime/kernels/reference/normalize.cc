// Mean-variance normalization over a set of axes (LayerNormalization,
// InstanceNormalization): y = (x - mean) / sqrt(var + epsilon) * scale + bias,
// the mean and the (biased) variance over NormalizeOptions.axes, scale and
// bias broadcast to x numpy-style. Optional outputs 1 and 2 receive the mean
// and 1 / sqrt(var + epsilon), the reduced axes kept as 1. Float: the
// statistics accumulate in double, as a sum over the reduced elements could
// otherwise lose float's precision on long rows.
//
// int8 (x and y per tensor, scale and bias float32, one output): with
// d = qx - zx, the sums S = sum d and Q = sum d^2 are exact integers (int64),
//   mean = S / n,  var = max(0, Q / n - mean^2) * sx^2   (double)
//   m = (float) mean,  a = sx * (float) (1 / sqrt(var + epsilon))
//   v = (d - m) * a * scale [+ bias]                  (float, in this order)
//   qy = RoundClampToInt8(v / sy, zy)
#include <inttypes.h>
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

// The x, scale and bias offsets of one box of dimensions, walked last axis
// fastest (scale and bias strides are 0 where they broadcast).
struct Walk {
  int32_t rank = 0;
  int32_t dims[KITE_MAX_RANK];
  int64_t strides[3][KITE_MAX_RANK];
};

template <typename Fn>
void ForEach(const Walk& w, Fn fn) {
  int32_t index[KITE_MAX_RANK] = {};
  int64_t offset[3] = {0, 0, 0};
  while (true) {
    fn(offset[0], offset[1], offset[2]);
    int32_t d = w.rank - 1;
    for (; d >= 0; --d) {
      if (++index[d] < w.dims[d]) {
        for (int k = 0; k < 3; ++k) offset[k] += w.strides[k][d];
        break;
      }
      for (int k = 0; k < 3; ++k) offset[k] -= w.strides[k][d] * (w.dims[d] - 1);
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

struct NormalizeState {
  Walk kept, reduced;
  double count;
  float epsilon;
  bool has_bias, has_stats;
  // int8
  float x_scale, y_scale;
  int32_t x_zero_point, y_zero_point;
};

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const NormalizeState& s = *static_cast<const NormalizeState*>(node.state);
  const float* x = node.input(tensors, 0).As<float>();
  const float* scale = node.input(tensors, 1).As<float>();
  const float* bias = s.has_bias ? node.input(tensors, 2).As<float>() : nullptr;
  float* y = node.output(tensors, 0).As<float>();
  float* mean_out = s.has_stats ? node.output(tensors, 1).As<float>() : nullptr;
  float* inv_out = s.has_stats ? node.output(tensors, 2).As<float>() : nullptr;
  int64_t row = 0;
  ForEach(s.kept, [&](int64_t xb, int64_t sb, int64_t bb) {
    double sum = 0.0;
    ForEach(s.reduced, [&](int64_t xr, int64_t, int64_t) { sum += x[xb + xr]; });
    const double mean = sum / s.count;
    double squares = 0.0;
    ForEach(s.reduced, [&](int64_t xr, int64_t, int64_t) {
      const double d = x[xb + xr] - mean;
      squares += d * d;
    });
    const float inv = static_cast<float>(1.0 / sqrt(squares / s.count + s.epsilon));
    const float m = static_cast<float>(mean);
    ForEach(s.reduced, [&](int64_t xr, int64_t sr, int64_t br) {
      const float v = (x[xb + xr] - m) * inv * scale[sb + sr];
      y[xb + xr] = bias != nullptr ? v + bias[bb + br] : v;
    });
    if (mean_out != nullptr) {
      mean_out[row] = m;
      inv_out[row] = inv;
    }
    ++row;
  });
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const NormalizeState& s = *static_cast<const NormalizeState*>(node.state);
  const int8_t* x = node.input(tensors, 0).As<int8_t>();
  const float* scale = node.input(tensors, 1).As<float>();
  const float* bias = s.has_bias ? node.input(tensors, 2).As<float>() : nullptr;
  int8_t* y = node.output(tensors, 0).As<int8_t>();
  const int32_t zx = s.x_zero_point;
  ForEach(s.kept, [&](int64_t xb, int64_t sb, int64_t bb) {
    int64_t sum = 0, squares = 0;
    ForEach(s.reduced, [&](int64_t xr, int64_t, int64_t) {
      const int64_t d = int64_t{x[xb + xr]} - zx;
      sum += d;
      squares += d * d;
    });
    const double mean = static_cast<double>(sum) / s.count;
    const double sx = s.x_scale;
    const double var = (static_cast<double>(squares) / s.count - mean * mean) * (sx * sx);
    const float m = static_cast<float>(mean);
    const float a = s.x_scale * static_cast<float>(1.0 / sqrt((var > 0.0 ? var : 0.0) + s.epsilon));
    ForEach(s.reduced, [&](int64_t xr, int64_t sr, int64_t br) {
      float v = (static_cast<float>(int32_t{x[xb + xr]} - zx) - m) * a * scale[sb + sr];
      if (bias != nullptr) v += bias[bb + br];
      y[xb + xr] = RoundClampToInt8(v / s.y_scale, s.y_zero_point, kInt8Min, kInt8Max);
    });
  });
}

// Input i's strides broadcast against the output's KITE_MAX_RANK dims; fails
// when its shape does not broadcast to x's.
kite_status BroadcastStrides(PrepareContext& ctx, int32_t i, const Shape& x, int64_t strides[KITE_MAX_RANK]) {
  const Tensor& t = ctx.input(i);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, t, KITE_FLOAT32, i == 1 ? "scale" : "bias"));
  Shape joint;
  if (t.shape.rank > x.rank || !BroadcastShapes(x, t.shape, &joint) || joint != x) {
    char st[96], sx[96];
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "%s shape %s does not broadcast to the input's %s",
                    i == 1 ? "scale" : "bias", FormatShape(t.shape, st, sizeof(st)), FormatShape(x, sx, sizeof(sx)));
  }
  DenseStrides(t.shape, strides);
  return KITE_OK;
}

}  // namespace

kite_status PrepareNormalize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 3, -1));
  Node& node = ctx.node();
  if (node.num_outputs != 1 && node.num_outputs != 3) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "has %" PRId32 " outputs, expected 1 or 3", node.num_outputs);
  }
  const auto* o = ctx.options<schema::NormalizeOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "NormalizeOptions are missing");
  if (!(o->epsilon() >= 0.0f) || isinf(o->epsilon())) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "epsilon must be finite and >= 0");
  }
  const Tensor& x = ctx.input(0);
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8) return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32 or int8");
  const bool int8 = x.dtype == KITE_INT8;
  if (int8 && node.num_outputs != 1) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "int8: the mean and deviation outputs are float only");
  }
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  if (int8) {
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  const int32_t rank = x.shape.rank;
  bool reduced[KITE_MAX_RANK];
  KITE_RETURN_IF_ERROR(MarkAxes(ctx, o->axes(), rank, reduced));
  int64_t strides[3][KITE_MAX_RANK];
  DenseStrides(x.shape, strides[0]);
  KITE_RETURN_IF_ERROR(BroadcastStrides(ctx, 1, x.shape, strides[1]));
  const bool has_bias = node.has_input(2);
  if (has_bias) {
    KITE_RETURN_IF_ERROR(BroadcastStrides(ctx, 2, x.shape, strides[2]));
  } else {
    for (int64_t& v : strides[2]) v = 0;
  }
  NormalizeState* s = ctx.AllocateState<NormalizeState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->epsilon = o->epsilon();
  s->has_bias = has_bias;
  s->has_stats = node.num_outputs == 3;
  s->count = 1.0;
  Shape stats_shape = x.shape;
  const int32_t lead = KITE_MAX_RANK - rank;  // strides are right-aligned in KITE_MAX_RANK entries
  for (int32_t d = 0; d < rank; ++d) {
    Walk& w = reduced[d] ? s->reduced : s->kept;
    w.dims[w.rank] = x.shape.dims[d];
    for (int k = 0; k < 3; ++k) w.strides[k][w.rank] = strides[k][lead + d];
    ++w.rank;
    if (reduced[d]) {
      s->count *= x.shape.dims[d];
      stats_shape.dims[d] = 1;
    }
  }
  for (int32_t i = 1; s->has_stats && i < 3; ++i) {
    KITE_RETURN_IF_ERROR(CheckDtype(ctx, ctx.output(i), KITE_FLOAT32, i == 1 ? "mean output" : "inverse deviation output"));
    KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, ctx.output(i), stats_shape, i == 1 ? "mean output" : "inverse deviation output"));
  }
  s->x_scale = x.scale;
  s->y_scale = y.scale;
  s->x_zero_point = x.zero_point;
  s->y_zero_point = y.zero_point;
  node.state = s;
  node.invoke = int8 ? InvokeInt8 : InvokeFloat;
  node.kernel_name = int8 ? "reference/normalize_int8" : "reference/normalize_float32";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Resize of H and W of an NHWC tensor with ONNX Resize semantics (nearest and
// bilinear, four coordinate transforms). Source coordinates and weights are
// computed once per output row and column at prepare, in float as ONNX
// Runtime does. Bilinear clamps the source coordinate to [0, in - 1].
// int8 bilinear interpolates the dequantized values in float and quantizes
// with the output's parameters; int8 nearest needs equal quantization.
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/reference/resize_state.h"

namespace kite {
namespace reference {
namespace {

using Axis = ResizeAxis;

float SourceCoordinate(schema::CoordinateTransform transform, int32_t out_index, float scale,
                       int32_t in_size, int32_t out_size) {
  const float x = static_cast<float>(out_index);
  switch (transform) {
    case schema::CoordinateTransform_ASYMMETRIC: return x / scale;
    case schema::CoordinateTransform_ALIGN_CORNERS:
      return out_size == 1 ? 0.0f
                           : x * static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1);
    case schema::CoordinateTransform_PYTORCH_HALF_PIXEL:
      return out_size > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    default: return (x + 0.5f) / scale - 0.5f;
  }
}

int32_t NearestIndex(schema::NearestRounding rounding, float x, int32_t in_size) {
  float r;
  switch (rounding) {
    case schema::NearestRounding_FLOOR: r = floorf(x); break;
    case schema::NearestRounding_CEIL: r = ceilf(x); break;
    case schema::NearestRounding_ROUND_PREFER_CEIL: r = floorf(x + 0.5f); break;
    default: r = x == floorf(x) + 0.5f ? floorf(x) : roundf(x); break;
  }
  if (!(r >= 0.0f)) return 0;
  if (r >= static_cast<float>(in_size - 1)) return in_size - 1;
  return static_cast<int32_t>(r);
}

kite_status BuildAxis(PrepareContext& ctx, const schema::ResizeOptions& o, float scale,
                      int32_t in_size, int32_t out_size, Axis* axis) {
  axis->index0 = ctx.AllocateArray<int32_t>(static_cast<size_t>(out_size));
  if (axis->index0 == nullptr) return ctx.OutOfArena();
  if (o.mode() == schema::ResizeMode_BILINEAR) {
    axis->index1 = ctx.AllocateArray<int32_t>(static_cast<size_t>(out_size));
    axis->weight1 = ctx.AllocateArray<float>(static_cast<size_t>(out_size));
    if (axis->index1 == nullptr || axis->weight1 == nullptr) return ctx.OutOfArena();
  }
  for (int32_t i = 0; i < out_size; ++i) {
    const float x = SourceCoordinate(o.coordinate_transform(), i, scale, in_size, out_size);
    if (o.mode() == schema::ResizeMode_NEAREST) {
      axis->index0[i] = NearestIndex(o.nearest_rounding(), x, in_size);
      continue;
    }
    const float clamped = fminf(fmaxf(x, 0.0f), static_cast<float>(in_size - 1));
    const int32_t lo = static_cast<int32_t>(floorf(clamped));
    axis->index0[i] = lo;
    axis->index1[i] = lo + 1 < in_size ? lo + 1 : in_size - 1;
    axis->weight1[i] = clamped - static_cast<float>(lo);
  }
  return KITE_OK;
}

template <typename T>
void InvokeNearest(const Node& node, const Tensor* tensors) {
  const ResizeState& s = *static_cast<const ResizeState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], in_h = x.shape.dims[1], in_w = x.shape.dims[2],
                channels = x.shape.dims[3], out_h = y.shape.dims[1], out_w = y.shape.dims[2];
  const T* in = x.As<T>();
  T* out = y.As<T>();
  for (int32_t n = 0; n < batch; ++n)
    for (int32_t oy = 0; oy < out_h; ++oy)
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const T* src = in + ((int64_t{n} * in_h + s.h.index0[oy]) * in_w + s.w.index0[ox]) * channels;
        T* dst = out + ((int64_t{n} * out_h + oy) * out_w + ox) * channels;
        for (int32_t c = 0; c < channels; ++c) dst[c] = src[c];
      }
}

// Loads element as float: plain for float, dequantized for int8.
struct FloatIo {
  static float Load(const float* p, const Tensor&) { return *p; }
  static void Store(float v, float* p, const Tensor&) { *p = v; }
};
struct Int8Io {
  static float Load(const int8_t* p, const Tensor& t) { return Dequantize(*p, t.scale, t.zero_point); }
  static void Store(float v, int8_t* p, const Tensor& t) { *p = QuantizeToInt8(v, t.scale, t.zero_point); }
};

template <typename T, typename Io>
void InvokeBilinear(const Node& node, const Tensor* tensors) {
  const ResizeState& s = *static_cast<const ResizeState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], in_h = x.shape.dims[1], in_w = x.shape.dims[2],
                channels = x.shape.dims[3], out_h = y.shape.dims[1], out_w = y.shape.dims[2];
  const T* in = x.As<T>();
  T* out = y.As<T>();
  for (int32_t n = 0; n < batch; ++n)
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const float wy = s.h.weight1[oy];
      const T* row0 = in + (int64_t{n} * in_h + s.h.index0[oy]) * in_w * channels;
      const T* row1 = in + (int64_t{n} * in_h + s.h.index1[oy]) * in_w * channels;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const float wx = s.w.weight1[ox];
        const int64_t c0 = int64_t{s.w.index0[ox]} * channels, c1 = int64_t{s.w.index1[ox]} * channels;
        T* dst = out + ((int64_t{n} * out_h + oy) * out_w + ox) * channels;
        for (int32_t c = 0; c < channels; ++c) {
          const float top = Io::Load(row0 + c0 + c, x) * (1.0f - wx) + Io::Load(row0 + c1 + c, x) * wx;
          const float bottom = Io::Load(row1 + c0 + c, x) * (1.0f - wx) + Io::Load(row1 + c1 + c, x) * wx;
          Io::Store(top * (1.0f - wy) + bottom * wy, dst + c, y);
        }
      }
    }
}

}  // namespace

kite_status PrepareResize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::ResizeOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "missing ResizeOptions");
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckRank(ctx, x, 4, "input"));
  KITE_RETURN_IF_ERROR(CheckRank(ctx, y, 4, "output"));
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32 or int8");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  if (y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[3] != x.shape.dims[3]) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "resize changes only H and W");
  }
  // The enums are signed bytes in the file: check both ends.
  if (!(o->scale_h() > 0.0f) || !(o->scale_w() > 0.0f) || !isfinite(o->scale_h()) || !isfinite(o->scale_w()) ||
      o->mode() < schema::ResizeMode_MIN || o->mode() > schema::ResizeMode_MAX ||
      o->coordinate_transform() < schema::CoordinateTransform_MIN ||
      o->coordinate_transform() > schema::CoordinateTransform_MAX ||
      o->nearest_rounding() < schema::NearestRounding_MIN || o->nearest_rounding() > schema::NearestRounding_MAX) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "invalid ResizeOptions (scales, mode or rounding)");
  }
  const bool nearest = o->mode() == schema::ResizeMode_NEAREST;
  if (nearest) KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  ResizeState* s = ctx.AllocateState<ResizeState>();
  if (s == nullptr) return ctx.OutOfArena();
  KITE_RETURN_IF_ERROR(BuildAxis(ctx, *o, o->scale_h(), x.shape.dims[1], y.shape.dims[1], &s->h));
  KITE_RETURN_IF_ERROR(BuildAxis(ctx, *o, o->scale_w(), x.shape.dims[2], y.shape.dims[2], &s->w));
  Node& node = ctx.node();
  node.state = s;
  const bool int8 = x.dtype == KITE_INT8;
  if (nearest) {
    node.invoke = int8 ? InvokeNearest<int8_t> : InvokeNearest<float>;
    node.kernel_name = int8 ? "reference/resize_nearest_int8" : "reference/resize_nearest_float32";
  } else {
    node.invoke = int8 ? InvokeBilinear<int8_t, Int8Io> : InvokeBilinear<float, FloatIo>;
    node.kernel_name = int8 ? "reference/resize_bilinear_int8" : "reference/resize_bilinear_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

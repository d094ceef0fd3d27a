// MaxPool2D, AveragePool2D and GlobalAveragePool over H and W of NHWC tensors.
//
// MaxPool ignores padded positions (ONNX pads with -inf); int8 needs input and
// output to share quantization, so the max of int8 values is exact.
// AveragePool divides by the taps inside the input, or, with
// count_include_pad, by the taps inside the padded input.
// int8 averages: acc = sum(q - zi) over `count` taps, then
//   out = Requantize(acc, in_scale / (out_scale * count))   (float, at invoke
//   per count for AveragePool, once for GlobalAveragePool).
#include <math.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/pool_state.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

template <typename T, typename Visit>
void PoolLoop(const Node& node, const Tensor* tensors, Visit visit) {
  const PoolState& s = *static_cast<const PoolState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], in_h = x.shape.dims[1], in_w = x.shape.dims[2],
                channels = x.shape.dims[3];
  const int32_t out_h = y.shape.dims[1], out_w = y.shape.dims[2];
  const T* in = x.As<T>();
  T* out = y.As<T>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t c = 0; c < channels; ++c) {
          int32_t inside = 0;  // taps inside the input
          int32_t padded = 0;  // taps inside the padded input
          auto acc = visit.Start();
          for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
            const int32_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
            if (iy < -s.pad_top || iy >= in_h + s.pad_bottom) continue;
            for (int32_t kx = 0; kx < s.kernel_w; ++kx) {
              const int32_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
              if (ix < -s.pad_left || ix >= in_w + s.pad_right) continue;
              ++padded;
              if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
              ++inside;
              visit.Add(&acc, in[((static_cast<int64_t>(n) * in_h + iy) * in_w + ix) * channels + c]);
            }
          }
          out[((static_cast<int64_t>(n) * out_h + oy) * out_w + ox) * channels + c] =
              visit.Finish(acc, s.count_include_pad ? padded : inside);
        }
      }
    }
  }
}

template <typename T>
struct MaxVisit {
  T Start() const { return Lowest(); }
  static T Lowest();
  void Add(T* acc, T v) const { if (v > *acc || *acc != *acc) *acc = v; }
  T Finish(T acc, int32_t) const { return acc; }
};
template <>
float MaxVisit<float>::Lowest() { return -INFINITY; }
template <>
int8_t MaxVisit<int8_t>::Lowest() { return -128; }

struct AverageFloatVisit {
  float Start() const { return 0.0f; }
  void Add(float* acc, float v) const { *acc += v; }
  float Finish(float acc, int32_t count) const {
    return count > 0 ? acc / static_cast<float>(count) : 0.0f;
  }
};

struct AverageInt8Visit {
  int32_t zi, zo;
  float in_scale, out_scale;
  int32_t Start() const { return 0; }
  void Add(int32_t* acc, int8_t v) const { *acc += static_cast<int32_t>(v) - zi; }
  int8_t Finish(int32_t acc, int32_t count) const {
    if (count == 0) return static_cast<int8_t>(zo);
    const float scale = in_scale / (out_scale * static_cast<float>(count));
    return Requantize(acc, scale, zo, kInt8Min, kInt8Max);
  }
};

void InvokeMaxFloat(const Node& node, const Tensor* t) { PoolLoop<float>(node, t, MaxVisit<float>{}); }
void InvokeMaxInt8(const Node& node, const Tensor* t) { PoolLoop<int8_t>(node, t, MaxVisit<int8_t>{}); }
void InvokeAverageFloat(const Node& node, const Tensor* t) {
  PoolLoop<float>(node, t, AverageFloatVisit{});
}
void InvokeAverageInt8(const Node& node, const Tensor* t) {
  const Tensor& x = node.input(t, 0);
  const Tensor& y = node.output(t, 0);
  PoolLoop<int8_t>(node, t, AverageInt8Visit{x.zero_point, y.zero_point, x.scale, y.scale});
}

struct GlobalAverageState {
  float int8_scale;  // in_scale / (out_scale * H * W)
};

void InvokeGlobalAverageFloat(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const int32_t batch = x.shape.dims[0], channels = x.shape.dims[3];
  const int64_t area = int64_t{x.shape.dims[1]} * x.shape.dims[2];
  const float* in = x.As<float>();
  float* out = node.output(tensors, 0).As<float>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t c = 0; c < channels; ++c) {
      float acc = 0.0f;
      for (int64_t p = 0; p < area; ++p) acc += in[(n * area + p) * channels + c];
      out[int64_t{n} * channels + c] = acc / static_cast<float>(area);
    }
  }
}

void InvokeGlobalAverageInt8(const Node& node, const Tensor* tensors) {
  const GlobalAverageState& s = *static_cast<const GlobalAverageState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], channels = x.shape.dims[3];
  const int64_t area = int64_t{x.shape.dims[1]} * x.shape.dims[2];
  const int8_t* in = x.As<int8_t>();
  int8_t* out = y.As<int8_t>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t c = 0; c < channels; ++c) {
      int32_t acc = 0;
      for (int64_t p = 0; p < area; ++p) {
        acc += static_cast<int32_t>(in[(n * area + p) * channels + c]) - x.zero_point;
      }
      out[int64_t{n} * channels + c] =
          Requantize(acc, s.int8_scale, y.zero_point, kInt8Min, kInt8Max);
    }
  }
}

kite_status CheckPoolIo(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckRank(ctx, x, 4, "input"));
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32 or int8");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  return CheckPerTensor(ctx, y, "output");
}

}  // namespace

kite_status PreparePool2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckPoolIo(ctx));
  const auto* o = ctx.options<schema::Pool2DOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "missing Pool2DOptions");
  if (o->kernel_h() < 1 || o->kernel_w() < 1 || o->stride_h() < 1 || o->stride_w() < 1 ||
      o->dilation_h() < 1 || o->dilation_w() < 1 || o->pad_top() < 0 || o->pad_left() < 0 ||
      o->pad_bottom() < 0 || o->pad_right() < 0) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "kernel, strides and dilations must be >= 1 and pads >= 0");
  }
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const bool is_max = ctx.node().op->opcode() == schema::OpCode_MAX_POOL_2D;
  if (is_max) KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  if (!is_max && x.dtype == KITE_INT8 && int64_t{o->kernel_h()} * o->kernel_w() > 65536) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "window over 65536 taps overflows int32");
  }
  Shape expected = x.shape;
  expected.dims[1] = ConvOutputSize(x.shape.dims[1], o->kernel_h(), o->stride_h(),
                                    o->dilation_h(), o->pad_top(), o->pad_bottom());
  expected.dims[2] = ConvOutputSize(x.shape.dims[2], o->kernel_w(), o->stride_w(),
                                    o->dilation_w(), o->pad_left(), o->pad_right());
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  PoolState* s = ctx.AllocateState<PoolState>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = PoolState{o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(), o->dilation_h(),
                 o->dilation_w(), o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right(),
                 o->count_include_pad()};
  Node& node = ctx.node();
  node.state = s;
  const bool int8 = x.dtype == KITE_INT8;
  if (is_max) {
    node.invoke = int8 ? InvokeMaxInt8 : InvokeMaxFloat;
    node.kernel_name = int8 ? "reference/max_pool2d_int8" : "reference/max_pool2d_float32";
  } else {
    node.invoke = int8 ? InvokeAverageInt8 : InvokeAverageFloat;
    node.kernel_name = int8 ? "reference/average_pool2d_int8" : "reference/average_pool2d_float32";
  }
  return KITE_OK;
}

kite_status PrepareGlobalAveragePool(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckPoolIo(ctx));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  Shape expected = x.shape;
  expected.dims[1] = 1;
  expected.dims[2] = 1;
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  const int64_t area = int64_t{x.shape.dims[1]} * x.shape.dims[2];
  if (x.dtype == KITE_INT8 && area > (int64_t{1} << 23)) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "pooling area %lld overflows int32",
                    static_cast<long long>(area));
  }
  GlobalAverageState* s = ctx.AllocateState<GlobalAverageState>();
  if (s == nullptr) return ctx.OutOfArena();
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_INT8) {
    s->int8_scale = x.scale / (y.scale * static_cast<float>(area));
    node.invoke = InvokeGlobalAverageInt8;
    node.kernel_name = "reference/global_average_pool_int8";
  } else {
    node.invoke = InvokeGlobalAverageFloat;
    node.kernel_name = "reference/global_average_pool_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Conv2D, NHWC, weights [out, kh, kw, in / groups]. Groups cover depthwise
// (groups == in channels). Padding is explicit; padded taps contribute zero
// (in int8: the input zero point, so (x - zero_point) = 0). 16x8: int16
// input and output (zero point 0), int8 weights, int64 bias and accumulator;
// 16x16: the same with int16 weights.
#include <math.h>

#include "kernels/conv_params.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

constexpr int32_t kInput = 0;
constexpr int32_t kWeights = 1;
constexpr int32_t kBias = 2;

struct ConvState {
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, groups;
  OutputTransform transform;
};

template <typename T, typename W, typename Out, typename Acc, typename Finish>
void ConvLoop(const Node& node, const Tensor* tensors, Finish finish) {
  const ConvState& s = *static_cast<const ConvState*>(node.state);
  const Tensor& x = node.input(tensors, kInput);
  const Tensor& w = node.input(tensors, kWeights);
  const Tensor& y = node.output(tensors, 0);
  const int32_t batch = x.shape.dims[0], in_h = x.shape.dims[1], in_w = x.shape.dims[2],
                in_c = x.shape.dims[3];
  const int32_t out_h = y.shape.dims[1], out_w = y.shape.dims[2], out_c = y.shape.dims[3];
  const int32_t kernel_h = w.shape.dims[1], kernel_w = w.shape.dims[2];
  const int32_t group_in = in_c / s.groups, group_out = out_c / s.groups;
  const T* in = x.As<T>();
  const W* weights = w.As<W>();
  Out* out = y.As<Out>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t g = oc / group_out;
          Acc acc = 0;
          for (int32_t ky = 0; ky < kernel_h; ++ky) {
            const int32_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < kernel_w; ++kx) {
              const int32_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
              if (ix < 0 || ix >= in_w) continue;
              const T* in_px = in + ((static_cast<int64_t>(n) * in_h + iy) * in_w + ix) * in_c +
                               g * group_in;
              const W* w_px = weights + ((static_cast<int64_t>(oc) * kernel_h + ky) * kernel_w +
                                         kx) * group_in;
              for (int32_t ic = 0; ic < group_in; ++ic) acc += finish.Product(in_px[ic], w_px[ic]);
            }
          }
          out[((static_cast<int64_t>(n) * out_h + oy) * out_w + ox) * out_c + oc] =
              finish.Output(acc, oc);
        }
      }
    }
  }
}

struct FloatFinish {
  const OutputTransform& t;
  const float* bias;
  static double Product(float x, float w) { return static_cast<double>(x) * w; }
  float Output(double acc, int32_t c) const { return FinishFloat(t, static_cast<float>(acc), bias, c); }
};

struct Int8Finish {
  const OutputTransform& t;
  const int32_t* bias;
  int32_t input_zero_point;
  int32_t Product(int8_t x, int8_t w) const {
    return (static_cast<int32_t>(x) - input_zero_point) * static_cast<int32_t>(w);
  }
  int8_t Output(int32_t acc, int32_t c) const { return FinishInt8(t, acc, bias, c); }
};

template <typename W>
struct Int16Finish {
  const OutputTransform& t;
  const int64_t* bias;
  static int64_t Product(int16_t x, W w) { return int64_t{x} * w; }
  int16_t Output(int64_t acc, int32_t c) const { return FinishInt16(t, acc, bias, c); }
};

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const ConvState& s = *static_cast<const ConvState*>(node.state);
  const float* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<float>() : nullptr;
  ConvLoop<float, float, float, double>(node, tensors, FloatFinish{s.transform, bias});
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const ConvState& s = *static_cast<const ConvState*>(node.state);
  const int32_t* bias =
      node.has_input(kBias) ? node.input(tensors, kBias).As<int32_t>() : nullptr;
  ConvLoop<int8_t, int8_t, int8_t, int32_t>(node, tensors,
                                            Int8Finish{s.transform, bias, node.input(tensors, kInput).zero_point});
}

template <typename W>
void InvokeInt16(const Node& node, const Tensor* tensors) {
  const ConvState& s = *static_cast<const ConvState*>(node.state);
  const int64_t* bias =
      node.has_input(kBias) ? node.input(tensors, kBias).As<int64_t>() : nullptr;
  ConvLoop<int16_t, W, int16_t, int64_t>(node, tensors, Int16Finish<W>{s.transform, bias});
}

}  // namespace

int32_t ConvOutputSize(int32_t in, int32_t kernel, int32_t stride, int32_t dilation,
                       int32_t pad_before, int32_t pad_after) {
  const int64_t span = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  const int64_t padded = static_cast<int64_t>(in) + pad_before + pad_after;
  if (padded < span) return 0;
  return static_cast<int32_t>((padded - span) / stride + 1);
}

kite_status CheckConv2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 4, 1));
  const auto* o = ctx.options<schema::Conv2DOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "missing Conv2DOptions");
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  if (o->stride_h() < 1 || o->stride_w() < 1 || o->dilation_h() < 1 || o->dilation_w() < 1 ||
      o->pad_top() < 0 || o->pad_left() < 0 || o->pad_bottom() < 0 || o->pad_right() < 0) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "strides and dilations must be >= 1 and pads >= 0");
  }
  KITE_RETURN_IF_ERROR(CheckGroupedWeights(ctx, x, w, o->groups()));
  KITE_RETURN_IF_ERROR(CheckPackedWeightsInput(ctx));
  const int32_t out_c = w.shape.dims[0];
  Shape expected;
  expected.rank = 4;
  expected.dims[0] = x.shape.dims[0];
  expected.dims[1] = ConvOutputSize(x.shape.dims[1], w.shape.dims[1], o->stride_h(),
                                    o->dilation_h(), o->pad_top(), o->pad_bottom());
  expected.dims[2] = ConvOutputSize(x.shape.dims[2], w.shape.dims[2], o->stride_w(),
                                    o->dilation_w(), o->pad_left(), o->pad_right());
  expected.dims[3] = out_c;
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  return CheckConvQuantization(ctx, x, w, bias, y, out_c, o->activation_min(), o->activation_max());
}

kite_status PrepareConv2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckConv2D(ctx));
  const auto* o = ctx.options<schema::Conv2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  const int32_t out_c = w.shape.dims[0], groups = o->groups();
  ConvState* s = ctx.AllocateState<ConvState>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = ConvState{o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(),
                 o->pad_top(), o->pad_left(), groups, {}};
  KITE_RETURN_IF_ERROR(PrepareOutputTransform(ctx, x, w, bias, y, out_c, o->activation_min(),
                                              o->activation_max(), &s->transform));
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_INT8) {
    node.invoke = InvokeInt8;
    node.kernel_name = "reference/conv2d_int8";
  } else if (x.dtype == KITE_INT16 && w.dtype == KITE_INT16) {
    node.invoke = InvokeInt16<int16_t>;
    node.kernel_name = "reference/conv2d_16x16";
  } else if (x.dtype == KITE_INT16) {
    node.invoke = InvokeInt16<int8_t>;
    node.kernel_name = "reference/conv2d_16x8";
  } else {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/conv2d_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// ConvTranspose2D, NHWC, weights [out, kh, kw, in / groups] (the converter
// permutes ONNX's [in, out / groups, kh, kw]). Written as a gather: output
// (oy, ox) takes input (iy, ix) through tap (ky, kx) when
// oy = iy * stride - pad_top + ky * dilation. 16x8: int16 input and output,
// int8 weights, int64 accumulator.
#include <math.h>

#include "kernels/conv_params.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

constexpr int32_t kInput = 0;
constexpr int32_t kWeights = 1;
constexpr int32_t kBias = 2;

struct DeconvState {
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, groups;
  OutputTransform transform;
};

// The input index a tap reads for output `o`, or -1.
inline int32_t SourceIndex(int32_t o, int32_t k, int32_t stride, int32_t dilation, int32_t pad,
                           int32_t in) {
  const int32_t t = o + pad - k * dilation;
  if (t < 0 || t % stride != 0) return -1;
  const int32_t i = t / stride;
  return i < in ? i : -1;
}

template <typename T, typename W, typename Acc, typename Product, typename Finish>
void DeconvLoop(const Node& node, const Tensor* tensors, Product product, Finish finish) {
  const DeconvState& s = *static_cast<const DeconvState*>(node.state);
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
  T* out = y.As<T>();
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t g = oc / group_out;
          Acc acc = 0;
          for (int32_t ky = 0; ky < kernel_h; ++ky) {
            const int32_t iy = SourceIndex(oy, ky, s.stride_h, s.dilation_h, s.pad_top, in_h);
            if (iy < 0) continue;
            for (int32_t kx = 0; kx < kernel_w; ++kx) {
              const int32_t ix = SourceIndex(ox, kx, s.stride_w, s.dilation_w, s.pad_left, in_w);
              if (ix < 0) continue;
              const T* in_px = in + ((static_cast<int64_t>(n) * in_h + iy) * in_w + ix) * in_c +
                               g * group_in;
              const W* w_px = weights + ((static_cast<int64_t>(oc) * kernel_h + ky) * kernel_w +
                                         kx) * group_in;
              for (int32_t ic = 0; ic < group_in; ++ic) acc += product(in_px[ic], w_px[ic]);
            }
          }
          out[((static_cast<int64_t>(n) * out_h + oy) * out_w + ox) * out_c + oc] =
              finish(acc, oc);
        }
      }
    }
  }
}

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const OutputTransform& t = static_cast<const DeconvState*>(node.state)->transform;
  const float* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<float>() : nullptr;
  DeconvLoop<float, float, float>(
      node, tensors, [](float x, float w) { return x * w; },
      [&](float acc, int32_t c) { return FinishFloat(t, acc, bias, c); });
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const OutputTransform& t = static_cast<const DeconvState*>(node.state)->transform;
  const int32_t* bias =
      node.has_input(kBias) ? node.input(tensors, kBias).As<int32_t>() : nullptr;
  const int32_t zx = node.input(tensors, kInput).zero_point;
  DeconvLoop<int8_t, int8_t, int32_t>(
      node, tensors,
      [zx](int8_t x, int8_t w) { return (static_cast<int32_t>(x) - zx) * static_cast<int32_t>(w); },
      [&](int32_t acc, int32_t c) { return FinishInt8(t, acc, bias, c); });
}

template <typename W>
void InvokeInt16(const Node& node, const Tensor* tensors) {
  const OutputTransform& t = static_cast<const DeconvState*>(node.state)->transform;
  const int64_t* bias =
      node.has_input(kBias) ? node.input(tensors, kBias).As<int64_t>() : nullptr;
  DeconvLoop<int16_t, W, int64_t>(
      node, tensors, [](int16_t x, W w) { return int64_t{x} * w; },
      [&](int64_t acc, int32_t c) { return FinishInt16(t, acc, bias, c); });
}

}  // namespace

kite_status CheckConvTranspose2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 4, 1));
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "missing ConvTranspose2DOptions");
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  if (o->stride_h() < 1 || o->stride_w() < 1 || o->dilation_h() < 1 || o->dilation_w() < 1 ||
      o->pad_top() < 0 || o->pad_left() < 0 || o->pad_bottom() < 0 || o->pad_right() < 0 ||
      o->output_padding_h() < 0 || o->output_padding_w() < 0 ||
      o->output_padding_h() >= o->stride_h() || o->output_padding_w() >= o->stride_w()) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "strides and dilations must be >= 1, pads >= 0 and output padding in "
                    "[0, stride)");
  }
  KITE_RETURN_IF_ERROR(CheckGroupedWeights(ctx, x, w, o->groups()));
  KITE_RETURN_IF_ERROR(CheckPackedWeightsInput(ctx));
  const int32_t out_c = w.shape.dims[0];
  Shape expected;
  expected.rank = 4;
  expected.dims[0] = x.shape.dims[0];
  const int64_t out_h = int64_t{x.shape.dims[1] - 1} * o->stride_h() - o->pad_top() -
                        o->pad_bottom() + int64_t{o->dilation_h()} * (w.shape.dims[1] - 1) + 1 +
                        o->output_padding_h();
  const int64_t out_w = int64_t{x.shape.dims[2] - 1} * o->stride_w() - o->pad_left() -
                        o->pad_right() + int64_t{o->dilation_w()} * (w.shape.dims[2] - 1) + 1 +
                        o->output_padding_w();
  expected.dims[1] = out_h > 0 && out_h < INT32_MAX ? static_cast<int32_t>(out_h) : 0;
  expected.dims[2] = out_w > 0 && out_w < INT32_MAX ? static_cast<int32_t>(out_w) : 0;
  expected.dims[3] = out_c;
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  return CheckConvQuantization(ctx, x, w, bias, y, out_c, o->activation_min(), o->activation_max());
}

kite_status PrepareConvTranspose2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckConvTranspose2D(ctx));
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  const int32_t out_c = w.shape.dims[0], groups = o->groups();
  DeconvState* s = ctx.AllocateState<DeconvState>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = DeconvState{o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(),
                   o->pad_top(), o->pad_left(), groups, {}};
  KITE_RETURN_IF_ERROR(PrepareOutputTransform(ctx, x, w, bias, y, out_c, o->activation_min(),
                                              o->activation_max(), &s->transform));
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_INT8) {
    node.invoke = InvokeInt8;
    node.kernel_name = "reference/conv_transpose2d_int8";
  } else if (x.dtype == KITE_INT16 && w.dtype == KITE_INT16) {
    node.invoke = InvokeInt16<int16_t>;
    node.kernel_name = "reference/conv_transpose2d_16x16";
  } else if (x.dtype == KITE_INT16) {
    node.invoke = InvokeInt16<int8_t>;
    node.kernel_name = "reference/conv_transpose2d_16x8";
  } else {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/conv_transpose2d_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

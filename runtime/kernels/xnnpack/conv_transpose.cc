// ConvTranspose2D. float32: XNNPACK's deconvolution. int8: XNNPACK's
// deconvolution is qs8 here (one requantization scale), so per-channel int8
// runs as qc8 where the transpose does not overlap: kernel == stride, no
// padding, dilation 1, one group (PP-OCR's 2x2 stride-2 upsampling). Then
// every output pixel takes exactly one input pixel through one tap, and the
// op is a 1x1 convolution with kh * kw * out channels (tap-major) whose
// output rows are scattered into place: bit-exact with the reference.
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/conv_params.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {
namespace {

struct TapConvState {
  xnn_operator_t op;
  pthreadpool_t threadpool;
  const int8_t* taps;  // [in_h * in_w][kh][kw * out_c], the 1x1 convolution's output
  int32_t batch_rows;  // batch * in_h
  int32_t in_w, kh;
  int32_t run;  // kw * out_c: the bytes one input pixel gives one output row
};

void InvokeTapConv(const Node& node, const Tensor* tensors) {
  const TapConvState& s = *static_cast<const TapConvState*>(node.state);
  xnn_run_operator(s.op, s.threadpool);
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  const int8_t* taps = s.taps;
  const size_t row = static_cast<size_t>(s.in_w) * s.run;  // one output row
  for (int32_t r = 0; r < s.batch_rows; ++r) {
    for (int32_t ky = 0; ky < s.kh; ++ky) {
      int8_t* dst = out + (static_cast<size_t>(r) * s.kh + ky) * row;
      const int8_t* src = taps + (static_cast<size_t>(r) * s.in_w * s.kh + ky) * s.run;
      for (int32_t ix = 0; ix < s.in_w; ++ix) memcpy(dst + static_cast<size_t>(ix) * s.run, src + static_cast<size_t>(ix) * s.kh * s.run, s.run);
    }
  }
}

kite_status PrepareTapConvInt8(PrepareContext& ctx) {
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor* bias = ctx.node().has_input(2) ? &ctx.input(2) : nullptr;
  const Tensor& y = ctx.output(0);
  const int32_t out_c = w.shape.dims[0], kh = w.shape.dims[1], kw = w.shape.dims[2], in_c = w.shape.dims[3];
  if (!DeconvTapsDisjoint(*o, kh, kw)) {
    ctx.Decline("XNNPACK: int8 deconvolution only where taps do not overlap (kernel = stride, no padding)");
    return KITE_OK;  // overlapping taps: the reference
  }
  // Weights, scales and bias in tap-major channel order (ky, kx, oc).
  const int32_t channels = kh * kw * out_c;
  int8_t* weights = ctx.AllocateArray<int8_t>(static_cast<size_t>(channels) * in_c);
  float* scales = ctx.AllocateArray<float>(static_cast<size_t>(channels));
  int32_t* biases = bias != nullptr ? ctx.AllocateArray<int32_t>(static_cast<size_t>(channels)) : nullptr;
  const size_t pixels = static_cast<size_t>(x.shape.dims[0]) * x.shape.dims[1] * x.shape.dims[2];
  int8_t* taps = ctx.AllocateArray<int8_t>(pixels * static_cast<size_t>(channels));
  TapConvState* s = ctx.AllocateState<TapConvState>();
  if (weights == nullptr || scales == nullptr || (bias != nullptr && biases == nullptr) || taps == nullptr || s == nullptr) {
    return ctx.OutOfArena();
  }
  const int8_t* kite_weights = w.As<const int8_t>();  // [out_c, kh, kw, in_c]
  for (int32_t ky = 0; ky < kh; ++ky) {
    for (int32_t kx = 0; kx < kw; ++kx) {
      for (int32_t oc = 0; oc < out_c; ++oc) {
        const int32_t c = (ky * kw + kx) * out_c + oc;
        memcpy(weights + static_cast<size_t>(c) * in_c, kite_weights + ((static_cast<size_t>(oc) * kh + ky) * kw + kx) * in_c,
               static_cast<size_t>(in_c));
        scales[c] = w.channel_count == out_c ? w.channel_scales[oc] : w.scale;  // qc8: per channel
        if (biases != nullptr) biases[c] = bias->As<const int32_t>()[oc];
      }
    }
  }
  const QuantizedRange range = QuantizedActivationRange(o->activation_min(), o->activation_max(), y.scale, y.zero_point);
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_create_convolution2d_nhwc_qc8(
      0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, static_cast<size_t>(in_c), static_cast<size_t>(channels), static_cast<size_t>(in_c),
      static_cast<size_t>(channels), static_cast<int8_t>(x.zero_point), x.scale, scales, weights, biases,
      static_cast<int8_t>(y.zero_point), y.scale, static_cast<int8_t>(range.min), static_cast<int8_t>(range.max), 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_convolution2d_nhwc_qc8(op, x.shape.dims[0], x.shape.dims[1], x.shape.dims[2], Address<const int8_t>(x),
                                              taps, ThreadPool(ctx));
  }
  if (status == xnn_status_out_of_memory) return ctx.OutOfArena();
  if (status != xnn_status_success) return KITE_OK;
  *s = TapConvState{op, ThreadPool(ctx), taps, x.shape.dims[0] * x.shape.dims[1], x.shape.dims[2], kh, kw * out_c};
  Node& node = ctx.node();
  node.state = s;
  node.invoke = InvokeTapConv;
  node.kernel_name = "xnnpack/conv_transpose2d_qc8_taps";
  return KITE_OK;
}

}  // namespace

kite_status PrepareConvTranspose2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareConvTranspose2D(ctx));
  const Tensor& x = ctx.input(0);
  if (!Initialize(ctx)) return KITE_OK;
  if (x.dtype == KITE_INT8) return PrepareTapConvInt8(ctx);
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  const Tensor& w = ctx.input(1);
  const Tensor* bias = ctx.node().has_input(2) ? &ctx.input(2) : nullptr;
  const Tensor& y = ctx.output(0);
  const uint32_t groups = static_cast<uint32_t>(o->groups());
  const size_t group_in = static_cast<size_t>(w.shape.dims[3]);
  const size_t group_out = static_cast<size_t>(w.shape.dims[0]) / groups;
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  // Kite's weights [out, kh, kw, in / groups] are XNNPACK's
  // [groups, out / groups, kh, kw, in / groups]; ONNX pads crop the output
  // (XNNPACK's "output padding") and ONNX output_padding is its adjustment.
  xnn_status status = xnn_create_deconvolution2d_nhwc_f32(
      o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), w.shape.dims[1], w.shape.dims[2], o->stride_h(),
      o->stride_w(), o->dilation_h(), o->dilation_w(), groups, group_in, group_out, groups * group_in, groups * group_out,
      w.As<const float>(), bias != nullptr ? bias->As<const float>() : nullptr, o->activation_min(), o->activation_max(), 0,
      &op);
  if (status == xnn_status_success) {
    status = xnn_setup_deconvolution2d_nhwc_f32(op, x.shape.dims[0], x.shape.dims[1], x.shape.dims[2], o->output_padding_h(),
                                                o->output_padding_w(), Address<const float>(x), Address<float>(y),
                                                ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, "xnnpack/deconvolution2d_f32");
}

}  // namespace xnnpack
}  // namespace kite

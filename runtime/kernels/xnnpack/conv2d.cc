#include <xnnpack.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {

kite_status PrepareConv2D(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareConv2D(ctx));
  if (!Initialize(ctx)) return KITE_OK;
  const auto* o = ctx.options<schema::Conv2DOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor* bias = ctx.node().has_input(2) ? &ctx.input(2) : nullptr;
  const Tensor& y = ctx.output(0);
  const uint32_t groups = static_cast<uint32_t>(o->groups());
  const size_t group_in = static_cast<size_t>(w.shape.dims[3]);
  const size_t group_out = static_cast<size_t>(w.shape.dims[0]) / groups;
  xnn_operator_t op = nullptr;
  xnn_status status;
  ArenaScope arena(ctx.tail());
  if (x.dtype == KITE_FLOAT32) {
    status = xnn_create_convolution2d_nhwc_f32(
        o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), w.shape.dims[1], w.shape.dims[2],
        o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), groups, group_in, group_out,
        groups * group_in, groups * group_out, w.As<const float>(), bias != nullptr ? bias->As<const float>() : nullptr,
        o->activation_min(), o->activation_max(), 0, &op);
    if (status == xnn_status_success) {
      status = xnn_setup_convolution2d_nhwc_f32(op, x.shape.dims[0], x.shape.dims[1], x.shape.dims[2],
                                                Address<const float>(x), Address<float>(y), ThreadPool(ctx));
    }
  } else {
    const float* scales = ChannelScales(ctx, w, w.shape.dims[0]);
    if (scales == nullptr) return ctx.OutOfArena();
    const QuantizedRange range = QuantizedActivationRange(o->activation_min(), o->activation_max(), y.scale, y.zero_point);
    status = xnn_create_convolution2d_nhwc_qc8(
        o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), w.shape.dims[1], w.shape.dims[2],
        o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), groups, group_in, group_out,
        groups * group_in, groups * group_out, static_cast<int8_t>(x.zero_point), x.scale, scales, w.As<const int8_t>(),
        bias != nullptr ? bias->As<const int32_t>() : nullptr, static_cast<int8_t>(y.zero_point), y.scale,
        static_cast<int8_t>(range.min), static_cast<int8_t>(range.max), 0, &op);
    if (status == xnn_status_success) {
      status = xnn_setup_convolution2d_nhwc_qc8(op, x.shape.dims[0], x.shape.dims[1], x.shape.dims[2],
                                                Address<const int8_t>(x), Address<int8_t>(y), ThreadPool(ctx));
    }
  }
  return Adopt(ctx, status, op, x.dtype == KITE_FLOAT32 ? "xnnpack/conv2d_f32" : "xnnpack/conv2d_qc8");
}

}  // namespace xnnpack
}  // namespace kite

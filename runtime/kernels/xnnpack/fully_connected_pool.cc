#include <math.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {

kite_status PrepareFullyConnected(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareFullyConnected(ctx));
  const Tensor& x = ctx.input(0);
  if (!Initialize(ctx)) return KITE_OK;
  const Tensor& w = ctx.input(1);
  const Tensor* bias = ctx.node().has_input(2) ? &ctx.input(2) : nullptr;
  const Tensor& y = ctx.output(0);
  const auto* o = ctx.options<schema::FullyConnectedOptions>();
  const float act_min = o != nullptr ? o->activation_min() : -INFINITY, act_max = o != nullptr ? o->activation_max() : INFINITY;
  const size_t out_c = static_cast<size_t>(w.shape.dims[0]), in_c = static_cast<size_t>(w.shape.dims[1]);
  const size_t rows = in_c > 0 ? static_cast<size_t>(x.elements()) / in_c : 0;
  xnn_operator_t op = nullptr;
  if (x.dtype == KITE_INT8) {
    // This XNNPACK's int8 FC is qs8 (one scale); Kite runs every int8 matrix
    // product per channel (qc8) for bit-exact results: as a 1x1 convolution
    // over a 1 x rows image, whose weights [out, 1, 1, in] are the FC's bytes.
    const float* scales = ChannelScales(ctx, w, w.shape.dims[0]);
    if (scales == nullptr) return ctx.OutOfArena();
    const QuantizedRange range = QuantizedActivationRange(act_min, act_max, y.scale, y.zero_point);
    ArenaScope arena(ctx.tail());
    xnn_status status = xnn_create_convolution2d_nhwc_qc8(
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, in_c, out_c, in_c, out_c, static_cast<int8_t>(x.zero_point), x.scale, scales,
        w.As<const int8_t>(), bias != nullptr ? bias->As<const int32_t>() : nullptr, static_cast<int8_t>(y.zero_point),
        y.scale, static_cast<int8_t>(range.min), static_cast<int8_t>(range.max), 0, &op);
    if (status == xnn_status_success) {
      status = xnn_setup_convolution2d_nhwc_qc8(op, 1, 1, rows, Address<const int8_t>(x), Address<int8_t>(y), ThreadPool(ctx));
    }
    return Adopt(ctx, status, op, "xnnpack/fully_connected_qc8");
  }
  ArenaScope arena(ctx.tail());
  xnn_status status = xnn_create_fully_connected_nc_f32(
      in_c, out_c, in_c, out_c, w.As<const float>(), bias != nullptr ? bias->As<const float>() : nullptr,
      act_min, act_max, 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_fully_connected_nc_f32(op, rows, Address<const float>(x),
                                              Address<float>(y), ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, "xnnpack/fully_connected_f32");
}

kite_status PrepareGlobalAveragePool(PrepareContext& ctx) {
  // int8 keeps Kite's float requantization of the exact sum (XNNPACK's qs8
  // differs): Kite's own kernel.
  if (ctx.node().has_input(0) && ctx.input(0).dtype == KITE_INT8) return optimized::PrepareGlobalAveragePoolInt8(ctx);
  KITE_RETURN_IF_ERROR(reference::PrepareGlobalAveragePool(ctx));
  const Tensor& x = ctx.input(0);
  if (!Initialize(ctx)) return KITE_OK;
  const Tensor& y = ctx.output(0);
  const size_t channels = static_cast<size_t>(x.shape.dims[3]);
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_create_global_average_pooling_nwc_f32(channels, channels, channels, -INFINITY, INFINITY, 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_global_average_pooling_nwc_f32(op, static_cast<size_t>(x.shape.dims[0]),
                                                      static_cast<size_t>(x.shape.dims[1]) * x.shape.dims[2],
                                                      Address<const float>(x), Address<float>(y), ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, "xnnpack/global_average_pool_f32");
}

}  // namespace xnnpack
}  // namespace kite

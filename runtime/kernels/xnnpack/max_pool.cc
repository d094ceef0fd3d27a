#include <math.h>

#include "core/error.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {

kite_status PreparePool2D(PrepareContext& ctx) {
  // int8: Kite's own kernel (XNNPACK's s8 max pool keeps an indirection
  // buffer of a pointer per output pixel and tap in the arena).
  if (ctx.node().has_input(0) && ctx.input(0).dtype == KITE_INT8) return optimized::PrepareMaxPoolInt8(ctx);
  KITE_RETURN_IF_ERROR(reference::PreparePool2D(ctx));
  // MaxPool only: padded positions are ignored in both (ONNX's -inf padding).
  if (ctx.node().op->opcode() != schema::OpCode_MAX_POOL_2D) {
    ctx.Decline("XNNPACK: average pooling runs the reference");
    return KITE_OK;
  }
  if (!Initialize(ctx)) return KITE_OK;
  const auto* o = ctx.options<schema::Pool2DOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const size_t channels = static_cast<size_t>(x.shape.dims[3]);
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_create_max_pooling2d_nhwc_f32(
      o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), o->kernel_h(), o->kernel_w(), o->stride_h(),
      o->stride_w(), o->dilation_h(), o->dilation_w(), channels, channels, channels, -INFINITY, INFINITY, 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_max_pooling2d_nhwc_f32(op, x.shape.dims[0], x.shape.dims[1], x.shape.dims[2],
                                              Address<const float>(x), Address<float>(y), ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, "xnnpack/max_pool2d_f32");
}

}  // namespace xnnpack
}  // namespace kite

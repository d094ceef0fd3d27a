// Element-wise functions of one input and Softmax, float32, on XNNPACK.
#include <math.h>

#include "core/error.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {

kite_status PrepareUnary(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareUnary(ctx));
  const Tensor& x = ctx.input(0);
  // int8 element-wise functions are Kite's 256-entry tables.
  if (x.dtype != KITE_FLOAT32) return optimized::UseFastInt8Table(ctx);
  if (!Initialize(ctx)) return KITE_OK;
  const Tensor& y = ctx.output(0);
  const size_t channels = x.shape.rank > 0 ? static_cast<size_t>(x.shape.dims[x.shape.rank - 1]) : 1;
  const size_t batch = channels > 0 ? static_cast<size_t>(x.elements()) / channels : 0;
  const float* in = Address<const float>(x);
  float* out = Address<float>(y);
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status;
  const char* name;
  switch (ctx.node().op->opcode()) {
    case schema::OpCode_HARD_SWISH:
      status = xnn_create_hardswish_nc_f32(channels, channels, channels, 0, &op);
      if (status == xnn_status_success) status = xnn_setup_hardswish_nc_f32(op, batch, in, out, ThreadPool(ctx));
      name = "xnnpack/hardswish_f32";
      break;
    case schema::OpCode_RELU:
    case schema::OpCode_CLIP: {
      float lo = 0.0f, hi = INFINITY;
      if (const auto* o = ctx.options<schema::ClipOptions>()) {
        lo = o->min();
        hi = o->max();
      } else if (ctx.node().op->opcode() == schema::OpCode_CLIP) {
        lo = -INFINITY;
      }
      status = xnn_create_clamp_nc_f32(channels, channels, channels, lo, hi, 0, &op);
      if (status == xnn_status_success) status = xnn_setup_clamp_nc_f32(op, batch, in, out, ThreadPool(ctx));
      name = "xnnpack/clamp_f32";
      break;
    }
    case schema::OpCode_SIGMOID:
      status = xnn_create_sigmoid_nc_f32(channels, channels, channels, 0, &op);
      if (status == xnn_status_success) status = xnn_setup_sigmoid_nc_f32(op, batch, in, out, ThreadPool(ctx));
      name = "xnnpack/sigmoid_f32";
      break;
    case schema::OpCode_LEAKY_RELU: {
      const auto* o = ctx.options<schema::LeakyReluOptions>();
      status = xnn_create_leaky_relu_nc_f32(channels, channels, channels, o != nullptr ? o->alpha() : 0.01f, 0, &op);
      if (status == xnn_status_success) status = xnn_setup_leaky_relu_nc_f32(op, batch, in, out, ThreadPool(ctx));
      name = "xnnpack/leaky_relu_f32";
      break;
    }
    default:
      ctx.Decline("XNNPACK: no float kernel for this op");
      return KITE_OK;  // HardSigmoid, Tanh, Sqrt: the reference
  }
  return Adopt(ctx, status, op, name);
}

kite_status PrepareSoftmax(PrepareContext& ctx) {
  if (ctx.node().has_input(0) && ctx.input(0).dtype == KITE_INT8) return optimized::PrepareSoftmaxInt8(ctx);
  KITE_RETURN_IF_ERROR(reference::PrepareSoftmax(ctx));
  const Tensor& x = ctx.input(0);
  const auto* o = ctx.options<schema::SoftmaxOptions>();
  const int32_t axis = o != nullptr ? o->axis() : -1;
  // XNNPACK normalizes the innermost dimension only.
  if (axis != -1 && axis != x.shape.rank - 1) {
    ctx.Decline("XNNPACK: softmax over an axis that is not the last");
    return KITE_OK;
  }
  if (x.shape.rank == 0 || !Initialize(ctx)) return KITE_OK;
  const size_t channels = static_cast<size_t>(x.shape.dims[x.shape.rank - 1]);
  const size_t batch = channels > 0 ? static_cast<size_t>(x.elements()) / channels : 0;
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_create_softmax_nc_f32(channels, channels, channels, 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_softmax_nc_f32(op, batch, Address<const float>(x), Address<float>(ctx.output(0)), ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, "xnnpack/softmax_f32");
}

}  // namespace xnnpack
}  // namespace kite

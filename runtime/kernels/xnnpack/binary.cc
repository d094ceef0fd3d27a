#include <math.h>

#include "core/error.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/xnnpack/xnnpack_allocator.h"
#include "kernels/xnnpack/xnnpack_kernels.h"
#include "kernels/xnnpack/xnnpack_operator.h"

namespace kite {
namespace xnnpack {

kite_status PrepareBinary(PrepareContext& ctx) {
  // The dtype decides the kernel before the reference prepare has checked
  // the arity: input 0 may be absent in a bad file.
  if (ctx.node().has_input(0) && ctx.input(0).dtype == KITE_INT8) return optimized::PrepareBinaryInt8(ctx);
  KITE_RETURN_IF_ERROR(reference::PrepareBinary(ctx));
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  if (!Initialize(ctx)) return KITE_OK;
  const auto opcode = ctx.node().op->opcode();
  const auto* o = ctx.options<schema::BinaryOptions>();
  const float lo = o != nullptr ? o->activation_min() : -INFINITY, hi = o != nullptr ? o->activation_max() : INFINITY;
  size_t a_shape[KITE_MAX_RANK], b_shape[KITE_MAX_RANK];
  for (int32_t d = 0; d < a.shape.rank; ++d) a_shape[d] = static_cast<size_t>(a.shape.dims[d]);
  for (int32_t d = 0; d < b.shape.rank; ++d) b_shape[d] = static_cast<size_t>(b.shape.dims[d]);
  ArenaScope arena(ctx.tail());
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_status_unsupported_parameter;
  const char* name = "";
  using Create = xnn_status (*)(float, float, uint32_t, xnn_operator_t*);
  using Setup = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*, const float*, const float*,
                               float*, pthreadpool_t);
  Create create = nullptr;
  Setup setup = nullptr;
  switch (opcode) {
    case schema::OpCode_ADD: create = xnn_create_add_nd_f32; setup = xnn_setup_add_nd_f32; name = "xnnpack/add_f32"; break;
    case schema::OpCode_SUB: create = xnn_create_subtract_nd_f32; setup = xnn_setup_subtract_nd_f32; name = "xnnpack/subtract_f32"; break;
    case schema::OpCode_MUL: create = xnn_create_multiply_nd_f32; setup = xnn_setup_multiply_nd_f32; name = "xnnpack/multiply_f32"; break;
    case schema::OpCode_DIV: create = xnn_create_divide_nd_f32; setup = xnn_setup_divide_nd_f32; name = "xnnpack/divide_f32"; break;
    default: ctx.Decline("XNNPACK: no float kernel for this op"); return KITE_OK;  // Equal: reference
  }
  status = create(lo, hi, 0, &op);
  if (status == xnn_status_success) {
    status = setup(op, static_cast<size_t>(a.shape.rank), a_shape, static_cast<size_t>(b.shape.rank), b_shape,
                   Address<const float>(a), Address<const float>(b), Address<float>(y), ThreadPool(ctx));
  }
  return Adopt(ctx, status, op, name);
}

}  // namespace xnnpack
}  // namespace kite

// Reshape: the output's shape is the new shape; the bytes do not change. When
// the plan puts the output over its input (in place), there is nothing to do.
#include <string.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

void Invoke(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  if (x.data != y.data) memcpy(y.data, x.data, x.bytes);
}

}  // namespace

kite_status PrepareReshape(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  if (x.elements() != y.elements()) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "input has %lld elements, output %lld",
                    static_cast<long long>(x.elements()), static_cast<long long>(y.elements()));
  }
  KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  Node& node = ctx.node();
  node.invoke = Invoke;
  node.kernel_name = "reference/reshape";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

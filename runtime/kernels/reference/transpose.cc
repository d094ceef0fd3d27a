// Transpose: output dimension i is input dimension perm[i].
#include <inttypes.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

void Invoke(const Node& node, const Tensor* tensors) {
  const StridedBox& box = *static_cast<const StridedBox*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  StridedCopyBytes(box, DtypeSize(x.dtype), x.data, node.output(tensors, 0).data);
}

}  // namespace

kite_status PrepareTranspose(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::TransposeOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  if (o == nullptr || o->perm() == nullptr || static_cast<int32_t>(o->perm()->size()) != rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "TransposeOptions need a permutation of %" PRId32 " axes",
                    rank);
  }
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8 && x.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32, int8 or int16");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  bool seen[KITE_MAX_RANK] = {};
  Shape expected;
  expected.rank = rank;
  for (int32_t i = 0; i < rank; ++i) {
    const int32_t p = o->perm()->Get(i);
    if (p < 0 || p >= rank || seen[p]) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "perm is not a permutation of 0..%" PRId32, rank - 1);
    }
    seen[p] = true;
    expected.dims[i] = x.shape.dims[p];
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  StridedBox* box = ctx.AllocateState<StridedBox>();
  if (box == nullptr) return ctx.OutOfArena();
  int64_t in_strides[KITE_MAX_RANK];
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= x.shape.dims[d];
  }
  const int32_t lead = KITE_MAX_RANK - rank;
  int64_t out_stride = 1;
  for (int32_t d = KITE_MAX_RANK - 1; d >= 0; --d) {
    if (d < lead) {
      box->dims[d] = 1;
      box->src_strides[d] = 0;
      box->dst_strides[d] = 0;
      continue;
    }
    box->dims[d] = y.shape.dims[d - lead];
    box->src_strides[d] = in_strides[o->perm()->Get(d - lead)];
    box->dst_strides[d] = out_stride;
    out_stride *= y.shape.dims[d - lead];
  }
  *box = CoalesceBox(*box);
  Node& node = ctx.node();
  node.state = box;
  node.invoke = Invoke;
  node.kernel_name = "reference/transpose";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Slice: output element i along dimension d reads input element
// begin[d] + i * step[d] (step may be negative, never zero). The converter
// resolves ONNX's clamped starts/ends; prepare checks every read is in range.
#include <inttypes.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

struct SliceState {
  StridedBox box;
  int64_t src_offset;
};

void Invoke(const Node& node, const Tensor* tensors) {
  const SliceState& s = *static_cast<const SliceState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const size_t es = DtypeSize(x.dtype);
  StridedCopyBytes(s.box, es, x.data + static_cast<size_t>(s.src_offset) * es,
                   node.output(tensors, 0).data);
}

}  // namespace

kite_status PrepareSlice(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::SliceOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  if (o == nullptr || o->begin() == nullptr || o->step() == nullptr ||
      static_cast<int32_t>(o->begin()->size()) != rank ||
      static_cast<int32_t>(o->step()->size()) != rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "SliceOptions need %" PRId32 " begins and steps", rank);
  }
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8 && x.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32, int8 or int16");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckRank(ctx, y, rank, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  SliceState* s = ctx.AllocateState<SliceState>();
  if (s == nullptr) return ctx.OutOfArena();
  const int32_t lead = KITE_MAX_RANK - rank;
  int64_t stride = 1;
  int64_t out_stride = 1;
  s->src_offset = 0;
  for (int32_t d = KITE_MAX_RANK - 1; d >= 0; --d) {
    if (d < lead) {
      s->box.dims[d] = 1;
      s->box.src_strides[d] = 0;
      s->box.dst_strides[d] = 0;
      continue;
    }
    const int32_t k = d - lead;
    const int32_t begin = o->begin()->Get(k), step = o->step()->Get(k);
    const int32_t count = y.shape.dims[k], extent = x.shape.dims[k];
    const int64_t last = int64_t{begin} + int64_t{count - 1} * step;
    if (step == 0 || begin < 0 || begin >= extent || last < 0 || last >= extent) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                      "dimension %" PRId32 ": %" PRId32 " elements from %" PRId32 " by step %" PRId32 " leave [0, %" PRId32 ")", k, count,
                      begin, step, extent);
    }
    s->box.dims[d] = count;
    s->box.src_strides[d] = stride * step;
    s->box.dst_strides[d] = out_stride;
    s->src_offset += stride * begin;
    stride *= extent;
    out_stride *= count;
  }
  s->box = CoalesceBox(s->box);
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "reference/slice";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

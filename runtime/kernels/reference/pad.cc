// Constant Pad on any dimensions (pads >= 0; the converter turns negative
// ONNX pads into a Slice). int8 pads with the value quantized with the
// output's parameters, which must equal the input's.
#include <inttypes.h>

#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

struct PadState {
  StridedBox interior;    // the input, copied into the output
  int64_t interior_offset;  // elements
  float value;
  int8_t value_int8;
};

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const PadState& s = *static_cast<const PadState*>(node.state);
  const Tensor& y = node.output(tensors, 0);
  float* out = y.As<float>();
  for (int64_t i = 0, n = y.elements(); i < n; ++i) out[i] = s.value;
  StridedCopy(s.interior, node.input(tensors, 0).As<float>(), out + s.interior_offset);
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const PadState& s = *static_cast<const PadState*>(node.state);
  const Tensor& y = node.output(tensors, 0);
  int8_t* out = y.As<int8_t>();
  for (int64_t i = 0, n = y.elements(); i < n; ++i) out[i] = s.value_int8;
  StridedCopy(s.interior, node.input(tensors, 0).As<int8_t>(), out + s.interior_offset);
}

}  // namespace

kite_status PreparePad(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::PadOptions>();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int32_t rank = x.shape.rank;
  if (o == nullptr || o->pads_begin() == nullptr || o->pads_end() == nullptr ||
      static_cast<int32_t>(o->pads_begin()->size()) != rank ||
      static_cast<int32_t>(o->pads_end()->size()) != rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "PadOptions need %" PRId32 " begin and end pads", rank);
  }
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32 or int8");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  Shape expected = x.shape;
  for (int32_t d = 0; d < rank; ++d) {
    const int32_t begin = o->pads_begin()->Get(d), end = o->pads_end()->Get(d);
    if (begin < 0 || end < 0 || begin > (1 << 24) || end > (1 << 24)) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "pads on dimension %" PRId32 " must be in [0, 2^24]", d);
    }
    expected.dims[d] = x.shape.dims[d] + begin + end;
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  PadState* s = ctx.AllocateState<PadState>();
  if (s == nullptr) return ctx.OutOfArena();
  PadToMaxRank(x.shape, s->interior.dims);
  DenseStrides(x.shape, s->interior.src_strides);
  int64_t out_strides[KITE_MAX_RANK];
  // Dense strides without the zero for size-1 dimensions: pads may grow them.
  int64_t stride = 1;
  int32_t out_dims[KITE_MAX_RANK];
  PadToMaxRank(y.shape, out_dims);
  for (int32_t d = KITE_MAX_RANK - 1; d >= 0; --d) {
    out_strides[d] = stride;
    stride *= out_dims[d];
  }
  s->interior_offset = 0;
  const int32_t lead = KITE_MAX_RANK - rank;
  for (int32_t d = 0; d < KITE_MAX_RANK; ++d) {
    s->interior.dst_strides[d] = out_strides[d];
    if (d >= lead) s->interior_offset += int64_t{o->pads_begin()->Get(d - lead)} * out_strides[d];
  }
  s->interior = CoalesceBox(s->interior);
  s->value = o->value();
  Node& node = ctx.node();
  node.state = s;
  if (x.dtype == KITE_INT8) {
    s->value_int8 = QuantizeToInt8(o->value(), y.scale, y.zero_point);
    node.invoke = InvokeInt8;
    node.kernel_name = "reference/pad_int8";
  } else {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/pad_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

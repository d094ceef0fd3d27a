// Gather: output[outer, i..., inner] = data[outer, indices[i...], inner] along
// GatherOptions.axis (ONNX Gather). GatherElements: output[outer, i, inner] =
// data[outer, indices[outer, i, inner], inner], the output of the indices'
// shape. Data is float32, int8 or int16 (codes move; input and output share
// quantization); indices are int32, int64 or float32 holding whole numbers
// (Kite computes integers as float32), and a negative index counts from the
// end. An index outside the axis, which ONNX leaves undefined, gives zeros
// (the zero point) rather than a read outside the tensor: invoke cannot fail.
#include <math.h>
#include <string.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct GatherState {
  int64_t outer, axis_len, inner, count;  // count: indices
  size_t element_bytes;
  uint8_t zero;  // the byte pattern of zero: 0, or an int8 zero point
};

int64_t IndexAt(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case KITE_INT32: return t.As<int32_t>()[i];
    case KITE_INT64: return t.As<int64_t>()[i];
    default: {
      const float f = t.As<float>()[i];
      // Outside int64's range or not whole: never a valid index.
      return isfinite(f) && fabsf(f) < 9.0e18f && f == floorf(f) ? static_cast<int64_t>(f) : INT64_MIN;
    }
  }
}

// Index i of `indices` in [0, len), or -1 when it falls outside the axis.
int64_t WrappedIndex(const Tensor& indices, int64_t i, int64_t len) {
  int64_t k = IndexAt(indices, i);
  if (k < 0 && k >= -len) k += len;
  return k >= 0 && k < len ? k : -1;
}

void Invoke(const Node& node, const Tensor* tensors) {
  const GatherState& s = *static_cast<const GatherState*>(node.state);
  const Tensor& data = node.input(tensors, 0);
  const Tensor& indices = node.input(tensors, 1);
  uint8_t* out = node.output(tensors, 0).data;
  const size_t row = static_cast<size_t>(s.inner) * s.element_bytes;
  for (int64_t o = 0; o < s.outer; ++o) {
    const uint8_t* src = data.data + static_cast<size_t>(o * s.axis_len) * row;
    for (int64_t i = 0; i < s.count; ++i, out += row) {
      const int64_t k = WrappedIndex(indices, i, s.axis_len);
      if (k >= 0) {
        memcpy(out, src + static_cast<size_t>(k) * row, row);
      } else {
        memset(out, s.zero, row);
      }
    }
  }
}

// GatherElements: s.outer, s.count (the indices' length along the axis) and
// s.inner describe the indices (and output); s.axis_len the data's axis.
void InvokeElements(const Node& node, const Tensor* tensors) {
  const GatherState& s = *static_cast<const GatherState*>(node.state);
  const Tensor& data = node.input(tensors, 0);
  const Tensor& indices = node.input(tensors, 1);
  uint8_t* out = node.output(tensors, 0).data;
  const size_t es = s.element_bytes;
  int64_t i = 0;
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t a = 0; a < s.count; ++a)
      for (int64_t in = 0; in < s.inner; ++in, ++i) {
        const int64_t k = WrappedIndex(indices, i, s.axis_len);
        if (k >= 0) {
          memcpy(out + i * es, data.data + static_cast<size_t>((o * s.axis_len + k) * s.inner + in) * es, es);
        } else {
          memset(out + i * es, s.zero, es);
        }
      }
}

// The checks both ops make of data, indices and axis.
kite_status CheckGather(PrepareContext& ctx, int32_t* axis) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 2, 1));
  const auto* o = ctx.options<schema::GatherOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "GatherOptions are missing");
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (data.dtype != KITE_FLOAT32 && data.dtype != KITE_INT8 && data.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "data must be float32, int8 or int16");
  }
  if (indices.dtype != KITE_INT32 && indices.dtype != KITE_INT64 && indices.dtype != KITE_FLOAT32) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "indices must be int32, int64 or float32");
  }
  *axis = o->axis();
  if (data.shape.rank < 1 || *axis < 0 || *axis >= data.shape.rank) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "axis %d is outside the data's rank %d", *axis, data.shape.rank);
  }
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, data.dtype, "output"));
  if (data.dtype != KITE_FLOAT32) {
    KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, data, "data"));
    KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, data, y));
  }
  return KITE_OK;
}

// The state both ops share, its element size and zero filled in (int16 is
// symmetric: its zero is the zero byte pattern); nullptr when out of arena.
GatherState* NewState(PrepareContext& ctx, const Tensor& data) {
  GatherState* s = ctx.AllocateState<GatherState>();
  if (s == nullptr) return nullptr;
  s->element_bytes = DtypeSize(data.dtype);
  s->zero = data.dtype == KITE_INT8 ? static_cast<uint8_t>(static_cast<int8_t>(data.zero_point)) : 0;
  return s;
}

}  // namespace

kite_status PrepareGather(PrepareContext& ctx) {
  int32_t axis = 0;
  KITE_RETURN_IF_ERROR(CheckGather(ctx, &axis));
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& y = ctx.output(0);
  if (data.shape.rank - 1 + indices.shape.rank > KITE_MAX_RANK) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "the output's rank would exceed %d", KITE_MAX_RANK);
  }
  Shape expected;
  expected.rank = data.shape.rank - 1 + indices.shape.rank;
  int32_t d = 0;
  for (int32_t i = 0; i < axis; ++i) expected.dims[d++] = data.shape.dims[i];
  for (int32_t i = 0; i < indices.shape.rank; ++i) expected.dims[d++] = indices.shape.dims[i];
  for (int32_t i = axis + 1; i < data.shape.rank; ++i) expected.dims[d++] = data.shape.dims[i];
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  GatherState* s = NewState(ctx, data);
  if (s == nullptr) return ctx.OutOfArena();
  SplitAroundAxis(data.shape, axis, &s->outer, &s->axis_len, &s->inner);
  s->count = indices.elements();
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "reference/gather";
  return KITE_OK;
}

kite_status PrepareGatherElements(PrepareContext& ctx) {
  int32_t axis = 0;
  KITE_RETURN_IF_ERROR(CheckGather(ctx, &axis));
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, ctx.output(0), indices.shape, "output"));
  // The same rank, and the data's dimensions off the axis (numpy's take_along_axis).
  bool fits = indices.shape.rank == data.shape.rank;
  for (int32_t i = 0; fits && i < data.shape.rank; ++i) fits = i == axis || indices.shape.dims[i] == data.shape.dims[i];
  if (!fits) {
    char sd[96], si[96];
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "indices %s do not match data %s off axis %d",
                    FormatShape(indices.shape, si, sizeof(si)), FormatShape(data.shape, sd, sizeof(sd)), axis);
  }
  GatherState* s = NewState(ctx, data);
  if (s == nullptr) return ctx.OutOfArena();
  int64_t data_outer, data_inner;
  SplitAroundAxis(data.shape, axis, &data_outer, &s->axis_len, &data_inner);
  SplitAroundAxis(indices.shape, axis, &s->outer, &s->count, &s->inner);
  Node& node = ctx.node();
  node.state = s;
  node.invoke = InvokeElements;
  node.kernel_name = "reference/gather_elements";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

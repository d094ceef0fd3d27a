#include "kernels/kernel_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

namespace kite {

kite_status PrepareContext::Fail(kite_status status, const char* format, ...) {
  if (message_ == nullptr || message_size_ == 0) return status;
  const schema::Operator* op = node_->op;
  const char* source = op->source_node() != nullptr ? op->source_node()->c_str() : "";
  int written = snprintf(message_, message_size_, "operator %" PRId32 " (%s, node '%s'): ", node_index_,
                         schema::EnumNameOpCode(op->opcode()), source);
  if (written < 0 || static_cast<size_t>(written) >= message_size_) return status;
  va_list args;
  va_start(args, format);
  vsnprintf(message_ + written, message_size_ - static_cast<size_t>(written), format, args);
  va_end(args);
  return status;
}

kite_status PrepareContext::OutOfArena() {
  return Fail(KITE_ERROR_ARENA_TOO_SMALL, "arena too small for the kernel's state");
}

const char* DtypeName(kite_dtype dtype) {
  switch (dtype) {
    case KITE_FLOAT32: return "float32";
    case KITE_INT8: return "int8";
    case KITE_INT32: return "int32";
    case KITE_INT16: return "int16";
    case KITE_INT64: return "int64";
    case KITE_UINT8: return "uint8";
    case KITE_BOOL: return "bool";
  }
  return "unknown";
}

const char* FormatShape(const Shape& shape, char* buf, size_t size) {
  size_t used = 0;
  used += static_cast<size_t>(snprintf(buf, size, "["));
  for (int32_t i = 0; i < shape.rank && used < size; ++i) {
    used += static_cast<size_t>(
        snprintf(buf + used, size - used, i == 0 ? "%" PRId32 : ",%" PRId32, shape.dims[i]));
  }
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

kite_status MarkAxes(PrepareContext& ctx, const flatbuffers::Vector<int32_t>* axes, int32_t rank,
                     bool reduced[KITE_MAX_RANK]) {
  if (axes == nullptr || axes->size() == 0) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "the options need at least one axis");
  for (int32_t d = 0; d < KITE_MAX_RANK; ++d) reduced[d] = false;
  for (uint32_t i = 0; i < axes->size(); ++i) {
    int32_t a = axes->Get(i);
    if (a < 0) a += rank;
    if (a < 0 || a >= rank || reduced[a]) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "axis %" PRId32 " out of range or repeated", axes->Get(i));
    }
    reduced[a] = true;
  }
  return KITE_OK;
}

void SplitAroundAxis(const Shape& shape, int32_t axis, int64_t* outer, int64_t* len, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int32_t d = 0; d < axis; ++d) *outer *= shape.dims[d];
  for (int32_t d = axis + 1; d < shape.rank; ++d) *inner *= shape.dims[d];
  *len = shape.dims[axis];
}

kite_status CheckArity(PrepareContext& ctx, int32_t min_inputs, int32_t max_inputs,
                       int32_t outputs) {
  Node& node = ctx.node();
  if (node.num_inputs < min_inputs || node.num_inputs > max_inputs) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "has %" PRId32 " inputs, expected %" PRId32 " to %" PRId32,
                    node.num_inputs, min_inputs, max_inputs);
  }
  for (int32_t i = 0; i < min_inputs; ++i) {
    if (node.inputs[i] < 0) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "required input %" PRId32 " is absent", i);
    }
  }
  if (outputs >= 0 && node.num_outputs != outputs) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "has %" PRId32 " outputs, expected %" PRId32, node.num_outputs,
                    outputs);
  }
  return KITE_OK;
}

kite_status CheckDtype(PrepareContext& ctx, const Tensor& t, kite_dtype dtype,
                       const char* what) {
  if (t.dtype == dtype) return KITE_OK;
  return ctx.Fail(KITE_ERROR_MODEL_INVALID, "%s is %s, expected %s", what, DtypeName(t.dtype),
                  DtypeName(dtype));
}

kite_status CheckPerTensor(PrepareContext& ctx, const Tensor& t, const char* what) {
  if (t.dtype != KITE_INT8 && t.dtype != KITE_INT16) return KITE_OK;
  if (t.channel_count != 1) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "%s must be quantized per tensor, it has %" PRId32 " scales", what, t.channel_count);
  }
  return KITE_OK;
}

kite_status CheckRank(PrepareContext& ctx, const Tensor& t, int32_t rank, const char* what) {
  if (t.shape.rank == rank) return KITE_OK;
  return ctx.Fail(KITE_ERROR_MODEL_INVALID, "%s has rank %" PRId32 ", expected %" PRId32, what, t.shape.rank,
                  rank);
}

kite_status CheckShapeEquals(PrepareContext& ctx, const Tensor& t, const Shape& expected,
                             const char* what) {
  if (t.shape == expected) return KITE_OK;
  char have[96];
  char want[96];
  return ctx.Fail(KITE_ERROR_MODEL_INVALID, "%s has shape %s, expected %s", what,
                  FormatShape(t.shape, have, sizeof(have)),
                  FormatShape(expected, want, sizeof(want)));
}

kite_status CheckSameQuantization(PrepareContext& ctx, const Tensor& a, const Tensor& b) {
  if (a.dtype != KITE_INT8 && a.dtype != KITE_INT16) return KITE_OK;
  if (a.scale == b.scale && a.zero_point == b.zero_point) return KITE_OK;
  return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                  "input and output must share quantization: (%g, %" PRId32 ") vs (%g, %" PRId32 ")",
                  static_cast<double>(a.scale), a.zero_point, static_cast<double>(b.scale),
                  b.zero_point);
}

kite_status CheckActivation(PrepareContext& ctx, float act_min, float act_max) {
  if (act_min <= act_max) return KITE_OK;
  return ctx.Fail(KITE_ERROR_MODEL_INVALID, "fused activation range [%g, %g] is empty",
                  static_cast<double>(act_min), static_cast<double>(act_max));
}

}  // namespace kite

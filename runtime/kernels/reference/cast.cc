// Cast: converts between float32, int32, int64, uint8 and bool, the dtypes of
// graph inputs and outputs (camera frames, masks, indices). Inside a graph
// Kite computes integers and booleans as exact float32, so a Cast sits at the
// edges: float to an integer truncates toward zero (NaN is 0, beyond int64
// saturates) and keeps the low bits of narrower types as numpy does; to bool
// is x != 0; bool reads any nonzero byte as 1.
#include <math.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

bool IsCastable(kite_dtype t) {
  return t == KITE_FLOAT32 || t == KITE_INT32 || t == KITE_INT64 || t == KITE_UINT8 || t == KITE_BOOL;
}

// Every source as int64 (floats truncated, saturated) or double.
int64_t TruncateToInt64(double v) {
  if (isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(v);
}

double Read(kite_dtype t, const uint8_t* data, int64_t i) {
  switch (t) {
    case KITE_FLOAT32: return reinterpret_cast<const float*>(data)[i];
    case KITE_INT32: return reinterpret_cast<const int32_t*>(data)[i];
    case KITE_INT64: return static_cast<double>(reinterpret_cast<const int64_t*>(data)[i]);
    case KITE_UINT8: return data[i];
    default: return data[i] != 0 ? 1.0 : 0.0;  // bool
  }
}

template <typename From, typename To>
void Convert(const From* in, To* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(in[i]);
}

void Invoke(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const int64_t n = x.elements();
  // int64 to int64 keeps every bit; the rest pass through double, exact for
  // everything but int64 beyond 2^53 (which float32 cannot hold either).
  if (x.dtype == KITE_INT64 && y.dtype != KITE_FLOAT32 && y.dtype != KITE_BOOL) {
    const int64_t* in = x.As<int64_t>();
    if (y.dtype == KITE_INT64) return Convert(in, y.As<int64_t>(), n);
    if (y.dtype == KITE_INT32) return Convert(in, y.As<int32_t>(), n);
    return Convert(in, y.As<uint8_t>(), n);
  }
  for (int64_t i = 0; i < n; ++i) {
    const double v = Read(x.dtype, x.data, i);
    switch (y.dtype) {
      case KITE_FLOAT32: y.As<float>()[i] = static_cast<float>(v); break;
      // Two's-complement wrap-around through uint64 (a signed narrowing cast
      // of an out-of-range value is implementation-defined before C++20).
      case KITE_INT32: y.As<int32_t>()[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(TruncateToInt64(v)))); break;
      case KITE_INT64: y.As<int64_t>()[i] = TruncateToInt64(v); break;
      case KITE_UINT8: y.As<uint8_t>()[i] = static_cast<uint8_t>(static_cast<uint64_t>(TruncateToInt64(v))); break;
      default: y.As<uint8_t>()[i] = v != 0.0 ? 1 : 0; break;  // bool
    }
  }
}

}  // namespace

kite_status PrepareCast(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (!IsCastable(x.dtype) || !IsCastable(y.dtype)) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "casts %s to %s; Kite casts between float32, int32, int64, uint8 and bool",
                    DtypeName(x.dtype), DtypeName(y.dtype));
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  Node& node = ctx.node();
  node.invoke = Invoke;
  node.kernel_name = "reference/cast";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

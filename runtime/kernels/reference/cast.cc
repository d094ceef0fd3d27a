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

int64_t TruncateToInt64(double v) {
  if (isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Each source read as a double (float) or an int64 (integers, bool 0/1),
// each target written from either: the pair is chosen at prepare.
template <kite_dtype D> struct Element;
template <> struct Element<KITE_FLOAT32> { using type = float; static double Load(float v) { return v; } };
template <> struct Element<KITE_INT32> { using type = int32_t; static int64_t Load(int32_t v) { return v; } };
template <> struct Element<KITE_INT64> { using type = int64_t; static int64_t Load(int64_t v) { return v; } };
template <> struct Element<KITE_UINT8> { using type = uint8_t; static int64_t Load(uint8_t v) { return v; } };
template <> struct Element<KITE_BOOL> { using type = uint8_t; static int64_t Load(uint8_t v) { return v != 0 ? 1 : 0; } };

// Two's-complement wrap-around through uint64 (a signed narrowing cast of an
// out-of-range value is implementation-defined before C++20).
template <kite_dtype To>
typename Element<To>::type Store(int64_t v) {
  if constexpr (To == KITE_FLOAT32) return static_cast<float>(static_cast<double>(v));
  if constexpr (To == KITE_INT64) return v;
  if constexpr (To == KITE_INT32) return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
  if constexpr (To == KITE_UINT8) return static_cast<uint8_t>(static_cast<uint64_t>(v));
  if constexpr (To == KITE_BOOL) return v != 0 ? 1 : 0;
}

template <kite_dtype To>
typename Element<To>::type Store(double v) {
  if constexpr (To == KITE_FLOAT32) return static_cast<float>(v);
  if constexpr (To == KITE_BOOL) return v != 0.0 ? 1 : 0;
  if constexpr (To != KITE_FLOAT32 && To != KITE_BOOL) return Store<To>(TruncateToInt64(v));
}

template <kite_dtype From, kite_dtype To>
void Invoke(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const auto* in = x.As<typename Element<From>::type>();
  auto* out = node.output(tensors, 0).As<typename Element<To>::type>();
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) out[i] = Store<To>(Element<From>::Load(in[i]));
}

template <kite_dtype From>
InvokeFn InvokeTo(kite_dtype to) {
  switch (to) {
    case KITE_FLOAT32: return Invoke<From, KITE_FLOAT32>;
    case KITE_INT32: return Invoke<From, KITE_INT32>;
    case KITE_INT64: return Invoke<From, KITE_INT64>;
    case KITE_UINT8: return Invoke<From, KITE_UINT8>;
    default: return Invoke<From, KITE_BOOL>;
  }
}

InvokeFn ChooseInvoke(kite_dtype from, kite_dtype to) {
  switch (from) {
    case KITE_FLOAT32: return InvokeTo<KITE_FLOAT32>(to);
    case KITE_INT32: return InvokeTo<KITE_INT32>(to);
    case KITE_INT64: return InvokeTo<KITE_INT64>(to);
    case KITE_UINT8: return InvokeTo<KITE_UINT8>(to);
    default: return InvokeTo<KITE_BOOL>(to);
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
  node.invoke = ChooseInvoke(x.dtype, y.dtype);
  node.kernel_name = "reference/cast";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

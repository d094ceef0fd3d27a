// Add, Sub, Mul, Div and PRelu with numpy broadcasting and a fused activation
// clamp; Maximum, Minimum, Pow and Mod (float only) broadcast the same way.
//
// int8 (inputs and output per-tensor; a = sa * (qa - za), and so on):
//   Add/Sub: v = (qa - za) * (sa / so) +/- (qb - zb) * (sb / so)
//   Mul:     v = (qa - za) * (qb - zb) * (sa * sb / so)      (int32 product)
//   Div:     v = ((qa - za) * sa) / ((qb - zb) * sb) / so
//   PRelu:   v = qa >= za ? (qa - za) * (sa / so)            (b: the slope)
//                         : (qa - za) * (qb - zb) * (sa * sb / so)
// then out = RoundClampToInt8(v, zo, activation range); ratios computed once,
// in float, at prepare.
//   Equal:   inputs share quantization; out = qa == qb ? quantize(1) : quantize(0)
//            (float: 1.0 or 0.0).
// int16 (16x8, zero points 0): Add, Sub and Mul the same way (the int16
// product fits int32), rounded by RoundClampToInt16.
#include <math.h>

#include "core/op_kinds.h"
#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

struct BinaryState {
  schema::OpCode opcode;
  int32_t dims[KITE_MAX_RANK];  // output, right-aligned
  int64_t a_strides[KITE_MAX_RANK];
  int64_t b_strides[KITE_MAX_RANK];
  float act_min, act_max;
  // int8
  int32_t za, zb, zo;
  float a_multiplier, b_multiplier, product_multiplier;  // see the header comment
  float sa, sb, so;
  QuantizedRange range;
  int8_t equal_one, equal_zero;
};

inline float ApplyFloat(schema::OpCode op, float a, float b) {
  switch (op) {
    case schema::OpCode_ADD: return a + b;
    case schema::OpCode_SUB: return a - b;
    case schema::OpCode_MUL: return a * b;
    case schema::OpCode_EQUAL: return a == b ? 1.0f : 0.0f;
    case schema::OpCode_MAXIMUM: return isnan(a) || a > b ? a : b;
    case schema::OpCode_MINIMUM: return isnan(a) || a < b ? a : b;
    case schema::OpCode_POW: return powf(a, b);
    case schema::OpCode_PRELU: return a < 0.0f ? a * b : a;
    case schema::OpCode_MOD: return fmodf(a, b);
    case schema::OpCode_GREATER: return a > b ? 1.0f : 0.0f;
    case schema::OpCode_GREATER_EQUAL: return a >= b ? 1.0f : 0.0f;
    case schema::OpCode_LESS: return a < b ? 1.0f : 0.0f;
    case schema::OpCode_LESS_EQUAL: return a <= b ? 1.0f : 0.0f;
    case schema::OpCode_AND: return a != 0.0f && b != 0.0f ? 1.0f : 0.0f;
    case schema::OpCode_OR: return a != 0.0f || b != 0.0f ? 1.0f : 0.0f;
    case schema::OpCode_XOR: return (a != 0.0f) != (b != 0.0f) ? 1.0f : 0.0f;
    default: return a / b;
  }
}

// v of the header comment, in units of the output scale.
template <typename T>
inline float QuantizedValue(const BinaryState& s, T qa, T qb) {
  const int32_t a = static_cast<int32_t>(qa) - s.za;
  const int32_t b = static_cast<int32_t>(qb) - s.zb;
  float v;
  switch (s.opcode) {
    case schema::OpCode_ADD:
      v = static_cast<float>(a) * s.a_multiplier + static_cast<float>(b) * s.b_multiplier;
      break;
    case schema::OpCode_SUB:
      v = static_cast<float>(a) * s.a_multiplier - static_cast<float>(b) * s.b_multiplier;
      break;
    case schema::OpCode_MUL:
      v = static_cast<float>(a * b) * s.product_multiplier;
      break;
    case schema::OpCode_PRELU:
      v = a < 0 ? static_cast<float>(a * b) * s.product_multiplier : static_cast<float>(a) * s.a_multiplier;
      break;
    default:
      v = (static_cast<float>(a) * s.sa) / (static_cast<float>(b) * s.sb) / s.so;
      break;
  }
  return v;
}

inline int8_t ApplyInt8(const BinaryState& s, int8_t qa, int8_t qb) {
  if (s.opcode == schema::OpCode_EQUAL) return qa == qb ? s.equal_one : s.equal_zero;
  return RoundClampToInt8(QuantizedValue(s, qa, qb), s.zo, s.range.min, s.range.max);
}

// Visits every output element with the broadcast offsets of both inputs.
template <typename Fn>
void ForEachBroadcast(const BinaryState& s, Fn fn) {
  int64_t out = 0;
  for (int32_t i0 = 0; i0 < s.dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < s.dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < s.dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < s.dims[3]; ++i3)
          for (int32_t i4 = 0; i4 < s.dims[4]; ++i4)
            for (int32_t i5 = 0; i5 < s.dims[5]; ++i5) {
              const int64_t a = i0 * s.a_strides[0] + i1 * s.a_strides[1] + i2 * s.a_strides[2] +
                                i3 * s.a_strides[3] + i4 * s.a_strides[4] + i5 * s.a_strides[5];
              const int64_t b = i0 * s.b_strides[0] + i1 * s.b_strides[1] + i2 * s.b_strides[2] +
                                i3 * s.b_strides[3] + i4 * s.b_strides[4] + i5 * s.b_strides[5];
              fn(out++, a, b);
            }
}

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const BinaryState& s = *static_cast<const BinaryState*>(node.state);
  const float* a = node.input(tensors, 0).As<float>();
  const float* b = node.input(tensors, 1).As<float>();
  float* y = node.output(tensors, 0).As<float>();
  ForEachBroadcast(s, [&](int64_t o, int64_t ia, int64_t ib) {
    y[o] = ClampFloat(ApplyFloat(s.opcode, a[ia], b[ib]), s.act_min, s.act_max);
  });
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const BinaryState& s = *static_cast<const BinaryState*>(node.state);
  const int8_t* a = node.input(tensors, 0).As<int8_t>();
  const int8_t* b = node.input(tensors, 1).As<int8_t>();
  int8_t* y = node.output(tensors, 0).As<int8_t>();
  ForEachBroadcast(s, [&](int64_t o, int64_t ia, int64_t ib) { y[o] = ApplyInt8(s, a[ia], b[ib]); });
}

void InvokeInt16(const Node& node, const Tensor* tensors) {
  const BinaryState& s = *static_cast<const BinaryState*>(node.state);
  const int16_t* a = node.input(tensors, 0).As<int16_t>();
  const int16_t* b = node.input(tensors, 1).As<int16_t>();
  int16_t* y = node.output(tensors, 0).As<int16_t>();
  ForEachBroadcast(s, [&](int64_t o, int64_t ia, int64_t ib) {
    y[o] = RoundClampToInt16(QuantizedValue(s, a[ia], b[ib]), s.range.min, s.range.max);
  });
}

}  // namespace

// Broadcasts two shapes numpy-style; false when they are incompatible.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  out->rank = a.rank > b.rank ? a.rank : b.rank;
  for (int32_t i = 0; i < out->rank; ++i) {
    const int32_t ai = a.rank - out->rank + i;
    const int32_t bi = b.rank - out->rank + i;
    const int32_t da = ai >= 0 ? a.dims[ai] : 1;
    const int32_t db = bi >= 0 ? b.dims[bi] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out->dims[i] = da == 1 ? db : da;
  }
  return true;
}

kite_status PrepareBinary(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 2, 1));
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  const auto* o = ctx.options<schema::BinaryOptions>();
  const float act_min = o != nullptr ? o->activation_min() : -INFINITY;
  const float act_max = o != nullptr ? o->activation_max() : INFINITY;
  KITE_RETURN_IF_ERROR(CheckActivation(ctx, act_min, act_max));
  if (a.dtype != KITE_FLOAT32 && a.dtype != KITE_INT8 && a.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "inputs must be float32, int8 or int16");
  }
  const schema::OpCode opcode = ctx.node().op->opcode();
  if (IsFloatOnlyBinary(opcode) && a.dtype != KITE_FLOAT32) return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "inputs must be float32");
  if (a.dtype == KITE_INT16 && opcode != schema::OpCode_ADD && opcode != schema::OpCode_SUB && opcode != schema::OpCode_MUL) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "int16 (16x8): only Add, Sub and Mul");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, b, a.dtype, "second input"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, a.dtype, "output"));
  Shape expected;
  if (!BroadcastShapes(a.shape, b.shape, &expected)) {
    char sa[96], sb[96];
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "shapes %s and %s do not broadcast",
                    FormatShape(a.shape, sa, sizeof(sa)), FormatShape(b.shape, sb, sizeof(sb)));
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  BinaryState* s = ctx.AllocateState<BinaryState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->opcode = ctx.node().op->opcode();
  PadToMaxRank(y.shape, s->dims);
  // Broadcast strides: a dimension of size 1 has stride 0.
  DenseStrides(a.shape, s->a_strides);
  DenseStrides(b.shape, s->b_strides);
  s->act_min = act_min;
  s->act_max = act_max;
  Node& node = ctx.node();
  node.state = s;
  if (a.dtype == KITE_FLOAT32) {
    node.invoke = InvokeFloat;
    node.kernel_name = "reference/binary_float32";
    return KITE_OK;
  }
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, a, "first input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, b, "second input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, y, "output"));
  s->za = a.zero_point;
  s->zb = b.zero_point;
  s->zo = y.zero_point;
  s->sa = a.scale;
  s->sb = b.scale;
  s->so = y.scale;
  s->a_multiplier = a.scale / y.scale;
  s->b_multiplier = b.scale / y.scale;
  s->product_multiplier = a.scale * b.scale / y.scale;
  if (a.dtype == KITE_INT16) {
    s->range = QuantizedActivationRangeInt16(act_min, act_max, y.scale);
    node.invoke = InvokeInt16;
    node.kernel_name = "reference/binary_int16";
    return KITE_OK;
  }
  s->range = QuantizedActivationRange(act_min, act_max, y.scale, y.zero_point);
  if (s->opcode == schema::OpCode_EQUAL) {
    KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, a, b));
    s->equal_one = QuantizeToInt8(1.0f, y.scale, y.zero_point);
    s->equal_zero = QuantizeToInt8(0.0f, y.scale, y.zero_point);
  }
  node.invoke = InvokeInt8;
  node.kernel_name = "reference/binary_int8";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

struct AddSubState {
  int32_t za, zb, zo;
  float a_multiplier, b_multiplier;  // ± sb / so for Sub
  float lo, hi;                      // the clamp, in units of the output scale, zero point removed
  int64_t elements;
};

// 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer,
// to nearest even (the default rounding mode), as lrintf does.
constexpr float kRoundMagic = 12582912.0f;

void Invoke(const Node& node, const Tensor* tensors) {
  const AddSubState& s = *static_cast<const AddSubState*>(node.state);
  const int8_t* a = node.input(tensors, 0).As<int8_t>();
  const int8_t* b = node.input(tensors, 1).As<int8_t>();
  int8_t* y = node.output(tensors, 0).As<int8_t>();
  // Locals: a store through int8_t* may alias anything, including the state,
  // which would keep the compiler from vectorizing with the fields in memory.
  const int32_t za = s.za, zb = s.zb, zo = s.zo;
  const float ra = s.a_multiplier, rb = s.b_multiplier, lo = s.lo, hi = s.hi;
  const int64_t n = s.elements;
  for (int64_t i = 0; i < n; ++i) {
    float v = static_cast<float>(static_cast<int32_t>(a[i]) - za) * ra + static_cast<float>(static_cast<int32_t>(b[i]) - zb) * rb;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    const float rounded = (v + kRoundMagic) - kRoundMagic;
    y[i] = static_cast<int8_t>(static_cast<int32_t>(rounded) + zo);
  }
}

}  // namespace

kite_status PrepareAddSubInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareBinary(ctx));
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  const auto opcode = ctx.node().op->opcode();
  if (a.dtype != KITE_INT8 || (opcode != schema::OpCode_ADD && opcode != schema::OpCode_SUB) ||
      a.shape != y.shape || b.shape != y.shape) {
    return KITE_OK;
  }
  const auto* o = ctx.options<schema::BinaryOptions>();
  const Int8Range range = QuantizedActivationRange(o != nullptr ? o->activation_min() : -INFINITY,
                                                   o != nullptr ? o->activation_max() : INFINITY, y.scale, y.zero_point);
  AddSubState* s = ctx.AllocateState<AddSubState>();
  if (s == nullptr) return ctx.OutOfArena();
  // The reference computes Sub as a * ra - b * rb; a * ra + b * (-rb) is the
  // same float result (negation is exact).
  const float rb = b.scale / y.scale;
  *s = AddSubState{a.zero_point, b.zero_point, y.zero_point, a.scale / y.scale, opcode == schema::OpCode_SUB ? -rb : rb,
                   static_cast<float>(range.min - y.zero_point), static_cast<float>(range.max - y.zero_point),
                   y.elements()};
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = opcode == schema::OpCode_ADD ? "optimized/add_int8" : "optimized/sub_int8";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

// int8 element-wise functions of one input. The reference builds the
// function's 256-entry table at prepare; this kernel only looks it up faster
// (vpermi2b, vpshufb, tbl: kernels/int8/lut.h), byte for byte the same.
#include "core/error.h"
#include "kernels/int8/lut.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

struct LutState {
  int8::LutFn lookup;
  const int8_t* table;  // in the reference's state, in the arena
};

void Invoke(const Node& node, const Tensor* tensors) {
  const LutState& s = *static_cast<const LutState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  s.lookup(static_cast<size_t>(x.elements()), x.As<const int8_t>(), s.table, node.output(tensors, 0).As<int8_t>());
}

}  // namespace

kite_status UseFastInt8Table(PrepareContext& ctx) {
  if (ctx.input(0).dtype != KITE_INT8) return KITE_OK;
  if (ctx.kernels() != KernelSet::kOptimized) {
    ctx.Decline("int8 table lookup: portable kernels requested (no SIMD)");
    return KITE_OK;
  }
  const int8::Lut* lut = int8::BestLut();
  if (!lut->simd) {
    ctx.Decline("int8 table lookup: no SIMD variant for this CPU");
    return KITE_OK;
  }
  LutState* s = ctx.AllocateState<LutState>();
  if (s == nullptr) return ctx.OutOfArena();
  Node& node = ctx.node();
  s->lookup = lut->fn;
  s->table = reference::UnaryInt8Table(node);
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = lut->name;
  return KITE_OK;
}

kite_status PrepareUnaryInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareUnary(ctx));
  return UseFastInt8Table(ctx);
}

}  // namespace optimized
}  // namespace kite

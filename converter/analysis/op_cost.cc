#include "analysis/op_cost.h"

#include "core/tensor.h"

namespace kite {
namespace converter {
namespace {

uint64_t Elements(const schema::Tensor& t) {
  uint64_t n = 1;
  if (t.shape() != nullptr) {
    for (int32_t d : *t.shape()) n *= static_cast<uint64_t>(d);
  }
  return n;
}

uint64_t Bytes(const schema::Tensor& t) {
  return Elements(t) * DtypeSize(static_cast<kite_dtype>(t.type()));
}

}  // namespace

OpCost CostOf(const schema::Model& model, const schema::Operator& op) {
  OpCost cost;
  const auto& tensors = *model.tensors();
  for (int32_t id : *op.inputs()) {
    if (id >= 0 && tensors.Get(id)->buffer() == 0) cost.bytes += Bytes(*tensors.Get(id));
  }
  for (int32_t id : *op.outputs()) cost.bytes += Bytes(*tensors.Get(id));
  const schema::Tensor& out = *tensors.Get(op.outputs()->Get(0));
  switch (op.opcode()) {
    case schema::OpCode_CONV_2D:
    case schema::OpCode_CONV_TRANSPOSE_2D: {
      // Weights [out, kh, kw, in / groups]: every output element takes kh*kw*in/g MACs
      // (for ConvTranspose this counts the padded taps too; a bound, stated as such).
      const auto* w = tensors.Get(op.inputs()->Get(1))->shape();
      cost.macs = Elements(out) * static_cast<uint64_t>(w->Get(1)) * w->Get(2) * w->Get(3);
      if (op.opcode() == schema::OpCode_CONV_TRANSPOSE_2D) {
        const auto* o = op.options_as_ConvTranspose2DOptions();
        if (o != nullptr) cost.macs /= static_cast<uint64_t>(o->stride_h()) * o->stride_w();
      }
      break;
    }
    case schema::OpCode_FULLY_CONNECTED:
      cost.macs = Elements(out) * static_cast<uint64_t>(tensors.Get(op.inputs()->Get(1))->shape()->Get(1));
      break;
    case schema::OpCode_BATCH_MATMUL: {
      const auto* a = tensors.Get(op.inputs()->Get(0))->shape();
      cost.macs = Elements(out) * static_cast<uint64_t>(a->Get(a->size() - 1));
      break;
    }
    default:
      break;
  }
  return cost;
}

}  // namespace converter
}  // namespace kite

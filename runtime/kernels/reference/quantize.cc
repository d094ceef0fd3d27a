// Quantize (float32 -> int8, ONNX QuantizeLinear: round half to even,
// saturate) and Dequantize (int8 -> float32), per tensor.
#include "core/quantization.h"
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

void InvokeQuantize(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const float* in = x.As<float>();
  int8_t* out = y.As<int8_t>();
  for (int64_t i = 0, n = x.elements(); i < n; ++i) out[i] = QuantizeToInt8(in[i], y.scale, y.zero_point);
}

void InvokeDequantize(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const int8_t* in = x.As<int8_t>();
  float* out = node.output(tensors, 0).As<float>();
  for (int64_t i = 0, n = x.elements(); i < n; ++i) out[i] = Dequantize(in[i], x.scale, x.zero_point);
}

kite_status PrepareConversion(PrepareContext& ctx, kite_dtype from, kite_dtype to) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, x, from, "input"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, to, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  return CheckPerTensor(ctx, from == KITE_INT8 ? x : y, from == KITE_INT8 ? "input" : "output");
}

}  // namespace

kite_status PrepareQuantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(PrepareConversion(ctx, KITE_FLOAT32, KITE_INT8));
  ctx.node().invoke = InvokeQuantize;
  ctx.node().kernel_name = "reference/quantize";
  return KITE_OK;
}

kite_status PrepareDequantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(PrepareConversion(ctx, KITE_INT8, KITE_FLOAT32));
  ctx.node().invoke = InvokeDequantize;
  ctx.node().kernel_name = "reference/dequantize";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Quantize (float32 -> int8 or int16, ONNX QuantizeLinear: round half to
// even, saturate) and Dequantize (int8 or int16 -> float32), per tensor.
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

void InvokeQuantizeInt16(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const Tensor& y = node.output(tensors, 0);
  const float* in = x.As<float>();
  int16_t* out = y.As<int16_t>();
  for (int64_t i = 0, n = x.elements(); i < n; ++i) out[i] = QuantizeToInt16(in[i], y.scale);
}

void InvokeDequantizeInt16(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const int16_t* in = x.As<int16_t>();
  float* out = node.output(tensors, 0).As<float>();
  for (int64_t i = 0, n = x.elements(); i < n; ++i) out[i] = DequantizeInt16(in[i], x.scale);
}

void InvokeDequantize(const Node& node, const Tensor* tensors) {
  const Tensor& x = node.input(tensors, 0);
  const int8_t* in = x.As<int8_t>();
  float* out = node.output(tensors, 0).As<float>();
  for (int64_t i = 0, n = x.elements(); i < n; ++i) out[i] = Dequantize(in[i], x.scale, x.zero_point);
}

// `quantized` is the int8 or int16 side.
kite_status PrepareConversion(PrepareContext& ctx, bool to_quantized) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const Tensor& quantized = to_quantized ? y : x;
  const char* what = to_quantized ? "output" : "input";
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, to_quantized ? x : y, KITE_FLOAT32, to_quantized ? "input" : "output"));
  if (quantized.dtype != KITE_INT8 && quantized.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "%s is %s, expected int8 or int16", what, DtypeName(quantized.dtype));
  }
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  return CheckPerTensor(ctx, quantized, what);
}

}  // namespace

kite_status PrepareQuantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(PrepareConversion(ctx, true));
  const bool int16 = ctx.output(0).dtype == KITE_INT16;
  ctx.node().invoke = int16 ? InvokeQuantizeInt16 : InvokeQuantize;
  ctx.node().kernel_name = int16 ? "reference/quantize_int16" : "reference/quantize";
  return KITE_OK;
}

kite_status PrepareDequantize(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(PrepareConversion(ctx, false));
  const bool int16 = ctx.input(0).dtype == KITE_INT16;
  ctx.node().invoke = int16 ? InvokeDequantizeInt16 : InvokeDequantize;
  ctx.node().kernel_name = int16 ? "reference/dequantize_int16" : "reference/dequantize";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

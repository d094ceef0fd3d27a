#include "kernels/conv_params.h"

#include <inttypes.h>

namespace kite {

kite_status CheckPackedWeightsInput(PrepareContext& ctx) {
  if (ctx.node().has_input(3) && (!ctx.input(3).is_constant || ctx.input(3).dtype != KITE_INT32)) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "packed weights (input 3) must be a constant int32 tensor");
  }
  return KITE_OK;
}

kite_status CheckConvQuantization(PrepareContext& ctx, const Tensor& input, const Tensor& weights,
                                  const Tensor* bias, const Tensor& output, int32_t out_channels, float act_min,
                                  float act_max) {
  KITE_RETURN_IF_ERROR(CheckActivation(ctx, act_min, act_max));
  if (!weights.is_constant) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "weights must be a constant tensor");
  }
  if (bias != nullptr) {
    if (!bias->is_constant) {
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "bias must be a constant tensor");
    }
    if (bias->shape.rank != 1 || bias->shape.dims[0] != out_channels) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "bias must have shape [%" PRId32 "]", out_channels);
    }
  }
  if (input.dtype == KITE_FLOAT32) {
    KITE_RETURN_IF_ERROR(CheckDtype(ctx, weights, KITE_FLOAT32, "weights"));
    if (bias != nullptr) KITE_RETURN_IF_ERROR(CheckDtype(ctx, *bias, KITE_FLOAT32, "bias"));
    return CheckDtype(ctx, output, KITE_FLOAT32, "output");
  }
  // int8, or 16x8: int16 activations with int8 weights (16x16: int16 weights).
  const kite_dtype activations = input.dtype == KITE_INT16 ? KITE_INT16 : KITE_INT8;
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, input, activations, "input"));
  if (activations != KITE_INT16 || weights.dtype != KITE_INT16) KITE_RETURN_IF_ERROR(CheckDtype(ctx, weights, KITE_INT8, "weights"));
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, output, activations, "output"));
  if (bias != nullptr) KITE_RETURN_IF_ERROR(CheckDtype(ctx, *bias, activations == KITE_INT16 ? KITE_INT64 : KITE_INT32, "bias"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, input, "input"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, output, "output"));
  const bool per_channel = weights.channel_count > 1;
  if (per_channel && (weights.channel_count != out_channels || weights.quantized_dimension != 0)) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "weights have %" PRId32 " scales along dimension %" PRId32 ", expected %" PRId32 " along dimension 0",
                    weights.channel_count, weights.quantized_dimension, out_channels);
  }
  if (weights.zero_point != 0) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "integer weights must be symmetric (zero point %" PRId32 ")",
                    weights.zero_point);
  }
  return KITE_OK;
}

float RequantizationScale(const Tensor& input, const Tensor& weights, const Tensor& output, int32_t channel) {
  const float weight_scale = weights.channel_count > 1 ? weights.channel_scales[channel] : weights.scale;
  // In float, in this order: the XNNPACK qc8 requantization.
  return input.scale * weight_scale / output.scale;
}

kite_status PrepareOutputTransform(PrepareContext& ctx, const Tensor& input,
                                   const Tensor& weights, const Tensor* bias,
                                   const Tensor& output, int32_t out_channels, float act_min,
                                   float act_max, OutputTransform* transform) {
  KITE_RETURN_IF_ERROR(CheckConvQuantization(ctx, input, weights, bias, output, out_channels, act_min, act_max));
  transform->act_min = act_min;
  transform->act_max = act_max;
  if (input.dtype == KITE_FLOAT32) return KITE_OK;
  float* scales = ctx.AllocateArray<float>(static_cast<size_t>(out_channels));
  if (scales == nullptr) return ctx.OutOfArena();
  for (int32_t c = 0; c < out_channels; ++c) scales[c] = RequantizationScale(input, weights, output, c);
  transform->scales = scales;
  transform->zero_point = output.zero_point;
  transform->range = output.dtype == KITE_INT16
                         ? QuantizedActivationRangeInt16(act_min, act_max, output.scale)
                         : QuantizedActivationRange(act_min, act_max, output.scale, output.zero_point);
  return KITE_OK;
}

kite_status CheckGroupedWeights(PrepareContext& ctx, const Tensor& input, const Tensor& weights,
                                int32_t groups) {
  KITE_RETURN_IF_ERROR(CheckRank(ctx, input, 4, "input"));
  KITE_RETURN_IF_ERROR(CheckRank(ctx, weights, 4, "weights"));
  const int32_t in_c = input.shape.dims[3], out_c = weights.shape.dims[0];
  if (groups < 1 || in_c % groups != 0 || out_c % groups != 0 ||
      weights.shape.dims[3] != in_c / groups) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "%" PRId32 " input channels, %" PRId32 " output channels and %" PRId32 " groups do not match weights "
                    "with %" PRId32 " input channels per group",
                    in_c, out_c, groups, weights.shape.dims[3]);
  }
  if (input.dtype == KITE_INT8 &&
      int64_t{weights.shape.dims[1]} * weights.shape.dims[2] * weights.shape.dims[3] > 65536) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "more than 65536 taps per output overflow int32");
  }
  return KITE_OK;
}

}  // namespace kite

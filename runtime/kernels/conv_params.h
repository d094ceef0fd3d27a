// What Conv2D, ConvTranspose2D and FullyConnected share: checking weights and
// bias, and the per-output-channel requantization of the int8 path.
#ifndef KITE_RUNTIME_KERNELS_CONV_PARAMS_H_
#define KITE_RUNTIME_KERNELS_CONV_PARAMS_H_

#include "core/quantization.h"
#include "kernels/kernel_util.h"

namespace kite {

struct OutputTransform {
  // float: clamp to [act_min, act_max].
  float act_min;
  float act_max;
  // int8: out = Requantize(acc, scales[c], zero_point, range); 16x8: the
  // same with zero point 0 and an int64 accumulator.
  const float* scales;
  int32_t zero_point;
  QuantizedRange range;
};

// Checks the dtypes and quantization of (input, weights, optional bias,
// output) for an op with `out_channels` output channels, where the weights'
// output channel is dimension 0. Float: all float32. Int8: per-tensor int8
// input/output, per-channel (or per-tensor) symmetric int8 weights, int32
// bias. 16x8: int16 input and output, int64 bias. Allocates nothing.
kite_status CheckConvQuantization(PrepareContext& ctx, const Tensor& input, const Tensor& weights,
                                  const Tensor* bias, const Tensor& output, int32_t out_channels, float act_min,
                                  float act_max);

// Input 3, when present, is packed weights for Kite's int8 engine: a
// constant int32 tensor (its contents are checked by the engine).
kite_status CheckPackedWeightsInput(PrepareContext& ctx);

// The int8 requantization scale of output channel `channel` (weights
// checked by CheckConvQuantization).
float RequantizationScale(const Tensor& input, const Tensor& weights, const Tensor& output, int32_t channel);

// CheckConvQuantization, then fills `transform` (int8: the per-channel
// scales, in the arena).
kite_status PrepareOutputTransform(PrepareContext& ctx, const Tensor& input,
                                   const Tensor& weights, const Tensor* bias,
                                   const Tensor& output, int32_t out_channels, float act_min,
                                   float act_max, OutputTransform* transform);

// What Conv2D and ConvTranspose2D check alike: rank-4 input and weights
// [out, kh, kw, in / groups], groups >= 1 dividing both channel counts, and,
// for int8, at most 65536 taps per output so the int32 accumulator is exact
// (|sum| <= 255 * 127 * taps < 2^31); 16x8 accumulates in int64, unbounded.
kite_status CheckGroupedWeights(PrepareContext& ctx, const Tensor& input, const Tensor& weights,
                                int32_t groups);

// True when a ConvTranspose2D's taps never overlap (kernel = stride, no
// padding or dilation, one group): each output pixel is one tap's product,
// so the deconvolution is a 1x1 convolution per tap. The int8 engine and
// XNNPACK's int8 path run only these.
inline bool DeconvTapsDisjoint(const schema::ConvTranspose2DOptions& o, int32_t kernel_h, int32_t kernel_w) {
  return o.groups() == 1 && kernel_h == o.stride_h() && kernel_w == o.stride_w() && o.dilation_h() == 1 &&
         o.dilation_w() == 1 && o.pad_top() == 0 && o.pad_left() == 0 && o.pad_bottom() == 0 && o.pad_right() == 0 &&
         o.output_padding_h() == 0 && o.output_padding_w() == 0;
}

// The end of every output element: add the bias, then clamp (float) or
// requantize into the activation range (int8).
inline float FinishFloat(const OutputTransform& t, float acc, const float* bias, int32_t c) {
  if (bias != nullptr) acc += bias[c];
  return ClampFloat(acc, t.act_min, t.act_max);
}

inline int8_t FinishInt8(const OutputTransform& t, int32_t acc, const int32_t* bias, int32_t c) {
  // Two's-complement wrap, as SIMD adds do: a converter keeps |bias| <= 2^30,
  // so only a hostile file gets here, and it gets a defined result.
  if (bias != nullptr) acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(bias[c]));
  return Requantize(acc, t.scales[c], t.zero_point, t.range.min, t.range.max);
}

inline int16_t FinishInt16(const OutputTransform& t, int64_t acc, const int64_t* bias, int32_t c) {
  // Wraps as FinishInt8 does: a converter's bias is far inside int64, so
  // only a hostile file overflows, and it gets a defined result.
  if (bias != nullptr) acc = static_cast<int64_t>(static_cast<uint64_t>(acc) + static_cast<uint64_t>(bias[c]));
  return RequantizeInt16(acc, t.scales[c], t.range.min, t.range.max);
}

}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_CONV_PARAMS_H_

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
  // int8: out = Requantize(acc, scales[c], zero_point, range).
  const float* scales;
  int32_t zero_point;
  Int8Range range;
};

// Checks the dtypes and quantization of (input, weights, optional bias,
// output) for an op with `out_channels` output channels, where the weights'
// output channel is dimension 0, and fills `transform`. Float: all float32.
// Int8: per-tensor int8 input/output, per-channel (or per-tensor) symmetric
// int8 weights, int32 bias.
kite_status PrepareOutputTransform(PrepareContext& ctx, const Tensor& input,
                                   const Tensor& weights, const Tensor* bias,
                                   const Tensor& output, int32_t out_channels, float act_min,
                                   float act_max, OutputTransform* transform);

}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_CONV_PARAMS_H_

// Packing int8 weights offline for Kite's int8 engine
// (runtime/kernels/int8/packed_weights.h has the layouts).
#ifndef KITE_CONVERTER_WRITER_PACK_WEIGHTS_H_
#define KITE_CONVERTER_WRITER_PACK_WEIGHTS_H_

#include <cstdint>
#include <vector>

#include "kite_generated.h"

namespace kite {
namespace converter {

// The packed buffer of one int8 op: `weights` [out, kh, kw, tap_channels]
// (depthwise: [channels, kh, kw, 1]), `bias` one int32 per output channel
// or empty, and the requantization scale of each output channel.
std::vector<uint8_t> PackGemmWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                                     int32_t tap_channels, const int32_t* bias, const std::vector<float>& scales,
                                     int32_t input_zero_point);
// The kernel-row layout (int8::UseKernelRows convs): weights as for
// PackGemmWeights, with tap_channels = in_channels.
std::vector<uint8_t> PackKernelRowWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h,
                                          int32_t kernel_w, int32_t in_channels, const int32_t* bias,
                                          const std::vector<float>& scales, int32_t input_zero_point);
std::vector<uint8_t> PackDepthwiseWeights(const int8_t* weights, int32_t channels, int32_t kernel_h, int32_t kernel_w,
                                          const int32_t* bias, const std::vector<float>& scales,
                                          int32_t input_zero_point);
// ConvTranspose2D with kernel = stride and no padding: `weights` [out, kh, kw, in].
std::vector<uint8_t> PackDeconvWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                                       int32_t in_channels, const int32_t* bias, const std::vector<float>& scales,
                                       int32_t input_zero_point);

// Gives every int8 Conv2D (one group, or depthwise), FullyConnected and
// ConvTranspose2D whose taps do not overlap (kernel = stride, no padding, one
// group) of `model` its packed weights as input 3 (a new constant tensor named after
// the weights, "/packed"), unless it has them. Returns how many it packed.
int PackInt8Weights(schema::ModelT& model);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_WRITER_PACK_WEIGHTS_H_

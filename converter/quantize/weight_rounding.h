// Rounding int8 weights with data: each output channel's int8 weights are
// chosen to minimize the error they cause in the conv's output over the
// calibration set, E[(e . x)^2] with e = w~ - w and x the input taps the
// channel reads, instead of rounding every weight to its nearest level.
// That is a quadratic form in e, e^T H e with H the taps' second moments,
// so correlated taps can cancel each other's errors (neighbouring pixels are
// nearly equal: what counts is mostly the sum of a channel's errors). The
// rounding starts from the better of nearest and GPTQ's error feedback
// (Frantar et al. 2022: each rounding's error pushed onto the taps not yet
// rounded through H's inverse), then moves single weights by one level while
// that lowers e^T H e; never worse than nearest. AdaRound (Nagel et al.
// 2020) optimizes the same objective by gradient descent.
//
// Only depthwise convs (one input channel per output channel) get moments
// for now: H is kh*kw square per channel, and only patches whose float
// output lies inside the fused activation's range count (a ReLU6 after
// weights of ±56, M-LSD's second conv, hides most of the output; where it is
// clipped an error does not show).
#ifndef KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_
#define KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_

#include <cstdint>
#include <vector>

#include "kite_generated.h"

namespace kite {
namespace converter {

// Raw moments of one conv's input taps over the calibration patches, per
// output channel: count, sum x and sum x x^T (taps x taps).
struct TapMoments {
  int32_t channels = 0;
  int32_t taps = 0;
  std::vector<double> count;  // channels
  std::vector<double> sum;    // channels x taps
  std::vector<double> cross;  // channels x taps x taps

  bool empty() const { return channels == 0; }
  // Channel c's covariance of the taps about `mean` (the same value for
  // every tap: the input channel's mean, which bias correction removes), or
  // about 0 with `mean` 0. Empty when no patch counted.
  std::vector<double> Covariance(int32_t c, double mean) const;
};

// Adds the patches of one run of depthwise conv `op` (Conv2D, groups ==
// channels == output channels) to `m`: `input` NHWC [n, h, w, c], `weights`
// [c, kh, kw, 1] and `bias` (or null) float. At most ~16k output pixels per
// call, evenly spaced.
void AddDepthwiseMoments(const schema::Conv2DOptions& options, const float* input, const int32_t* input_dims,
                         const float* weights, int32_t kernel_h, int32_t kernel_w, const float* bias, TapMoments* m);

// The int8 levels (within ±127) for one channel's `taps` weights `w` at
// `scale`, minimizing e^T H e; H is taps x taps (symmetric, positive
// semi-definite).
std::vector<int8_t> RoundWithData(const float* w, int32_t taps, float scale, const std::vector<double>& h);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_

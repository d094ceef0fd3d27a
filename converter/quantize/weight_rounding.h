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
// that lowers e^T H e; never worse than nearest. Each weight rounds down or
// up, never further (AdaRound's constraint: Nagel et al. 2020, who optimize
// the same objective by gradient descent), since taps the calibration
// barely varies leave directions H cannot see.
//
// Depthwise convs (one input channel per output channel) get one H per
// channel, kh*kw square, from the patches whose float output lies inside the
// fused activation's range (a ReLU6 after weights of ±56, M-LSD's second
// conv, hides most of the output; where it is clipped an error does not
// show). Dense convs (one group) and fully-connected ops read kh*kw*in taps:
// with a fused activation, one H per output channel from its unclipped
// patches (up to kMaxDenseMoments doubles in all; an H over every patch
// rounded M-LSD's ReLU6 convs worse than nearest: offsets 11.1 -> 8.0 dB);
// without one, a single H over every patch. Up to kMaxDenseTaps taps (the
// cost grows as taps^2); larger ones, grouped and transposed convs round to
// nearest.
#ifndef KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_
#define KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_

#include <cstdint>
#include <vector>

#include "kite_generated.h"

namespace kite {
namespace converter {

constexpr int32_t kMaxDenseTaps = 1024;
constexpr int64_t kMaxDenseMoments = int64_t{1} << 22;

// Raw moments of one conv's input taps over the calibration patches: count,
// sum x and sum x x^T (taps x taps), per output channel (depthwise) or one
// set for all (`channels` 1: dense conv, fully connected).
struct TapMoments {
  int32_t channels = 0;
  int32_t taps = 0;
  bool depthwise = false;  // channel c's taps all read input channel c
  std::vector<double> count;  // channels
  std::vector<double> sum;    // channels x taps
  std::vector<double> cross;  // channels x taps x taps

  bool empty() const { return channels == 0; }
  // Sizes empty moments for `matrices` x `taps`; false when they already
  // hold another shape (the op ran with a different input).
  bool Shape(int32_t matrices, int32_t tap_count, bool is_depthwise);
  // Matrix c's second moments of the taps about `mean` (one per tap: the
  // input channels' means, which bias correction removes; empty: about 0).
  // Empty when fewer than `min_count` patches counted.
  std::vector<double> Covariance(int32_t c, const std::vector<double>& mean, double min_count = 1) const;
};

// Adds the patches of one run of depthwise conv `op` (Conv2D, groups ==
// channels == output channels) to `m`: `input` NHWC [n, h, w, c], `weights`
// [c, kh, kw, 1] and `bias` (or null) float. At most ~16k output pixels per
// call, evenly spaced.
void AddDepthwiseMoments(const schema::Conv2DOptions& options, const float* input, const int32_t* input_dims,
                         const float* weights, int32_t kernel_h, int32_t kernel_w, const float* bias, TapMoments* m);

// Adds the patches of one run of a dense conv (`options`, one group) or, with
// `options` null, a fully-connected op to `m`: `input` NHWC [n, h, w, c] (FC:
// [rows, c], kernel 1 x 1), patches ordered as the float `weights` [out, kh,
// kw, c]; `bias` (or null) and the fused activation [act_min, act_max] pick
// each channel's unclipped patches. At most 1024 patches per call, evenly
// spaced.
void AddDenseMoments(const schema::Conv2DOptions* options, const float* input, const int32_t* input_dims,
                     int32_t input_rank, const float* weights, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                     const float* bias, float act_min, float act_max, TapMoments* m);

// Chooses int8 levels (within ±127; RoundLevels: any bound) minimizing e^T H e for any weights over
// the same taps: H (taps x taps, symmetric, positive semi-definite) is
// factored once for GPTQ's error feedback.
class DataRounding {
 public:
  DataRounding(std::vector<double> h, int32_t taps);
  std::vector<int8_t> Round(const float* w, float scale) const;
  // The same within +-max_level (16x16's int16 weights: wider levels).
  std::vector<int16_t> RoundLevels(const float* w, float scale, int32_t max_level) const;

 private:
  double Objective(const float* w, const std::vector<int16_t>& q, float scale) const;
  std::vector<double> h_;
  int32_t n_;
  std::vector<double> u_;  // the lower factor of (damped H)^-1; empty: no error feedback
};

// One channel's levels: DataRounding(h, taps).Round(w, scale).
std::vector<int8_t> RoundWithData(const float* w, int32_t taps, float scale, const std::vector<double>& h);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_WEIGHT_ROUNDING_H_

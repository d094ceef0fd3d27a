// Calibration statistics of one activation tensor, and the ways to turn them
// into a quantization range.
//
// RangeObserver streams over samples in constant memory: exact min/max plus a
// 2048-bin histogram whose bins only ever double in width (pairs merge), so
// the result depends on the data and its order, never on timing.
#ifndef KITE_CONVERTER_QUANTIZE_RANGE_OBSERVER_H_
#define KITE_CONVERTER_QUANTIZE_RANGE_OBSERVER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kite {
namespace converter {

class RangeObserver {
 public:
  static constexpr int kBins = 2048;

  void Add(const float* values, size_t count);
  // Also accumulates the mean of each of `channels` interleaved channels
  // (the last dimension), for bias correction.
  void AddChannelMeans(const float* values, size_t count, size_t channels);
  const std::vector<double>& channel_means() const { return channel_means_; }

  bool empty() const { return count_ == 0; }
  double count() const { return count_; }
  float min() const { return min_; }
  float max() const { return max_; }
  // Bin b covers [lo + b * width, lo + (b + 1) * width).
  double lo() const { return lo_; }
  double width() const { return width_; }
  const std::vector<double>& bins() const { return bins_; }

 private:
  void Grow(float batch_min, float batch_max);

  double count_ = 0;
  float min_ = 0, max_ = 0;
  double lo_ = 0, width_ = 0;
  std::vector<double> bins_;
  std::vector<double> channel_means_;
  double channel_rows_ = 0;
};

enum class RangeMethod { kMinMax, kPercentile, kEntropy, kMse, kAuto };

// "minmax", "percentile", "entropy", "mse", "auto"; throws on anything else.
RangeMethod ParseRangeMethod(const std::string& name);
const char* RangeMethodName(RangeMethod method);

struct Range {
  float lo = 0, hi = 0;
};

// The range each method picks; every range includes 0.
//   minmax:     the observed [min, max].
//   percentile: the `percentile` and 100 - `percentile` quantiles.
//   entropy:    the symmetric threshold T (range [-T, T] cut to [min, max])
//               minimizing KL(P || Q), P the histogram with outliers folded
//               into the edge bins, Q the same quantized to 256 levels.
//   mse:        the [lo, hi] minimizing the expected squared error of int8
//               quantization (clipping + uniform rounding noise), searched
//               over histogram bin edges.
// kAuto is decided per tensor by the quantizer (see quantize_model.h), not here.
Range MinMaxRange(const RangeObserver& o);
Range PercentileRange(const RangeObserver& o, double percentile);
Range EntropyRange(const RangeObserver& o);
Range MseRange(const RangeObserver& o);
Range ChooseRange(const RangeObserver& o, RangeMethod method, double percentile);

// The estimated mean squared error of quantizing the observed distribution to
// 256 levels over `r`: clipping error outside plus step^2 / 12 inside.
double QuantizationMse(const RangeObserver& o, Range r);

struct AffineParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
// Asymmetric int8 parameters covering `r` (which is first extended to include
// 0, so zero is exact): scale = (hi - lo) / 255, zero point = round(-128 - lo / scale).
AffineParams Int8ParamsForRange(Range r);
// The 16x8 (symmetric int16) scale covering `r`: max(|lo|, |hi|) / 32767, or
// 1 for an all-zero range. For constants, whose range is exact.
float Int16ScaleForRange(Range r);

// A 16x8 activation's range is the calibration's widened this many times:
// values beyond it clip, and a new input does go beyond (on one photograph
// not calibrated on, BlazeFace-back's later activations reached up to 2.15x
// the seven calibration photographs' maximum; clipping them took its score
// logits to 6.8 dB). Two bits of the fifteen: rounding at 14 bits is still
// ~40 dB below int8's; wider costs more than it saves (8x and 16x lowered
// BlazeFace-back's box outputs 4 and 14 dB below 4x: a tensor's small
// channels lose resolution to its largest).
constexpr float kInt16Headroom = 4.0f;
// The 16x8 scale of an activation observed over `r`.
float Int16ActivationScale(Range r);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_RANGE_OBSERVER_H_

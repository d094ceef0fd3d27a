#include "quantize/range_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace kite {
namespace converter {

void RangeObserver::Add(const float* values, size_t count) {
  float batch_min = std::numeric_limits<float>::infinity();
  float batch_max = -batch_min;
  size_t finite = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;  // NaN/inf would poison every range
    batch_min = std::min(batch_min, values[i]);
    batch_max = std::max(batch_max, values[i]);
    ++finite;
  }
  if (finite == 0) return;
  if (count_ == 0) {
    min_ = batch_min;
    max_ = batch_max;
    lo_ = batch_min;
    // A constant first batch still needs a positive bin width.
    width_ = batch_max > batch_min ? (static_cast<double>(batch_max) - batch_min) / kBins
                                   : std::max(1.0, std::fabs(static_cast<double>(batch_min))) * 1e-7;
    bins_.assign(kBins, 0.0);
  } else {
    Grow(batch_min, batch_max);
    min_ = std::min(min_, batch_min);
    max_ = std::max(max_, batch_max);
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;
    const double at = std::floor((values[i] - lo_) / width_);
    bins_[static_cast<size_t>(std::clamp(at, 0.0, static_cast<double>(kBins - 1)))] += 1.0;
  }
  count_ += static_cast<double>(finite);
}

void RangeObserver::AddChannelMeans(const float* values, size_t count, size_t channels) {
  if (channels == 0 || count % channels != 0) return;
  if (channel_means_.size() != channels) {
    channel_means_.assign(channels, 0.0);
    channel_rows_ = 0;
  }
  std::vector<double> sums(channels, 0.0);
  for (size_t i = 0; i < count; ++i) sums[i % channels] += values[i];
  const double rows = static_cast<double>(count / channels);
  // A running mean: stays exact enough over any number of samples.
  for (size_t c = 0; c < channels; ++c) {
    channel_means_[c] = (channel_means_[c] * channel_rows_ + sums[c]) / (channel_rows_ + rows);
  }
  channel_rows_ += rows;
}

// Doubles the bin width (merging neighbouring pairs) until [batch_min,
// batch_max] fits; growing to the left also moves `lo` so old bins stay whole.
void RangeObserver::Grow(float batch_min, float batch_max) {
  while (batch_min < lo_ || batch_max > lo_ + kBins * width_) {
    std::vector<double> merged(kBins, 0.0);
    const bool left = batch_min < lo_;
    for (int b = 0; b < kBins; ++b) merged[(left ? kBins / 2 : 0) + b / 2] += bins_[b];
    if (left) lo_ -= kBins * width_;
    width_ *= 2;
    bins_.swap(merged);
  }
}

RangeMethod ParseRangeMethod(const std::string& name) {
  if (name == "minmax") return RangeMethod::kMinMax;
  if (name == "percentile") return RangeMethod::kPercentile;
  if (name == "entropy") return RangeMethod::kEntropy;
  if (name == "mse") return RangeMethod::kMse;
  if (name == "auto") return RangeMethod::kAuto;
  throw std::runtime_error("unknown calibration method '" + name + "' (minmax, percentile, entropy, mse, auto)");
}

const char* RangeMethodName(RangeMethod method) {
  switch (method) {
    case RangeMethod::kMinMax: return "minmax";
    case RangeMethod::kPercentile: return "percentile";
    case RangeMethod::kEntropy: return "entropy";
    case RangeMethod::kMse: return "mse";
    case RangeMethod::kAuto: return "auto";
  }
  return "?";
}

namespace {

Range WithZero(Range r) { return {std::min(r.lo, 0.0f), std::max(r.hi, 0.0f)}; }

double Center(const RangeObserver& o, int b) { return o.lo() + (b + 0.5) * o.width(); }

// The value below which `mass` of the samples lie, interpolated within a bin.
double Quantile(const RangeObserver& o, double mass) {
  const std::vector<double>& bins = o.bins();
  double seen = 0;
  for (int b = 0; b < RangeObserver::kBins; ++b) {
    if (seen + bins[b] >= mass && bins[b] > 0) {
      return o.lo() + (b + (mass - seen) / bins[b]) * o.width();
    }
    seen += bins[b];
  }
  return o.lo() + RangeObserver::kBins * o.width();
}

}  // namespace

Range MinMaxRange(const RangeObserver& o) { return WithZero({o.min(), o.max()}); }

Range PercentileRange(const RangeObserver& o, double percentile) {
  if (o.empty()) return {};
  const double tail = std::clamp(1.0 - percentile / 100.0, 0.0, 0.5) * o.count();
  const double lo = std::max<double>(o.min(), Quantile(o, tail));
  const double hi = std::min<double>(o.max(), Quantile(o, o.count() - tail));
  return WithZero({static_cast<float>(lo), static_cast<float>(hi)});
}

double QuantizationMse(const RangeObserver& o, Range r) {
  if (o.empty()) return 0;
  r = WithZero(r);
  const double step = (static_cast<double>(r.hi) - r.lo) / 255.0;
  double error = 0;
  for (int b = 0; b < RangeObserver::kBins; ++b) {
    const double x = std::clamp(Center(o, b), static_cast<double>(o.min()), static_cast<double>(o.max()));
    const double c = o.bins()[b];
    if (x < r.lo) error += c * (r.lo - x) * (r.lo - x);
    else if (x > r.hi) error += c * (x - r.hi) * (x - r.hi);
    else error += c * step * step / 12.0;
  }
  return error / o.count();
}

Range MseRange(const RangeObserver& o) {
  if (o.empty()) return {};
  constexpr int kB = RangeObserver::kBins;
  // Prefix sums over bins of count, count * x and count * x^2 make each
  // candidate's error O(1).
  std::vector<double> c(kB + 1, 0), s(kB + 1, 0), q(kB + 1, 0);
  for (int b = 0; b < kB; ++b) {
    const double x = std::clamp(Center(o, b), static_cast<double>(o.min()), static_cast<double>(o.max()));
    c[b + 1] = c[b] + o.bins()[b];
    s[b + 1] = s[b] + o.bins()[b] * x;
    q[b + 1] = q[b] + o.bins()[b] * x * x;
  }
  const auto edge = [&](int i) { return o.lo() + i * o.width(); };
  constexpr int kStride = 4;
  double best = std::numeric_limits<double>::infinity();
  Range best_range = MinMaxRange(o);
  for (int i = 0; i <= kB; i += kStride) {
    // Bins below edge i are clipped to a; a must not cut above zero.
    const double a = i == 0 ? std::min<double>(o.min(), 0.0) : edge(i);
    if (a > 0) break;
    for (int j = kB; j > i; j -= kStride) {
      const double b = j == kB ? std::max<double>(o.max(), 0.0) : edge(j);
      if (b < 0) break;
      const double step = (b - a) / 255.0;
      const double below = a * a * c[i] - 2 * a * s[i] + q[i];
      const double above = (q[kB] - q[j]) - 2 * b * (s[kB] - s[j]) + b * b * (c[kB] - c[j]);
      const double error = below + above + (c[j] - c[i]) * step * step / 12.0;
      if (error < best) {
        best = error;
        best_range = {static_cast<float>(a), static_cast<float>(b)};
      }
    }
  }
  return WithZero(best_range);
}

Range EntropyRange(const RangeObserver& o) {
  if (o.empty()) return {};
  constexpr int kB = RangeObserver::kBins;
  constexpr int kLevels = 256;
  const double magnitude = std::max(std::fabs(o.min()), std::fabs(o.max()));
  const std::vector<double>& bins = o.bins();
  double best = std::numeric_limits<double>::infinity();
  Range best_range = MinMaxRange(o);
  std::vector<double> p(kB), level_mass(kLevels), level_bins(kLevels);
  for (int k = 256; k >= 8; --k) {
    const double t = magnitude * k / 256.0;
    const double a = std::min(0.0, std::max<double>(o.min(), -t));
    const double b = std::max(0.0, std::min<double>(o.max(), t));
    // P: the bins inside [a, b], with the clipped mass folded into the edges.
    int first = kB, last = -1;
    for (int bin = 0; bin < kB; ++bin) {
      const double x = Center(o, bin);
      if (x >= a && x <= b) {
        first = std::min(first, bin);
        last = bin;
      }
    }
    if (last - first + 1 < kLevels) break;  // finer than the histogram can judge
    std::fill(p.begin(), p.end(), 0.0);
    for (int bin = 0; bin < kB; ++bin) p[std::clamp(bin, first, last)] += bins[bin];
    // Q: the bins inside (without the folded outliers, so clipping costs)
    // quantized to 256 levels, each level's mass spread over its non-empty
    // bins. P and Q are normalized separately (TensorRT's calibrator).
    const double step = (b - a) / (kLevels - 1);
    std::fill(level_mass.begin(), level_mass.end(), 0.0);
    std::fill(level_bins.begin(), level_bins.end(), 0.0);
    const auto level = [&](int bin) {
      return std::clamp(static_cast<int>(std::lround((Center(o, bin) - a) / step)), 0, kLevels - 1);
    };
    double p_total = 0, q_total = 0;
    for (int bin = first; bin <= last; ++bin) {
      p_total += p[bin];
      if (bins[bin] <= 0) continue;
      level_mass[level(bin)] += bins[bin];
      level_bins[level(bin)] += 1;
      q_total += bins[bin];
    }
    double kl = 0;
    for (int bin = first; bin <= last; ++bin) {
      if (p[bin] <= 0) continue;
      // A bin that only holds folded outliers has no Q mass: smooth it.
      const double qv = bins[bin] > 0 ? level_mass[level(bin)] / level_bins[level(bin)] / q_total : 1e-12;
      const double pv = p[bin] / p_total;
      kl += pv * std::log(pv / qv);
    }
    if (kl < best) {
      best = kl;
      best_range = {static_cast<float>(a), static_cast<float>(b)};
    }
  }
  return WithZero(best_range);
}

Range ChooseRange(const RangeObserver& o, RangeMethod method, double percentile) {
  switch (method) {
    case RangeMethod::kMinMax: return MinMaxRange(o);
    case RangeMethod::kPercentile: return PercentileRange(o, percentile);
    case RangeMethod::kEntropy: return EntropyRange(o);
    case RangeMethod::kMse:
    case RangeMethod::kAuto: return MseRange(o);
  }
  return MinMaxRange(o);
}

AffineParams Int8ParamsForRange(Range r) {
  r = WithZero(r);
  const double span = static_cast<double>(r.hi) - r.lo;
  AffineParams p;
  if (!(span > 1e-30)) return p;  // an all-zero tensor: any scale represents it
  p.scale = static_cast<float>(span / 255.0);
  const double zp = std::nearbyint(-128.0 - r.lo / static_cast<double>(p.scale));
  p.zero_point = static_cast<int32_t>(std::clamp(zp, -128.0, 127.0));
  return p;
}

float Int16ScaleForRange(Range r) {
  const double max_abs = std::max(std::fabs(static_cast<double>(r.lo)), std::fabs(static_cast<double>(r.hi)));
  return max_abs > 0 ? static_cast<float>(max_abs / 32767.0) : 1.0f;
}

float Int16ActivationScale(Range r) {
  return Int16ScaleForRange({r.lo * kInt16Headroom, r.hi * kInt16Headroom});
}

}  // namespace converter
}  // namespace kite

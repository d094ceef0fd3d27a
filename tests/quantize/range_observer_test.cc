// The calibration observer and the four range methods on distributions whose
// right answer is known in advance.
#include "quantize/range_observer.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "support/test_util.h"

namespace kite {
namespace converter {
namespace {

constexpr size_t kSamples = 1 << 20;

uint32_t Seed() { return testing::TestSeed(); }

// Streams `values` in batches of 4096, as calibration streams one tensor per sample.
RangeObserver Observe(const std::vector<float>& values) {
  RangeObserver o;
  for (size_t i = 0; i < values.size(); i += 4096) o.Add(values.data() + i, std::min<size_t>(4096, values.size() - i));
  return o;
}

std::vector<float> Gaussian(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(kSamples);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(RangeObserver, KeepsExactMinMaxAndEveryCount) {
  SCOPED_TRACE("seed " + std::to_string(Seed()));
  const std::vector<float> v = Gaussian(Seed());
  const RangeObserver o = Observe(v);
  EXPECT_EQ(o.min(), *std::min_element(v.begin(), v.end()));
  EXPECT_EQ(o.max(), *std::max_element(v.begin(), v.end()));
  double total = 0;
  for (double c : o.bins()) total += c;
  EXPECT_EQ(total, static_cast<double>(kSamples));
  EXPECT_LE(o.lo(), o.min());
  EXPECT_GE(o.lo() + RangeObserver::kBins * o.width(), o.max());
}

TEST(RangeObserver, GrowsWithoutLosingCountsAndIsDeterministic) {
  // A narrow first batch, then wider ones on both sides: bins merge in pairs.
  RangeObserver a, b;
  const std::vector<float> first = {0.0f, 0.001f, 0.002f}, second = {-50.0f, 3.0f}, third = {1000.0f};
  for (RangeObserver* o : {&a, &b}) {
    o->Add(first.data(), first.size());
    o->Add(second.data(), second.size());
    o->Add(third.data(), third.size());
  }
  EXPECT_EQ(a.count(), 6);
  EXPECT_EQ(a.min(), -50.0f);
  EXPECT_EQ(a.max(), 1000.0f);
  EXPECT_EQ(a.bins(), b.bins());
  EXPECT_LE(a.lo(), -50.0);
  EXPECT_GE(a.lo() + RangeObserver::kBins * a.width(), 1000.0);
}

TEST(RangeObserver, IgnoresNonFiniteValues) {
  RangeObserver o;
  const std::vector<float> v = {1.0f, NAN, INFINITY, -2.0f};
  o.Add(v.data(), v.size());
  EXPECT_EQ(o.count(), 2);
  EXPECT_EQ(o.min(), -2.0f);
  EXPECT_EQ(o.max(), 1.0f);
}

TEST(RangeMethods, Gaussian) {
  SCOPED_TRACE("seed " + std::to_string(Seed()));
  std::vector<float> v = Gaussian(Seed());
  const RangeObserver o = Observe(v);
  const Range minmax = MinMaxRange(o);
  EXPECT_GT(minmax.hi, 4.0f);  // a million samples reach ~4.9 sigma
  EXPECT_LT(minmax.lo, -4.0f);
  // The histogram's percentile is the sample's own order statistic to within
  // one bin: that holds for every seed. The sample's 99.99th percentile
  // scatters around N(0, 1)'s 3.719 with a deviation of 0.025, so only a
  // loose bound (12 deviations) is checked against it.
  const Range pct = PercentileRange(o, 99.99);
  const size_t tail = static_cast<size_t>(1e-4 * kSamples);
  std::nth_element(v.begin(), v.end() - 1 - tail, v.end());
  EXPECT_NEAR(pct.hi, v[kSamples - 1 - tail], 1.01 * o.width());
  std::nth_element(v.begin(), v.begin() + tail, v.end());
  EXPECT_NEAR(pct.lo, v[tail], 1.01 * o.width());
  EXPECT_NEAR(pct.hi, 3.719f, 0.3f);
  EXPECT_NEAR(pct.lo, -3.719f, 0.3f);
  // For 8 bits the MSE-optimal clip of a Gaussian is about 4 sigma (between
  // the rounding noise of a wide range and the clipping of a narrow one).
  const Range mse = MseRange(o);
  EXPECT_GT(mse.hi, 3.0f);
  EXPECT_LT(mse.hi, minmax.hi);
  EXPECT_LT(QuantizationMse(o, mse), QuantizationMse(o, minmax));
  EXPECT_LT(QuantizationMse(o, mse), QuantizationMse(o, pct) * 1.0001);
  const Range kl = EntropyRange(o);
  EXPECT_GT(kl.hi, 2.5f);
  EXPECT_LE(kl.hi, minmax.hi);
  // A symmetric threshold T, cut to the data: [max(min, -T), min(max, T)].
  EXPECT_LT(kl.lo, -2.5f);
  EXPECT_GE(kl.lo, minmax.lo);
}

TEST(RangeMethods, LaplacianWithOutliers) {
  SCOPED_TRACE("seed " + std::to_string(Seed()));
  std::mt19937 rng(Seed());
  std::exponential_distribution<float> e(1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(kSamples);
  for (float& x : v) x = sign(rng) ? e(rng) : -e(rng);
  // A handful of huge outliers, as a badly behaved layer produces.
  for (int i = 0; i < 8; ++i) v[i * 1000] = 100.0f;
  const RangeObserver o = Observe(v);
  EXPECT_EQ(MinMaxRange(o).hi, 100.0f);
  // Percentile and entropy cut the outliers off: 8 in a million is below
  // the 99.99th percentile (|x| ~ 8.5 for Laplace(1)) and carries no entropy.
  const Range pct = PercentileRange(o, 99.99);
  EXPECT_GT(pct.hi, 7.0f);
  EXPECT_LT(pct.hi, 10.0f);
  const Range kl = EntropyRange(o);
  EXPECT_GT(kl.hi, 4.0f);
  EXPECT_LT(kl.hi, 20.0f);
  // MSE weighs each outlier by its squared distance: keeping them costs less
  // than clipping 8 values by ~90. It must beat every other method on its
  // own criterion.
  const Range mse = MseRange(o);
  for (const Range r : {MinMaxRange(o), pct, kl}) EXPECT_LE(QuantizationMse(o, mse), QuantizationMse(o, r) * 1.0001);
}

TEST(RangeMethods, ReluOutputKeepsZeroAsTheLowerEnd) {
  SCOPED_TRACE("seed " + std::to_string(Seed()));
  std::vector<float> v = Gaussian(Seed());
  for (float& x : v) x = std::max(x, 0.0f);
  const RangeObserver o = Observe(v);
  for (RangeMethod m : {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kEntropy, RangeMethod::kMse}) {
    SCOPED_TRACE(RangeMethodName(m));
    const Range r = ChooseRange(o, m, 99.99);
    EXPECT_EQ(r.lo, 0.0f);
    // Entropy clips hardest (its threshold lands between 1.8 and 3 sigma).
    EXPECT_GT(r.hi, m == RangeMethod::kEntropy ? 1.5f : 2.0f);
    // Zero is exact: the zero point is -128.
    EXPECT_EQ(Int8ParamsForRange(r).zero_point, -128);
  }
}

TEST(Int8Params, CoverTheRangeWithZeroExact) {
  const AffineParams p = Int8ParamsForRange({-1.0f, 3.0f});
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128 + 64);  // round(-128 + 1 / (4 / 255)) = -64.25 -> -64
  const AffineParams positive = Int8ParamsForRange({2.0f, 4.0f});  // extended to [0, 4]
  EXPECT_FLOAT_EQ(positive.scale, 4.0f / 255.0f);
  EXPECT_EQ(positive.zero_point, -128);
  EXPECT_EQ(Int8ParamsForRange({0.0f, 0.0f}).scale, 1.0f);
}

TEST(RangeMethods, ParseNames) {
  for (RangeMethod m : {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kEntropy, RangeMethod::kMse, RangeMethod::kAuto}) {
    EXPECT_EQ(ParseRangeMethod(RangeMethodName(m)), m);
  }
  EXPECT_THROW(ParseRangeMethod("kl"), std::runtime_error);
}

}  // namespace
}  // namespace converter
}  // namespace kite

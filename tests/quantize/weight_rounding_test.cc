// Rounding int8 weights with data (quantize/weight_rounding.h): never a worse
// output error than nearest rounding, much better where the taps are
// correlated, and the depthwise taps' moments as a direct computation gives.
#include "quantize/weight_rounding.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "support/test_util.h"

namespace kite {
namespace converter {
namespace {

// e^T H e for the levels q at `scale`.
double OutputError(const std::vector<float>& w, const std::vector<int8_t>& q, float scale, const std::vector<double>& h) {
  const size_t n = w.size();
  double f = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      f += (q[i] * static_cast<double>(scale) - w[i]) * h[i * n + j] * (q[j] * static_cast<double>(scale) - w[j]);
    }
  }
  return f;
}

std::vector<int8_t> Nearest(const std::vector<float>& w, float scale) {
  std::vector<int8_t> q;
  for (float v : w) q.push_back(static_cast<int8_t>(std::clamp(std::nearbyint(v / scale), -127.0f, 127.0f)));
  return q;
}

// The second moments of `samples` input patches x = common + noise * e_k:
// the taps see nearly the same value, as a conv's neighbouring pixels do.
std::vector<double> CorrelatedMoments(std::mt19937& rng, size_t taps, float noise) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<double> h(taps * taps, 0.0);
  const int samples = 400;
  std::vector<float> x(taps);
  for (int s = 0; s < samples; ++s) {
    const float common = d(rng);
    for (float& v : x) v = common + noise * d(rng);
    for (size_t i = 0; i < taps; ++i) {
      for (size_t j = 0; j < taps; ++j) h[i * taps + j] += static_cast<double>(x[i]) * x[j] / samples;
    }
  }
  return h;
}

// Weights as a conv's: one large tap sets the scale, the others small.
std::vector<float> ChannelWeights(std::mt19937& rng, size_t taps) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> w(taps);
  for (float& v : w) v = d(rng);
  w[rng() % taps] = 3.0f;
  return w;
}

TEST(WeightRounding, NeverWorseThanNearestAndWithinTheLevels) {
  const uint32_t seed = testing::TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (size_t taps : {1, 4, 9, 25, 49}) {
    for (float noise : {0.0f, 0.05f, 1.0f, 10.0f}) {
      const std::vector<float> w = ChannelWeights(rng, taps);
      const float scale = 3.0f / 127;
      const std::vector<double> h = CorrelatedMoments(rng, taps, noise);
      const std::vector<int8_t> q = RoundWithData(w.data(), static_cast<int32_t>(taps), scale, h);
      ASSERT_EQ(q.size(), taps);
      for (int8_t v : q) EXPECT_GE(v, -127);
      const std::vector<int8_t> nearest = Nearest(w, scale);
      EXPECT_LE(OutputError(w, q, scale, h), OutputError(w, nearest, scale, h) * (1 + 1e-9)) << taps << " taps, noise " << noise;
      // Each weight stays within a few levels of its nearest one.
      for (size_t k = 0; k < taps; ++k) EXPECT_LE(std::abs(q[k] - nearest[k]), 8) << k;
    }
  }
}

// Nine taps that see nearly one value: what counts is the sum of the
// errors, which nearest rounding leaves at up to 4.5 levels (0.87 RMS) and
// the data rounding can bring within half a level (0.29 RMS). Over 64
// channels the output error falls ~7.5x on average, at least 4.1x over 5000
// seeds; the bound is 3x.
TEST(WeightRounding, CorrelatedTapsCancelEachOthersErrors) {
  const uint32_t seed = testing::TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  double nearest_error = 0, data_error = 0;
  for (int c = 0; c < 64; ++c) {
    const std::vector<float> w = ChannelWeights(rng, 9);
    const float scale = 3.0f / 127;
    const std::vector<double> h = CorrelatedMoments(rng, 9, 0.02f);
    nearest_error += OutputError(w, Nearest(w, scale), scale, h);
    data_error += OutputError(w, RoundWithData(w.data(), 9, scale, h), scale, h);
  }
  EXPECT_LT(data_error, nearest_error / 3) << "nearest " << nearest_error << ", data " << data_error;
}

TEST(WeightRounding, DegenerateMomentsRoundToNearest) {
  const std::vector<float> w = {0.5f, -0.26f, 0.013f};
  const float scale = 0.5f / 127;
  EXPECT_EQ(RoundWithData(w.data(), 3, scale, std::vector<double>(9, 0.0)), Nearest(w, scale));
  EXPECT_EQ(RoundWithData(w.data(), 3, scale, {}), Nearest(w, scale));
}

// A 3x3 depthwise conv (stride 2, padding 1, ReLU6) over a 5x5x2 input: the
// moments equal a direct sum over the output pixels whose float output lies
// in [0 - 0.6, 6 + 0.6], the padded taps zero.
TEST(WeightRounding, DepthwiseMomentsCountTheUnclippedPatches) {
  const uint32_t seed = testing::TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  testing::Random random(seed);
  const int32_t dims[4] = {1, 5, 5, 2};
  const std::vector<float> x = random.Floats(50, -3.0f, 3.0f);
  const std::vector<float> w = random.Floats(18, -1.0f, 1.0f);
  const std::vector<float> bias = {0.5f, -0.25f};
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(schema::CreateConv2DOptions(fbb, 2, 2, 1, 1, 1, 1, 1, 1, 2, 0.0f, 6.0f));
  const schema::Conv2DOptions* options = flatbuffers::GetRoot<schema::Conv2DOptions>(fbb.GetBufferPointer());
  TapMoments m;
  AddDepthwiseMoments(*options, x.data(), dims, w.data(), 3, 3, bias.data(), &m);
  ASSERT_EQ(m.channels, 2);
  ASSERT_EQ(m.taps, 9);
  for (int c = 0; c < 2; ++c) {
    double count = 0;
    std::vector<double> sum(9, 0.0), cross(81, 0.0);
    for (int oy = 0; oy < 3; ++oy) {
      for (int ox = 0; ox < 3; ++ox) {
        float t[9];
        double out = bias[c];
        for (int k = 0; k < 9; ++k) {
          const int iy = oy * 2 - 1 + k / 3, ix = ox * 2 - 1 + k % 3;
          t[k] = iy < 0 || iy >= 5 || ix < 0 || ix >= 5 ? 0.0f : x[(iy * 5 + ix) * 2 + c];
          out += static_cast<double>(w[c * 9 + k]) * t[k];
        }
        if (out < -0.6 || out > 6.6) continue;
        count += 1;
        for (int k = 0; k < 9; ++k) {
          sum[k] += t[k];
          for (int l = 0; l < 9; ++l) cross[k * 9 + l] += static_cast<double>(t[k]) * t[l];
        }
      }
    }
    EXPECT_EQ(m.count[c], count) << c;
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(m.sum[c * 9 + k], sum[k], 1e-9) << c << " " << k;
    for (int k = 0; k < 81; ++k) EXPECT_NEAR(m.cross[c * 81 + k], cross[k], 1e-9) << c << " " << k;
    // The covariance about a mean mu is E[(x - mu)(x - mu)^T].
    if (count > 0) {
      const std::vector<double> h = m.Covariance(c, 0.25);
      EXPECT_NEAR(h[0], cross[0] / count - 2 * 0.25 * sum[0] / count + 0.25 * 0.25, 1e-9);
    } else {
      EXPECT_TRUE(m.Covariance(c, 0.25).empty());
    }
  }
}

}  // namespace
}  // namespace converter
}  // namespace kite

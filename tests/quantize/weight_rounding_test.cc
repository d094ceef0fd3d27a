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
      // Each weight rounds down or up, never further.
      for (size_t k = 0; k < taps; ++k) {
        EXPECT_GE(q[k], std::floor(w[k] / scale)) << k;
        EXPECT_LE(q[k], std::ceil(w[k] / scale)) << k;
      }
    }
  }
}

// Nine taps that see nearly one value: what counts is the sum of the
// errors, which nearest rounding leaves at up to 4.5 levels (0.87 RMS) and
// the data rounding can bring within half a level (0.29 RMS). Over 64
// channels the output error falls ~8x on average, at least 3.8x over seeds
// 1-1500 (each weight held to its floor or ceiling); the bound is 2.5x.
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
  EXPECT_LT(data_error, nearest_error / 2.5) << "nearest " << nearest_error << ", data " << data_error;
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
// Moments summed by hand, patch by patch, to check TapMoments against.
struct HandMoments {
  explicit HandMoments(int n) : taps(n), sum(n, 0.0), cross(static_cast<size_t>(n) * n, 0.0) {}
  void Add(const float* t) {
    count += 1;
    for (int k = 0; k < taps; ++k) {
      sum[k] += t[k];
      for (int l = 0; l < taps; ++l) cross[k * taps + l] += static_cast<double>(t[k]) * t[l];
    }
  }
  // Matrix c of `m` equals these sums within `tolerance`.
  void ExpectEqual(const TapMoments& m, int c, double tolerance) const {
    EXPECT_EQ(m.count[c], count) << c;
    for (int k = 0; k < taps; ++k) EXPECT_NEAR(m.sum[c * taps + k], sum[k], tolerance) << c << " " << k;
    for (int k = 0; k < taps * taps; ++k) {
      EXPECT_NEAR(m.cross[static_cast<size_t>(c) * taps * taps + k], cross[k], tolerance) << c << " " << k;
    }
  }
  int taps;
  double count = 0;
  std::vector<double> sum, cross;
};

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
    HandMoments hand(9);
    for (int oy = 0; oy < 3; ++oy) {
      for (int ox = 0; ox < 3; ++ox) {
        float t[9];
        double out = bias[c];
        for (int k = 0; k < 9; ++k) {
          const int iy = oy * 2 - 1 + k / 3, ix = ox * 2 - 1 + k % 3;
          t[k] = iy < 0 || iy >= 5 || ix < 0 || ix >= 5 ? 0.0f : x[(iy * 5 + ix) * 2 + c];
          out += static_cast<double>(w[c * 9 + k]) * t[k];
        }
        if (out >= -0.6 && out <= 6.6) hand.Add(t);
      }
    }
    hand.ExpectEqual(m, c, 1e-9);
    // The covariance about a mean mu is E[(x - mu)(x - mu)^T].
    if (hand.count > 0) {
      const std::vector<double> h = m.Covariance(c, std::vector<double>(9, 0.25));
      EXPECT_NEAR(h[0], hand.cross[0] / hand.count - 2 * 0.25 * hand.sum[0] / hand.count + 0.25 * 0.25, 1e-9);
    } else {
      EXPECT_TRUE(m.Covariance(c, std::vector<double>(9, 0.25)).empty());
    }
  }
}

// A dense 3x3 conv (stride 1, padding 1, ReLU6) over a 4x4x2 input with 3
// output channels: each channel's moments are a direct sum over the
// patches (taps ordered kh, kw, c as Kite's weights) where its own float
// output lies in [-0.6, 6.6].
TEST(WeightRounding, DenseMomentsCountEachChannelsUnclippedPatches) {
  const uint32_t seed = testing::TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  testing::Random random(seed);
  const int32_t dims[4] = {1, 4, 4, 2};
  const std::vector<float> x = random.Floats(32, -3.0f, 3.0f);
  const std::vector<float> w = random.Floats(3 * 18, -1.0f, 1.0f);
  const std::vector<float> bias = {0.5f, -0.25f, 2.0f};
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(schema::CreateConv2DOptions(fbb, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.0f, 6.0f));
  const schema::Conv2DOptions* options = flatbuffers::GetRoot<schema::Conv2DOptions>(fbb.GetBufferPointer());
  TapMoments m;
  AddDenseMoments(options, x.data(), dims, 4, w.data(), 3, 3, 3, bias.data(), 0.0f, 6.0f, &m);
  ASSERT_EQ(m.channels, 3);
  ASSERT_EQ(m.taps, 18);
  EXPECT_FALSE(m.depthwise);
  for (int oc = 0; oc < 3; ++oc) {
    HandMoments hand(18);
    for (int oy = 0; oy < 4; ++oy) {
      for (int ox = 0; ox < 4; ++ox) {
        float t[18];
        double out = bias[oc];
        for (int k = 0; k < 18; ++k) {
          const int iy = oy - 1 + k / 6, ix = ox - 1 + k / 2 % 3, c = k % 2;
          t[k] = iy < 0 || iy >= 4 || ix < 0 || ix >= 4 ? 0.0f : x[(iy * 4 + ix) * 2 + c];
          out += static_cast<double>(w[oc * 18 + k]) * t[k];
        }
        if (out >= -0.6 && out <= 6.6) hand.Add(t);
      }
    }
    hand.ExpectEqual(m, oc, 1e-4);
  }
}

// A fully-connected op without an activation: one set of moments over
// every row, the rows' own values.
TEST(WeightRounding, FullyConnectedMomentsShareOneMatrix) {
  const uint32_t seed = testing::TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  testing::Random random(seed);
  const int32_t dims[3] = {2, 3, 4};  // 6 rows of 4
  const std::vector<float> x = random.Floats(24, -2.0f, 2.0f);
  const std::vector<float> w = random.Floats(5 * 4, -1.0f, 1.0f);
  TapMoments m;
  AddDenseMoments(nullptr, x.data(), dims, 3, w.data(), 5, 1, 1, nullptr, -INFINITY, INFINITY, &m);
  ASSERT_EQ(m.channels, 1);
  ASSERT_EQ(m.taps, 4);
  HandMoments hand(4);
  for (int r = 0; r < 6; ++r) hand.Add(&x[r * 4]);
  hand.ExpectEqual(m, 0, 1e-5);
  // Fewer patches than asked for: no matrix, nearest rounding.
  EXPECT_TRUE(m.Covariance(0, {}, 8).empty());
  EXPECT_FALSE(m.Covariance(0, {}, 6).empty());
}

}  // namespace
}  // namespace converter
}  // namespace kite

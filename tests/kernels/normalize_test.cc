// NORMALIZE (LayerNormalization, InstanceNormalization): against the
// definition in double, with scale and bias broadcast, the optional bias and
// statistics outputs, and the errors prepare reports.
#include <algorithm>
#include <cmath>
#include <functional>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// A NORMALIZE op over `axes` of x [2, 3, 4], built and run; `bias` and
// `stats` choose whether the optional input and outputs are there.
struct NormalizeTester {
  std::vector<int32_t> axes;
  std::vector<int32_t> scale_shape = {4};
  std::vector<int32_t> bias_shape = {4};
  bool bias = true, stats = false;
  float epsilon = 1e-3f;

  RunResult Run(const std::vector<float>& x, const std::vector<float>& scale, const std::vector<float>& bias_data) const {
    ModelBuilder mb;
    const int tx = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4});
    const int ts = mb.Input("scale", schema::DataType_FLOAT32, scale_shape);
    std::vector<int> inputs = {tx, ts};
    if (bias) inputs.push_back(mb.Input("bias", schema::DataType_FLOAT32, bias_shape));
    std::vector<int32_t> stats_shape = {2, 3, 4};
    for (int32_t a : axes) stats_shape[a < 0 ? a + 3 : a] = 1;
    std::vector<int> outputs = {mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 4})};
    if (stats) {
      outputs.push_back(mb.Tensor("mean", schema::DataType_FLOAT32, stats_shape));
      outputs.push_back(mb.Tensor("inv", schema::DataType_FLOAT32, stats_shape));
    }
    schema::NormalizeOptionsT o;
    o.axes = axes;
    o.epsilon = epsilon;
    mb.Op(schema::OpCode_NORMALIZE, inputs, outputs, o);
    for (int t : outputs) mb.Output(t);
    std::vector<std::vector<uint8_t>> feeds = {AsBytes(x), AsBytes(scale)};
    if (bias) feeds.push_back(AsBytes(bias_data));
    return RunModel(mb.Build(), feeds);
  }
};

// The definition: per index outside `reduced`, the mean and biased variance
// over the reduced ones; scale and bias read through `at` (broadcast).
void Expected(const std::vector<float>& x, const bool reduced[3], float epsilon,
              const std::function<double(int, int, int)>& scale, const std::function<double(int, int, int)>& bias,
              std::vector<double>* y, std::vector<double>* mean, std::vector<double>* inv) {
  const int dims[3] = {2, 3, 4};
  y->assign(24, 0.0);
  mean->clear();
  inv->clear();
  for (int k0 = 0; k0 < (reduced[0] ? 1 : 2); ++k0)
    for (int k1 = 0; k1 < (reduced[1] ? 1 : 3); ++k1)
      for (int k2 = 0; k2 < (reduced[2] ? 1 : 4); ++k2) {
        std::vector<int> members;
        for (int i = 0; i < dims[0]; ++i)
          for (int j = 0; j < dims[1]; ++j)
            for (int k = 0; k < dims[2]; ++k) {
              if ((reduced[0] || i == k0) && (reduced[1] || j == k1) && (reduced[2] || k == k2)) members.push_back((i * 3 + j) * 4 + k);
            }
        double m = 0, v = 0;
        for (int e : members) m += x[e];
        m /= members.size();
        for (int e : members) v += (x[e] - m) * (x[e] - m);
        v /= members.size();
        const double r = 1.0 / std::sqrt(v + epsilon);
        for (int e : members) (*y)[e] = (x[e] - m) * r * scale(e / 12, (e / 4) % 3, e % 4) + bias(e / 12, (e / 4) % 3, e % 4);
        mean->push_back(m);
        inv->push_back(r);
      }
}

TEST(Normalize, LayerNormOverTheLastAxisWithStatistics) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = rng.Floats(24, -3.0f, 5.0f), scale = rng.Floats(4, 0.5f, 2.0f), bias = rng.Floats(4);
  NormalizeTester t;
  t.axes = {-1};
  t.stats = true;
  const RunResult r = t.Run(x, scale, bias);
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const bool reduced[3] = {false, false, true};
  std::vector<double> y, mean, inv;
  Expected(x, reduced, t.epsilon, [&](int, int, int k) { return scale[k]; }, [&](int, int, int k) { return bias[k]; }, &y, &mean, &inv);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), y, 1e-5, 1e-5);
  ExpectNearAll(FromBytes<float>(r.outputs[1]), mean, 1e-6, 1e-6);
  ExpectNearAll(FromBytes<float>(r.outputs[2]), inv, 1e-6, 1e-5);
}

// Two reduced axes that are not neighbours, a scale broadcast along the kept
// one ([3, 1] against [2, 3, 4]) and no bias.
TEST(Normalize, SeveralAxesBroadcastScaleAndNoBias) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = rng.Floats(24, -1.0f, 1.0f), scale = rng.Floats(3, -2.0f, 2.0f);
  NormalizeTester t;
  t.axes = {0, 2};
  t.scale_shape = {3, 1};  // along dimension 1
  t.bias = false;
  const RunResult r = t.Run(x, scale, {});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const bool reduced[3] = {true, false, true};
  std::vector<double> y, mean, inv;
  Expected(x, reduced, t.epsilon, [&](int, int j, int) { return scale[j]; }, [](int, int, int) { return 0.0; }, &y, &mean, &inv);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), y, 1e-5, 1e-5);
}

// int8 LayerNorm over a transformer's token rows (x [2, 5, 64], scale and
// bias float32 [64]): bit for bit the specification at the top of
// kernels/reference/normalize.cc, and within 1 LSB of the definition on the
// dequantized input.
TEST(Normalize, Int8LayerNormMatchesTheSpecification) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int rows = 10, width = 64;
  const auto x = rng.Int8s(rows * width);
  const auto scale = rng.Floats(width, 0.5f, 2.0f), bias = rng.Floats(width, -0.5f, 0.5f);
  const float sx = 0.05f, sy = 0.02f, epsilon = 1e-5f;
  const int32_t zx = 9, zy = -3;
  ModelBuilder mb;
  const int tx = mb.Input("x", schema::DataType_INT8, {2, 5, width}, PerTensor(sx, zx));
  const int ts = mb.Constant("scale", schema::DataType_FLOAT32, {width}, scale);
  const int tb = mb.Constant("bias", schema::DataType_FLOAT32, {width}, bias);
  const int ty = mb.Tensor("y", schema::DataType_INT8, {2, 5, width}, PerTensor(sy, zy));
  schema::NormalizeOptionsT o;
  o.axes = {-1};
  o.epsilon = epsilon;
  mb.Op(schema::OpCode_NORMALIZE, {tx, ts, tb}, {ty}, o);
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto got = FromBytes<int8_t>(r.outputs[0]);
  std::vector<int8_t> expected;
  for (int row = 0; row < rows; ++row) {
    int64_t sum = 0, squares = 0;
    for (int i = 0; i < width; ++i) {
      const int64_t d = x[row * width + i] - zx;
      sum += d;
      squares += d * d;
    }
    const double mean = static_cast<double>(sum) / width;
    const double var = (static_cast<double>(squares) / width - mean * mean) * (double{sx} * sx);
    const float m = static_cast<float>(mean), a = sx * static_cast<float>(1.0 / std::sqrt(var + epsilon));
    double dmean = 0, dvar = 0;  // the definition, in double on the dequantized row
    for (int i = 0; i < width; ++i) dmean += (x[row * width + i] - zx) * double{sx} / width;
    for (int i = 0; i < width; ++i) dvar += std::pow((x[row * width + i] - zx) * double{sx} - dmean, 2) / width;
    for (int i = 0; i < width; ++i) {
      const float v = (static_cast<float>(x[row * width + i] - zx) - m) * a * scale[i] + bias[i];
      expected.push_back(SpecRoundToInt8(v / sy, zy));
      const double exact = ((x[row * width + i] - zx) * double{sx} - dmean) / std::sqrt(dvar + epsilon) * scale[i] + bias[i];
      EXPECT_NEAR(got[row * width + i], std::clamp(exact / sy + zy, -128.0, 127.0), 1.0) << "row " << row << ", " << i;
    }
  }
  ExpectEqualInt8(got, expected);
}

TEST(Normalize, Int8RefusesStatisticsOutputs) {
  ModelBuilder mb;
  const int tx = mb.Input("x", schema::DataType_INT8, {2, 4}, PerTensor(0.1f, 0));
  const int ts = mb.Constant("scale", schema::DataType_FLOAT32, {4}, std::vector<float>(4, 1.0f));
  const int ty = mb.Tensor("y", schema::DataType_INT8, {2, 4}, PerTensor(0.1f, 0));
  const int tm = mb.Tensor("mean", schema::DataType_FLOAT32, {2, 1});
  const int ti = mb.Tensor("inv", schema::DataType_FLOAT32, {2, 1});
  schema::NormalizeOptionsT o;
  o.axes = {-1};
  mb.Op(schema::OpCode_NORMALIZE, {tx, ts}, {ty, tm, ti}, o);
  for (int t : {ty, tm, ti}) mb.Output(t);
  const RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(8)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("float only"), std::string::npos) << r.error;
}

TEST(Normalize, RefusesBadOptionsAndShapes) {
  const std::vector<float> x(24, 1.0f), four(4, 1.0f), three(3, 1.0f);
  NormalizeTester repeated;
  repeated.axes = {2, -1};
  RunResult r = repeated.Run(x, four, four);
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("repeated"), std::string::npos) << r.error;

  NormalizeTester wrong_scale;
  wrong_scale.axes = {2};
  wrong_scale.scale_shape = {3};
  r = wrong_scale.Run(x, three, four);
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("does not broadcast"), std::string::npos) << r.error;

  NormalizeTester negative_epsilon;
  negative_epsilon.axes = {2};
  negative_epsilon.epsilon = -1.0f;
  r = negative_epsilon.Run(x, four, four);
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("epsilon"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

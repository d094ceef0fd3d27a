// PRelu (face-recognition nets' activation: a learned slope per channel for
// negative inputs) against its ONNX definition (float) and the int8
// specification at the top of kernels/reference/binary.cc.
#include <cmath>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// An NHWC activation [1, h, w, c] and a slope of shape `slope` that
// broadcasts to it: [c] per channel, [1] shared, or the activation's own.
class PReluTester {
 public:
  PReluTester(int32_t h, int32_t w, int32_t c, std::vector<int32_t> slope) : shape_{1, h, w, c}, slope_(std::move(slope)) {}
  size_t elements() const { return static_cast<size_t>(shape_[1]) * shape_[2] * shape_[3]; }
  size_t slope_elements() const {
    size_t n = 1;
    for (int32_t d : slope_) n *= static_cast<size_t>(d);
    return n;
  }
  // The slope's element for activation element i.
  size_t SlopeIndex(size_t i) const {
    const size_t n = slope_elements();
    return n == 1 ? 0 : n == elements() ? i : i % static_cast<size_t>(shape_[3]);
  }
  RunResult Run(schema::DataType type, const std::vector<uint8_t>& x, const std::vector<uint8_t>& slope, bool slope_constant,
                const Quant& x_q = {}, const Quant& slope_q = {}, const Quant& y_q = {}) const {
    ModelBuilder mb;
    const int tx = mb.Input("x", type, shape_, x_q);
    const int ts = slope_constant ? mb.Constant("slope", type, slope_, slope, slope_q) : mb.Input("slope", type, slope_, slope_q);
    const int ty = mb.Tensor("y", type, shape_, y_q);
    mb.Op(schema::OpCode_PRELU, {tx, ts}, {ty}, schema::BinaryOptionsT{});
    mb.Output(ty);
    return RunModel(mb.Build(), slope_constant ? std::vector<std::vector<uint8_t>>{x} : std::vector<std::vector<uint8_t>>{x, slope});
  }

 private:
  std::vector<int32_t> shape_, slope_;
};

TEST(PRelu, Float32PerChannelSlope) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const PReluTester t(3, 5, 7, {7});
  const auto x = rng.Floats(t.elements(), -3.0f, 3.0f), slope = rng.Floats(t.slope_elements(), -0.5f, 0.5f);
  const RunResult r = t.Run(schema::DataType_FLOAT32, AsBytes(x), AsBytes(slope), true);
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (size_t i = 0; i < x.size(); ++i) expected.push_back(x[i] < 0 ? double{x[i]} * slope[t.SlopeIndex(i)] : x[i]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
}

// Per-channel, shared and full-shape slopes, constant or computed, with
// nonzero zero points on all three tensors.
TEST(PRelu, Int8MatchesTheSpecification) {
  struct Case {
    std::vector<int32_t> slope;
    bool constant;
  };
  for (const Case& c : {Case{{7}, true}, Case{{1}, true}, Case{{1, 3, 5, 7}, false}}) {
    SCOPED_TRACE("seed " + std::to_string(TestSeed()) + ", slope of " + std::to_string(c.slope.size()) + " dimensions");
    Random rng(TestSeed());
    const PReluTester t(3, 5, 7, c.slope);
    const auto x = rng.Int8s(t.elements()), slope = rng.Int8s(t.slope_elements());
    const float sx = 0.05f, ss = rng.Uniform(0.002f, 0.004f), sy = 0.04f;
    const int32_t zx = 11, zs = -100, zy = -20;
    const RunResult r = t.Run(schema::DataType_INT8, AsBytes(x), AsBytes(slope), c.constant, PerTensor(sx, zx),
                              PerTensor(ss, zs), PerTensor(sy, zy));
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<int8_t> expected;
    int negative = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const int32_t a = x[i] - zx, b = slope[t.SlopeIndex(i)] - zs;
      negative += a < 0;
      const float v = a < 0 ? static_cast<float>(a * b) * (sx * ss / sy) : static_cast<float>(a) * (sx / sy);
      expected.push_back(SpecRoundToInt8(v, zy));
    }
    ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
    // Both branches, or the case tests half the op.
    EXPECT_GT(negative, 0);
    EXPECT_LT(negative, static_cast<int>(x.size()));
  }
}

TEST(PRelu, Int8RefusesAFloatSlope) {
  ModelBuilder mb;
  const int tx = mb.Input("x", schema::DataType_INT8, {1, 1, 1, 4}, PerTensor(0.1f, 0));
  const int ts = mb.Constant("slope", schema::DataType_FLOAT32, {4}, std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
  const int ty = mb.Tensor("y", schema::DataType_INT8, {1, 1, 1, 4}, PerTensor(0.1f, 0));
  mb.Op(schema::OpCode_PRELU, {tx, ts}, {ty}, schema::BinaryOptionsT{});
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(4)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("second input"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

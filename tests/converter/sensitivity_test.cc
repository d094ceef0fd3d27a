// MeasureSensitivity (kite compare --sensitivity) on a small conv net: the
// input's rounding alone, computed by hand here, and the identities between
// the "alone" and "all but one" runs that hold whatever the numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "analysis/layer_compare.h"
#include "analysis/sensitivity.h"
#include "convert.h"
#include "converter/small_conv_net.h"
#include "data/npy.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"
#include "writer/model_writer.h"

namespace kite {
namespace testing {
namespace {

const std::string kDir = KITE_TEST_WORK_DIR;

// The small net, and its int8 conversion calibrated on the one input x.
struct Converted {
  std::vector<uint8_t> float_bytes, int8_bytes;
};

Converted Convert(uint32_t seed, const std::vector<float>& x, converter::RangeMethod method, bool all_16x8 = false) {
  const std::string onnx = SmallConvNet(seed, kDir, TestScopedName("conv.onnx"));
  converter::NpyArray calibration{"<f4", {1, 4, 8, 8}, {}};
  calibration.data.resize(x.size() * 4);
  std::memcpy(calibration.data.data(), x.data(), calibration.data.size());
  converter::WriteNpy(kDir + "/" + TestScopedName("calibration.npy"), calibration);
  converter::ConvertOptions o;
  o.quantization.int8 = true;
  o.quantization.calibration = kDir + "/" + TestScopedName("calibration.npy");
  o.quantization.quantize.method = method;
  o.quantization.quantize.all_int16 = all_16x8;
  return {converter::ConvertOnnx(onnx, {}, nullptr), converter::ConvertOnnx(onnx, o, nullptr)};
}

TEST(Sensitivity, InputRoundingAloneMatchesAHandComputationAndRunsPair) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<float> x = Random(seed + 1).Floats(256);
  const Converted c = Convert(seed, x, converter::RangeMethod::kMinMax);  // both convs int8
  const std::vector<uint8_t>& fp = c.float_bytes;
  const std::vector<uint8_t>& q = c.int8_bytes;
  const converter::SensitivityResult r = converter::MeasureSensitivity(fp, q, [&](size_t) { return std::vector<std::vector<float>>{x}; }, 1);
  EXPECT_EQ(r.samples, 1u);
  ASSERT_EQ(r.outputs, std::vector<std::string>{"y"});
  EXPECT_TRUE(r.discrete_outputs.empty());
  // The graph input, conv1 (its ReLU fused) and conv2 are rounded in int8.
  ASSERT_EQ(r.tensors.size(), 3u);
  EXPECT_EQ(r.tensors[0].op, "QUANTIZE");
  EXPECT_EQ(r.tensors[1].node, "conv1");
  EXPECT_EQ(r.tensors[2].node, "conv2");

  // The input's rounding alone, by hand: x rounded with the int8 model's
  // input scale and zero point, through the float model.
  const schema::ModelT m = Unpack(q);
  float scale = 0;
  int64_t zero_point = 0;
  for (const auto& op : m.operators) {
    if (op->opcode != schema::OpCode_QUANTIZE) continue;
    scale = m.tensors[op->outputs[0]]->quantization->scale[0];
    zero_point = m.tensors[op->outputs[0]]->quantization->zero_point[0];
  }
  ASSERT_GT(scale, 0.0f);
  std::vector<float> rounded = x;
  for (float& v : rounded) v = (std::clamp(std::nearbyint(v / scale) + zero_point, -128.0f, 127.0f) - zero_point) * scale;
  const std::vector<float> clean = RunFirstOutput(fp, x), noisy = RunFirstOutput(fp, rounded);
  converter::ErrorStats e;
  e.Add(clean.data(), noisy.data(), clean.size());
  EXPECT_NEAR(r.tensors[0].alone_db, e.sqnr_db(), 1e-6);

  // The other runs are finite, and int8 tracks float on this small net.
  EXPECT_TRUE(std::isfinite(r.all_rounded_db));
  EXPECT_GT(r.int8_model_db, 20.0);
  for (const auto& t : r.tensors) {
    EXPECT_TRUE(std::isfinite(t.alone_db)) << t.node;
    EXPECT_TRUE(std::isfinite(t.kept_db)) << t.node;
  }
}

// conv1's int8 weights and bias alone, by hand: the float model with them
// dequantized in place of its own (the bias's scale is the input's times
// each channel's weight scale). And with every rounding simulated, the
// simulation is the int8 model up to its kernels' arithmetic.
TEST(Sensitivity, WeightRoundingAloneMatchesAHandComputation) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<float> x = Random(seed + 1).Floats(256);
  const Converted c = Convert(seed, x, converter::RangeMethod::kMinMax);  // both convs int8
  const converter::SensitivityResult r =
      converter::MeasureSensitivity(c.float_bytes, c.int8_bytes, [&](size_t) { return std::vector<std::vector<float>>{x}; }, 1);
  ASSERT_EQ(r.weights.size(), 2u);
  ASSERT_EQ(r.weights[0].node, "conv1");
  EXPECT_EQ(r.weights[1].node, "conv2");

  const schema::ModelT q = Unpack(c.int8_bytes);
  schema::ModelT f = Unpack(c.float_bytes);
  const auto find = [](const schema::ModelT& m, const std::string& node) -> const schema::OperatorT& {
    for (const auto& op : m.operators) {
      if (op->source_node == node) return *op;
    }
    throw std::runtime_error("no op " + node);
  };
  const schema::OperatorT& qop = find(q, "conv1");
  const schema::OperatorT& fop = find(f, "conv1");
  const schema::TensorT& qw = *q.tensors[qop.inputs[1]];
  const float in_scale = q.tensors[qop.inputs[0]]->quantization->scale[0];
  const std::vector<uint8_t>& wq = q.buffers[qw.buffer]->data;
  const std::vector<uint8_t>& bq = q.buffers[q.tensors[qop.inputs[2]]->buffer]->data;
  std::vector<uint8_t>& wf = f.buffers[f.tensors[fop.inputs[1]]->buffer]->data;
  std::vector<uint8_t>& bf = f.buffers[f.tensors[fop.inputs[2]]->buffer]->data;
  const size_t channels = qw.quantization->scale.size(), per_channel = wq.size() / channels;
  ASSERT_EQ(wf.size(), wq.size() * 4);
  ASSERT_EQ(bf.size(), channels * 4);
  for (size_t i = 0; i < wq.size(); ++i) {
    const float v = static_cast<float>(static_cast<int8_t>(wq[i]) * static_cast<double>(qw.quantization->scale[i / per_channel]));
    std::memcpy(wf.data() + 4 * i, &v, 4);
  }
  for (size_t o = 0; o < channels; ++o) {
    int32_t b;
    std::memcpy(&b, bq.data() + 4 * o, 4);
    const float v = static_cast<float>(b * static_cast<double>(qw.quantization->scale[o] * in_scale));
    std::memcpy(bf.data() + 4 * o, &v, 4);
  }
  const std::vector<float> clean = RunFirstOutput(c.float_bytes, x), noisy = RunFirstOutput(converter::SerializeModel(f), x);
  converter::ErrorStats e;
  e.Add(clean.data(), noisy.data(), clean.size());
  EXPECT_NEAR(r.weights[0].alone_db, e.sqnr_db(), 1e-6);

  EXPECT_TRUE(std::isfinite(r.weights_rounded_db));
  EXPECT_NEAR(r.everything_rounded_db, r.int8_model_db, 1.5);
}

// With two roundings, "all but one" is the same run as "the other alone":
// the report must give the same number, bit for bit.
TEST(Sensitivity, WithTwoRoundingsAllButOneIsTheOtherAlone) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<float> x = Random(seed + 1).Floats(256);
  const Converted c = Convert(seed, x, converter::RangeMethod::kAuto);  // conv2 computes the output: float
  const std::vector<uint8_t>& fp = c.float_bytes;
  const std::vector<uint8_t>& q = c.int8_bytes;
  const converter::SensitivityResult r = converter::MeasureSensitivity(fp, q, [&](size_t) { return std::vector<std::vector<float>>{x}; }, 1);
  ASSERT_EQ(r.tensors.size(), 2u);
  EXPECT_EQ(r.tensors[0].kept_db, r.tensors[1].alone_db);
  EXPECT_EQ(r.tensors[1].kept_db, r.tensors[0].alone_db);
  EXPECT_GE(r.tensors[0].alone_db, r.all_rounded_db - 3.0) << "one rounding alone should not be far noisier than both";
}

TEST(Sensitivity, ModelsThatDoNotMatchAreAnError) {
  const std::vector<uint8_t> fp = converter::ConvertOnnx(SmallConvNet(1, kDir, TestScopedName("conv.onnx")), {}, nullptr);
  const std::vector<float> x = Random(2).Floats(256);
  EXPECT_THROW(converter::MeasureSensitivity(fp, fp, [&](size_t) { return std::vector<std::vector<float>>{x}; }, 1), std::runtime_error);
}

// A 16x8 conversion has no int8 activation to round: the error says so, and
// which conversion to compare instead.
TEST(Sensitivity, A16x8ConversionIsNamedInTheError) {
  const std::vector<float> x = Random(2).Floats(256);
  const Converted c = Convert(1, x, converter::RangeMethod::kMinMax, true);
  try {
    converter::MeasureSensitivity(c.float_bytes, c.int8_bytes, [&](size_t) { return std::vector<std::vector<float>>{x}; }, 1);
    ADD_FAILURE() << "a 16x8 model has no int8 activation to round";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--quantize 16x8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

// kite convert --target-sqnr: the mixed-precision search on a net built so
// that one int8 activation ruins the output. conv_b's two channels differ in
// range 10^4-fold and the output reads only the small one, which int8
// rounding at the large one's scale wipes out; so does 16x8 (the small
// channel spans ~3 int16 steps), so the search must go on to float.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <tuple>

#include "analysis/layer_compare.h"
#include "convert.h"
#include "quantize/quantize_model.h"
#include "data/npy.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

const std::string kDir = KITE_TEST_WORK_DIR;

// x [1, 4, 8, 8] -> conv_a 3x3 (8) -> Relu -> conv_b 1x1 (2: 100 x and
// 0.01 x a sum of conv_a's channels) -> conv_c 1x1 (1: 100 x the small one) -> y
std::string RangeClashNet(uint32_t seed) {
  Random random(seed);
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("wa", {8, 4, 3, 3}, random.Floats(8 * 4 * 9, -0.5f, 0.5f));
  b.Initializer("ba", {8}, random.Floats(8, 0.0f, 0.2f));
  std::vector<float> wb = random.Floats(16, 0.5f, 1.0f);
  for (int c = 0; c < 8; ++c) {
    wb[c] *= 100.0f;
    wb[8 + c] *= 0.01f;
  }
  b.Initializer("wb", {2, 8, 1, 1}, wb);
  b.Initializer("wc", {1, 2, 1, 1}, {0.0f, 100.0f});
  OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "wa", "ba"}, {"a"}, "conv_a"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"a"}, {"r"}, "relu_a");
  b.Node("Conv", {"r", "wb"}, {"c"}, "conv_b");
  b.Node("Conv", {"c", "wc"}, {"y"}, "conv_c");
  b.Output("y");
  return b.Save(kDir, TestScopedName("range_clash.onnx"));
}

struct Case {
  std::vector<uint8_t> float_bytes;
  std::string onnx, calibration;
  std::vector<float> input;  // the first calibration sample
};

// x [1, 4, 8, 8] -> conv_a 1x1 (4: x's channels, the first times 0.001) ->
// conv_w 1x1 (1: 100 x the tiny first channel, about 0.3 x the others) -> y.
// y's variance comes from the small weights, which conv_w's int8 scale
// (100 / 127) rounds to 0 or 0.79: its int8 weights ruin y whatever the
// activations' precision.
std::string WeightClashNet(uint32_t seed, bool on_16x16_grid) {
  Random random(seed);
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("wa", {4, 4, 1, 1}, {0.001f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
  std::vector<float> small = random.Floats(3, 0.2f, 0.35f);
  // On 16x16's levels (steps of 100 / 2047) they round exactly there.
  const float step = 100.0f / static_cast<float>(converter::kInt16WeightLevel);
  if (on_16x16_grid) {
    for (float& v : small) v = std::nearbyint(v / step) * step;
  }
  b.Initializer("ww", {1, 4, 1, 1}, {100.0f, small[0], -small[1], small[2]});
  b.Node("Conv", {"x", "wa"}, {"a"}, "conv_a");
  b.Node("Conv", {"a", "ww"}, {"y"}, "conv_w");
  b.Output("y");
  return b.Save(kDir, TestScopedName("weight_clash.onnx"));
}

std::string WeightClashNet(uint32_t seed) { return WeightClashNet(seed, false); }
std::string WeightClashOn16x16GridNet(uint32_t seed) { return WeightClashNet(seed, true); }

Case Make(uint32_t seed, std::string (*net)(uint32_t) = RangeClashNet) {
  Case c;
  c.onnx = net(seed);
  const std::vector<float> v = Random(seed + 1).Floats(4 * 256);
  converter::NpyArray a{"<f4", {4, 4, 8, 8}, {}};
  a.data.resize(v.size() * 4);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  c.calibration = kDir + "/" + TestScopedName("calibration.npy");
  converter::WriteNpy(c.calibration, a);
  c.input.assign(v.begin(), v.begin() + 256);
  c.float_bytes = converter::ConvertOnnx(c.onnx, {}, nullptr);
  return c;
}

double SqnrOnInput(const Case& c, const std::vector<uint8_t>& int8) {
  const std::vector<float> want = RunFirstOutput(c.float_bytes, c.input), got = RunFirstOutput(int8, c.input);
  converter::ErrorStats e;
  e.Add(want.data(), got.data(), want.size());
  return e.sqnr_db();
}

// `budget`: the float MAC share; this tiny net's conv_b costs ~half its
// time in float by the cost model, so the slowdown budget is 100% but where
// a test says otherwise.
converter::ConvertOptions Int8(const Case& c, double target, double budget, double slowdown = 1.0) {
  converter::ConvertOptions o;
  o.quantization.mixed_precision.use_16x8 = true;
  o.quantization.int8 = true;
  o.quantization.calibration = c.calibration;
  o.quantization.target_sqnr_db = target;
  o.quantization.mixed_precision.max_float_mac_share = budget;
  o.quantization.mixed_precision.max_slowdown = slowdown;
  return o;
}

TEST(MixedPrecision, RunsTheClashingConvInFloatAndMeetsTheTarget) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Case c = Make(seed);
  const std::vector<uint8_t> all_int8 = converter::ConvertOnnx(c.onnx, Int8(c, 0, 0.1), nullptr);
  EXPECT_LT(SqnrOnInput(c, all_int8), 15.0) << "the net should defeat plain int8";

  converter::ConvertReport r;
  const std::vector<uint8_t> mixed = converter::ConvertOnnx(c.onnx, Int8(c, 30, 0.1), &r);
  ASSERT_TRUE(r.mixed_precision_ran);
  EXPECT_TRUE(r.mixed_precision.float_nodes.count("conv_b")) << "conv_b computes the clashing activation";
  EXPECT_FALSE(r.mixed_precision.float_nodes.count("conv_a")) << "conv_a's output is harmless, and 90% of the MACs";
  EXPECT_LE(r.mixed_precision.float_macs, r.mixed_precision.model_macs / 10);
  EXPECT_GT(r.mixed_precision.estimated_slowdown, 0.2) << "conv_b's float MACs, by the cost model";
  EXPECT_LE(r.mixed_precision.estimated_slowdown, 1.0);
  EXPECT_LT(r.mixed_precision.all_int8_db, 15.0);
  EXPECT_GE(r.mixed_precision.chosen_db, 30.0);
  EXPECT_GE(SqnrOnInput(c, mixed), 30.0) << "the int8 model itself, not only the simulation";
  bool reported = false;
  for (const auto& f : r.quantization.kept_float) reported = reported || (f.node == "conv_b" && f.reason.find("mixed precision") != std::string::npos);
  EXPECT_TRUE(reported) << "kite convert should say why conv_b is float";
  EXPECT_EQ(mixed, converter::ConvertOnnx(c.onnx, Int8(c, 30, 0.1), nullptr)) << "the same inputs give the same file";
}

// No float MACs allowed: 16x8 only (no float MACs); without 16x8 too, or
// with no slowdown allowed, nothing changes.
TEST(MixedPrecision, NothingIsPromotedBeyondEitherBudget) {
  const Case c = Make(7);
  const std::vector<uint8_t> all_int8 = converter::ConvertOnnx(c.onnx, Int8(c, 0, 0.1), nullptr);
  {
    converter::ConvertReport r;
    converter::ConvertOnnx(c.onnx, Int8(c, 30, 0.0, 1.0), &r);
    ASSERT_TRUE(r.mixed_precision_ran);
    EXPECT_TRUE(r.mixed_precision.float_nodes.empty());
    EXPECT_EQ(r.mixed_precision.float_macs, 0u);
    EXPECT_TRUE(r.mixed_precision.int16_nodes.count("conv_b")) << "16x8 spends no float MACs";
  }
  for (const auto& [macs, slowdown, use_16x8] : {std::tuple<double, double, bool>{0.0, 1.0, false}, {0.1, 0.0, true}}) {
    SCOPED_TRACE("MAC budget " + std::to_string(macs) + ", slowdown budget " + std::to_string(slowdown) +
                 (use_16x8 ? "" : ", no 16x8"));
    converter::ConvertReport r;
    converter::ConvertOptions o = Int8(c, 30, macs, slowdown);
    o.quantization.mixed_precision.use_16x8 = use_16x8;
    const std::vector<uint8_t> bytes = converter::ConvertOnnx(c.onnx, o, &r);
    ASSERT_TRUE(r.mixed_precision_ran);
    EXPECT_TRUE(r.mixed_precision.float_nodes.empty());
    EXPECT_TRUE(r.mixed_precision.int16_nodes.empty());
    EXPECT_EQ(r.mixed_precision.estimated_slowdown, 0.0);
    EXPECT_EQ(bytes, all_int8) << "an empty choice is the all-int8 model";
  }
}

// --quantize 16x8 searches too, from every op in 16x8: the conv whose int8
// weights ruin the output goes to float, the rest stays 16x8.
TEST(MixedPrecision, From16x8TheConvWhoseWeightsRoundBadlyRunsInFloat) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Case c = Make(seed, WeightClashNet);
  converter::ConvertOptions o = Int8(c, 0, 0.5, 10.0);  // conv_w: 20% of the MACs
  o.quantization.quantize.all_int16 = true;
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto would keep conv_w in float
  const std::vector<uint8_t> all_16x8 = converter::ConvertOnnx(c.onnx, o, nullptr);
  EXPECT_LT(SqnrOnInput(c, all_16x8), 15.0) << "the net should defeat int8 weights";

  o.quantization.target_sqnr_db = 30;
  for (const bool use_16x8 : {true, false}) {  // --no-mixed-16x8 does not change where 16x8 starts
    SCOPED_TRACE(use_16x8 ? "--mixed-16x8" : "--no-mixed-16x8");
    o.quantization.mixed_precision.use_16x8 = use_16x8;
    converter::ConvertReport r;
    const std::vector<uint8_t> searched = converter::ConvertOnnx(c.onnx, o, &r);
    ASSERT_TRUE(r.mixed_precision_ran);
    EXPECT_EQ(r.mixed_precision.float_nodes, std::set<std::string>{"conv_w"});
    EXPECT_EQ(r.mixed_precision.weights_kept, 1);
    EXPECT_TRUE(r.mixed_precision.int16_nodes.count("conv_a"));
    EXPECT_LT(r.mixed_precision.all_int8_db, 15.0) << "the search starts from the 16x8 model";
    EXPECT_EQ(r.quantization.int16_ops, 1);
    EXPECT_GE(SqnrOnInput(c, searched), 30.0) << "the converted model itself, not only the simulation";
  }
}

// 16x16: the conv whose int8 weights ruin the output keeps them in int16
// (12-bit levels). conv_w's small weights (0.2-0.35 beside 100) round to 0 in
// int8 (steps of 100/127); drawn on 16x16's levels they stay exact there, so
// only the 16x8 activations round: half a step of conv_a's int16 scale
// (~1e-4) through the weight of 100, ~30 dB below y for any draw (20: the
// bound, against the 64 pixels' own spread). A name that is no 16x8 conv is
// an error, not ignored.
TEST(MixedPrecision, Int16WeightsHoldWhatInt8WeightsRuin) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Case c = Make(seed, WeightClashOn16x16GridNet);
  converter::ConvertOptions o = Int8(c, 0, 0.1);
  o.quantization.quantize.all_int16 = true;
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;
  o.quantization.quantize.int16_weight_ops = {"conv_w"};
  converter::ConvertReport r;
  const std::vector<uint8_t> wide = converter::ConvertOnnx(c.onnx, o, &r);
  EXPECT_EQ(r.quantization.int16_weight_ops, 1);
  std::unique_ptr<schema::ModelT> m = schema::UnPackModel(wide.data());
  int int16_weights = 0;
  for (const auto& op : m->operators) {
    if (op->opcode == schema::OpCode_CONV_2D) int16_weights += m->tensors[op->inputs[1]]->type == schema::DataType_INT16;
  }
  EXPECT_EQ(int16_weights, 1);
  o.quantization.quantize.int16_weight_ops.clear();
  const double int8_weights_db = SqnrOnInput(c, converter::ConvertOnnx(c.onnx, o, nullptr));
  EXPECT_LT(int8_weights_db, 5.0) << "the small weights should round to 0 in int8";
  EXPECT_GE(SqnrOnInput(c, wide), 20.0);

  o.quantization.quantize.int16_weight_ops = {"no_such_conv"};
  EXPECT_THROW(converter::ConvertOnnx(c.onnx, o, nullptr), converter::ConversionError);
}

// Priced for AVX2 (the 16x8 GEMM keeps pace with the int8 engine), the
// whole 16x8 model fits the budget and the int8 search starts from it; 16x8
// cannot hold conv_b's clash either, so the search goes on to float for it.
// Priced for int8 dot products (16x8 ~3x int8), the same budget starts from
// int8.
TEST(MixedPrecision, PricedForAvx2TheSearchStartsFromThe16x8Model) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Case c = Make(seed);
  converter::ConvertOptions o = Int8(c, 30, 0.1, 0.15);
  o.quantization.mixed_precision.cost_model = converter::CostModel::kAvx2;
  converter::ConvertReport r;
  const std::vector<uint8_t> mixed = converter::ConvertOnnx(c.onnx, o, &r);
  ASSERT_TRUE(r.mixed_precision_ran);
  const converter::MixedPrecisionChoice& mp = r.mixed_precision;
  EXPECT_TRUE(mp.started_from_16x8);
  EXPECT_TRUE(mp.int16_nodes.count("conv_a")) << "the rest of the model stays 16x8";
  EXPECT_EQ(mp.float_nodes, std::set<std::string>{"conv_b"}) << "16x8 does not hold the clash: on to float";
  EXPECT_LT(mp.all_int8_db, 15.0);
  EXPECT_LT(mp.all_16x8_db, 30.0) << "the net should defeat 16x8";
  EXPECT_GE(mp.chosen_db, 30.0);
  EXPECT_LE(mp.estimated_slowdown, 0.15);
  EXPECT_LE(mp.float_macs, mp.model_macs / 10);
  EXPECT_GE(SqnrOnInput(c, mixed), 30.0) << "the converted model itself, not only the simulation";

  o.quantization.mixed_precision.cost_model = converter::CostModel::kInt8Dot;
  o.quantization.mixed_precision.max_slowdown = 1.0;  // 16x8 everywhere costs 2-3x here
  converter::ConvertOnnx(c.onnx, o, &r);
  EXPECT_FALSE(r.mixed_precision.started_from_16x8);
  EXPECT_GT(r.mixed_precision.estimated_slowdown, 0.2) << "conv_b in float, by the int8-dot prices";
}

// Started from the 16x8 model, int8's search gives --quantize 16x8's file
// where both budgets allow the same choice: conv_w in float for its weights.
TEST(MixedPrecision, StartedFrom16x8TheInt8SearchGivesThe16x8File) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Case c = Make(seed, WeightClashNet);
  converter::ConvertOptions o = Int8(c, 30, 0.5, 10.0);  // conv_w: 20% of the MACs
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto would keep conv_w in float
  o.quantization.mixed_precision.cost_model = converter::CostModel::kAvx2;
  converter::ConvertReport r;
  const std::vector<uint8_t> from_int8 = converter::ConvertOnnx(c.onnx, o, &r);
  ASSERT_TRUE(r.mixed_precision.started_from_16x8);
  EXPECT_EQ(r.mixed_precision.float_nodes, std::set<std::string>{"conv_w"});
  o.quantization.quantize.all_int16 = true;
  EXPECT_EQ(from_int8, converter::ConvertOnnx(c.onnx, o, nullptr));
}

}  // namespace
}  // namespace testing
}  // namespace kite

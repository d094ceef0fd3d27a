// `kite convert --quantize int8` on small ONNX graphs: the int8 model tracks
// the float one, --keep-float and --per-tensor do what they say, the QDQ
// export re-imports to the same model, and a QDQ model written the way ONNX
// Runtime's quantizer writes it (uint8 activations, int8 per-channel weights,
// int32 bias) is converted with exactly its parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <utility>

#include "analysis/layer_compare.h"
#include "convert.h"
#include "converter/small_conv_net.h"
#include "data/npy.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

const std::string kDir = KITE_TEST_WORK_DIR;

std::string SmallConvNet(uint32_t seed) { return testing::SmallConvNet(seed, kDir, TestScopedName("small_conv.onnx")); }

std::string Calibration(uint32_t seed, int samples) {
  Random random(seed + 1);
  converter::NpyArray a{"<f4", {samples, 4, 8, 8}, {}};
  const std::vector<float> v = random.Floats(static_cast<size_t>(samples) * 256);
  a.data.resize(v.size() * 4);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  const std::string path = kDir + "/" + TestScopedName("calibration.npy");
  converter::WriteNpy(path, a);
  return path;
}

double Sqnr(const std::vector<float>& a, const std::vector<float>& b) {
  converter::ErrorStats s;
  s.Add(a.data(), b.data(), a.size());
  return s.sqnr_db();
}

// The values the output of ONNX node `node` can hold in a converted model:
// its codes' extremes (int8 or int16) times its scale; the type checked.
std::pair<float, float> OutputRange(const std::vector<uint8_t>& bytes, const std::string& node, schema::DataType type) {
  const schema::ModelT m = Unpack(bytes);
  for (const auto& op : m.operators) {
    if (op->source_node != node) continue;
    const schema::TensorT& t = *m.tensors[op->outputs[0]];
    EXPECT_EQ(t.type, type) << node;
    const float s = t.quantization->scale[0];
    const int64_t zp = t.quantization->zero_point[0];
    const bool wide = t.type == schema::DataType_INT16;
    return {s * static_cast<float>((wide ? -32768 : -128) - zp), s * static_cast<float>((wide ? 32767 : 127) - zp)};
  }
  ADD_FAILURE() << "no op from node " << node;
  return {0.0f, 0.0f};
}

converter::ConvertOptions Int8(const std::string& calibration) {
  converter::ConvertOptions o;
  o.quantization.int8 = true;
  o.quantization.calibration = calibration;
  return o;
}

TEST(QuantizeConvert, Int8TracksFloatAndShrinksTheWeights) {
  // The input is a calibration sample, so min-max ranges clip nothing and the
  // error is the roundings alone (input, conv1, output, weights): 41-47 dB
  // over 1,500 seeds. An unseen input may be clipped by ranges drawn from 16
  // samples, which took a few seeds' SQNR down to 15 dB.
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string onnx = SmallConvNet(seed);
  const auto fp = converter::ConvertOnnx(onnx, {}, nullptr);
  converter::ConvertReport report;
  converter::ConvertOptions o = Int8(Calibration(seed, 16));
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto would keep conv2 in float
  const auto q = converter::ConvertOnnx(onnx, o, &report);
  EXPECT_EQ(report.quantization.int8_ops, 3);  // the convs, and NHWC -> NCHW for the output
  EXPECT_EQ(report.quantization.float_ops, 1);  // NCHW -> NHWC of the float input, before Quantize
  EXPECT_EQ(report.quantization.quantize_ops, 1);
  EXPECT_EQ(report.quantization.dequantize_ops, 1);
  const schema::ModelT m = Unpack(q);
  size_t int8_weight_bytes = 0;
  for (const auto& t : m.tensors) {
    if (t->buffer != 0 && t->type == schema::DataType_INT8) int8_weight_bytes += m.buffers[t->buffer]->data.size();
    EXPECT_NE(t->type == schema::DataType_FLOAT32 && t->buffer != 0, true) << "float constant left: " << t->name;
  }
  EXPECT_EQ(int8_weight_bytes, 8u * 4 * 9 + 32);
  const std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const double sqnr = Sqnr(RunFirstOutput(fp, input), RunFirstOutput(q, input));
  EXPECT_GT(sqnr, 30.0) << "int8 output too far from float";
}

TEST(QuantizeConvert, SameInputsGiveTheSameFileByteForByte) {
  const uint32_t seed = TestSeed();
  const std::string onnx = SmallConvNet(seed), calibration = Calibration(seed, 8);
  EXPECT_EQ(converter::ConvertOnnx(onnx, Int8(calibration), nullptr), converter::ConvertOnnx(onnx, Int8(calibration), nullptr));
}

TEST(QuantizeConvert, AutoKeepsTheConvThatComputesTheOutputInFloat) {
  const uint32_t seed = TestSeed();
  converter::ConvertReport report;
  converter::ConvertOnnx(SmallConvNet(seed), Int8(Calibration(seed, 4)), &report);
  ASSERT_EQ(report.quantization.kept_float.size(), 1u);
  EXPECT_EQ(report.quantization.kept_float[0].node, "conv2");
  EXPECT_EQ(report.quantization.kept_float[0].reason, "auto: computes a graph output");
}

TEST(QuantizeConvert, KeepFloatRunsTheNamedNodeInFloat) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  converter::ConvertOptions o = Int8(Calibration(seed, 4));
  o.quantization.quantize.method = converter::RangeMethod::kMse;
  o.quantization.quantize.keep_float = {"conv2"};
  converter::ConvertReport report;
  const auto q = converter::ConvertOnnx(SmallConvNet(seed), o, &report);
  ASSERT_EQ(report.quantization.kept_float.size(), 1u);
  EXPECT_EQ(report.quantization.kept_float[0].node, "conv2");
  EXPECT_EQ(report.quantization.kept_float[0].reason, "--keep-float");
  const schema::ModelT m = Unpack(q);
  int float_convs = 0;
  for (const auto& op : m.operators) {
    if (op->opcode == schema::OpCode_CONV_2D && m.tensors[op->outputs[0]]->type == schema::DataType_FLOAT32) {
      EXPECT_EQ(op->source_node, "conv2");
      EXPECT_EQ(m.tensors[op->inputs[1]]->type, schema::DataType_FLOAT32);
      ++float_convs;
    }
  }
  EXPECT_EQ(float_convs, 1);
  // Between conv1 (int8) and conv2 (float); conv2's output layout transpose
  // stays float instead of quantizing only to dequantize again.
  EXPECT_EQ(report.quantization.dequantize_ops, 1);
  EXPECT_EQ(report.quantization.quantize_ops, 1);
}

// --int16: the named convs run in 16x8 (int16 activations, int8 weights),
// the output transpose follows them, and only the weights' rounding is left.
TEST(QuantizeConvert, Int16RunsTheNamedConvsIn16x8) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string onnx = SmallConvNet(seed);
  converter::ConvertOptions o = Int8(Calibration(seed, 16));
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;
  const auto q8 = converter::ConvertOnnx(onnx, o, nullptr);
  o.quantization.quantize.int16_ops = {"conv1", "conv2"};
  converter::ConvertReport report;
  const auto q16 = converter::ConvertOnnx(onnx, o, &report);
  EXPECT_EQ(report.quantization.int16_ops, 3);  // the convs and the output transpose
  EXPECT_EQ(report.quantization.int8_ops, 3);
  const schema::ModelT m = Unpack(q16);
  for (const auto& op : m.operators) {
    if (op->opcode != schema::OpCode_CONV_2D) continue;
    EXPECT_EQ(m.tensors[op->inputs[0]]->type, schema::DataType_INT16) << op->source_node;
    EXPECT_EQ(m.tensors[op->inputs[1]]->type, schema::DataType_INT8) << op->source_node;
    EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_INT16) << op->source_node;
    EXPECT_TRUE(m.tensors[op->outputs[0]]->quantization->zero_point == std::vector<int64_t>{0});
  }
  const auto fp = converter::ConvertOnnx(onnx, {}, nullptr);
  const std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const double sqnr8 = Sqnr(RunFirstOutput(fp, input), RunFirstOutput(q8, input));
  const double sqnr16 = Sqnr(RunFirstOutput(fp, input), RunFirstOutput(q16, input));
  // 16x8 leaves the weights' rounding: 49-53 dB against int8's 43-47, at
  // least 4.0 dB better over 400 seeds.
  EXPECT_GT(sqnr16, sqnr8 + 2.0) << "int8 " << sqnr8 << " dB";
  // One conv in 16x8, the other int8: converted through float between them.
  o.quantization.quantize.int16_ops = {"conv2"};
  const auto mixed = converter::ConvertOnnx(onnx, o, &report);
  EXPECT_EQ(report.quantization.int16_ops, 2);
  EXPECT_GT(Sqnr(RunFirstOutput(fp, input), RunFirstOutput(mixed, input)), 30.0);
}

// 16x8 ranges are the calibration's widened 4x (kInt16Headroom): an input
// three times larger than any calibrated on still runs unclipped, at about
// int8's resolution (at the calibrated range alone every value beyond it
// clips: below 15 dB here).
TEST(QuantizeConvert, Int16RangesLeaveHeadroomForLargerInputs) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string onnx = SmallConvNet(seed);
  converter::ConvertOptions o = Int8(Calibration(seed, 8));  // inputs in [-1, 1)
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto would keep conv2 in float
  o.quantization.quantize.all_int16 = true;
  const auto q16 = converter::ConvertOnnx(onnx, o, nullptr);
  const auto [lo, hi] = OutputRange(q16, "conv2", schema::DataType_INT16);
  EXPECT_FLOAT_EQ(lo, -hi - (hi - lo) / 65535);  // symmetric: codes -32768..32767
  const auto fp = converter::ConvertOnnx(onnx, {}, nullptr);
  std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const std::vector<float> calibrated = RunFirstOutput(fp, input);
  const float reached = *std::max_element(calibrated.begin(), calibrated.end());
  EXPECT_GT(hi, 3.9f * reached);
  for (float& v : input) v *= 3;
  EXPECT_GT(Sqnr(RunFirstOutput(fp, input), RunFirstOutput(q16, input)), 40.0);
}

// kite convert --quantize 16x8: every op with a 16x8 kernel in 16x8, the
// same file as naming each of them (the two convs; the output transpose
// follows).
TEST(QuantizeConvert, AllInt16IsEveryOpWithA16x8Kernel) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string onnx = SmallConvNet(seed);
  converter::ConvertOptions o = Int8(Calibration(seed, 8));
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto would keep conv2 in float
  o.quantization.quantize.int16_ops = {"conv1", "conv2"};
  const auto named = converter::ConvertOnnx(onnx, o, nullptr);
  o.quantization.quantize.int16_ops.clear();
  o.quantization.quantize.all_int16 = true;
  converter::ConvertReport report;
  EXPECT_EQ(converter::ConvertOnnx(onnx, o, &report), named);
  EXPECT_EQ(report.quantization.int16_ops, 3);
  EXPECT_EQ(report.quantization.int8_ops, 3);
}

// A conv whose only reader is a HardSwish: values below -3 all give 0, so
// its int8 range stops at -3 however far below the calibration reaches
// (here to about -20), and the HardSwish's output gains the resolution.
// Another reader (an Add of the conv and the HardSwish) needs the values
// below: then the range is the calibrated one.
TEST(QuantizeConvert, RangeStopsWhereAHardSwishReaderIsFlat) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const bool shared : {false, true}) {
    SCOPED_TRACE(shared ? "conv also read by an Add" : "conv read by the HardSwish only");
    Random random(seed);
    OnnxBuilder b;
    b.Input("x", {1, 4, 8, 8});
    b.Initializer("w1", {8, 4, 1, 1}, random.Floats(32, 0.5f, 1.0f));
    b.Initializer("b1", {8}, {-20, 2, -20, 2, -20, 2, -20, 2});
    b.Initializer("w2", {4, 8, 1, 1}, random.Floats(32, 0.05f, 0.5f));
    b.Node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
    b.Node("HardSwish", {"c1"}, {"h"}, "hswish");
    if (shared) b.Node("Add", {"c1", "h"}, {"s"}, "add");
    b.Node("Conv", {shared ? "s" : "h", "w2"}, {"y"}, "conv2");
    b.Output("y");
    b.Opset(14);
    const std::string onnx = b.Save(kDir, TestScopedName(shared ? "hswish_shared.onnx" : "hswish.onnx"));
    for (const auto method : {converter::RangeMethod::kAuto, converter::RangeMethod::kMinMax}) {
      SCOPED_TRACE(converter::RangeMethodName(method));
      converter::ConvertOptions o = Int8(Calibration(seed, 8));  // inputs in [-1, 1)
      o.quantization.quantize.method = method;
      const auto [lowest, highest] = OutputRange(converter::ConvertOnnx(onnx, o, nullptr), "conv1", schema::DataType_INT8);
      if (shared) {
        EXPECT_LT(lowest, -15.0f);
      } else {
        EXPECT_GE(lowest, -3.0f - (highest - lowest) / 255);  // within a step of -3
        EXPECT_LT(lowest, -2.5f);  // the flat part starts at -3, not before
      }
    }
  }
}

// A conv read by an int8 Sigmoid only: beyond about +-6.5 the Sigmoid's
// int8 output (scale 1/255) is at its lowest or highest code, so the conv's
// range stops there, and where float's output is beyond it the int8 one is
// exactly 0 or 1. A 16x8 Sigmoid is not flat there: the calibrated range
// stays.
TEST(QuantizeConvert, RangeStopsWhereAnInt8SigmoidSaturates) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Random random(seed);
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("w1", {8, 4, 1, 1}, random.Floats(32, 5.0f, 10.0f));
  b.Initializer("b1", {8}, {-20, 2, -20, 2, 20, 2, -20, 2});
  b.Node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  b.Node("Sigmoid", {"c1"}, {"y"}, "sigmoid");
  b.Output("y");
  const std::string onnx = b.Save(kDir, TestScopedName("sigmoid.onnx"));
  converter::ConvertOptions o = Int8(Calibration(seed, 8));  // inputs in [-1, 1): conv1 spans about -60 to 60
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;
  const auto q8 = converter::ConvertOnnx(onnx, o, nullptr);
  const auto [lo, hi] = OutputRange(q8, "conv1", schema::DataType_INT8);
  EXPECT_GT(lo, -6.6f);
  EXPECT_LT(lo, -6.2f);
  EXPECT_GT(hi, 6.2f);
  EXPECT_LT(hi, 6.6f);
  const auto fp = converter::ConvertOnnx(onnx, {}, nullptr);
  const std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const std::vector<float> want = RunFirstOutput(fp, input), got = RunFirstOutput(q8, input);
  int saturated = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] > 1e-3f && want[i] < 1 - 1e-3f) continue;  // beyond a logit of +-6.9
    EXPECT_EQ(got[i], want[i] < 0.5f ? 0.0f : 1.0f) << "element " << i << ": float " << want[i];
    ++saturated;
  }
  EXPECT_GT(saturated, 0);
  EXPECT_GT(Sqnr(want, got), 25.0);

  o.quantization.quantize.int16_ops = {"conv1", "sigmoid"};
  const auto [lo16, hi16] = OutputRange(converter::ConvertOnnx(onnx, o, nullptr), "conv1", schema::DataType_INT16);
  EXPECT_LT(lo16, -15.0f);
  EXPECT_GT(hi16, 15.0f);
}

TEST(QuantizeConvert, PerTensorWeightsHaveOneScale) {
  const uint32_t seed = TestSeed();
  converter::ConvertOptions o = Int8(Calibration(seed, 4));
  o.quantization.quantize.per_tensor_weights = true;
  const schema::ModelT m = Unpack(converter::ConvertOnnx(SmallConvNet(seed), o, nullptr));
  int int8_convs = 0;
  for (const auto& op : m.operators) {
    if (op->opcode != schema::OpCode_CONV_2D || m.tensors[op->inputs[1]]->type != schema::DataType_INT8) continue;
    ASSERT_NE(m.tensors[op->inputs[1]]->quantization, nullptr);
    EXPECT_EQ(m.tensors[op->inputs[1]]->quantization->scale.size(), 1u);
    ++int8_convs;
  }
  EXPECT_EQ(int8_convs, 1);  // conv1; auto keeps conv2, which computes the output, in float
}

TEST(QuantizeConvert, QdqExportReimportsToTheSameModel) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  converter::ConvertOptions o = Int8(Calibration(seed, 8));
  o.quantization.emit_qdq = kDir + "/" + TestScopedName("qdq.onnx");
  const auto q = converter::ConvertOnnx(SmallConvNet(seed), o, nullptr);
  converter::ConvertReport report;
  const auto again = converter::ConvertOnnx(o.quantization.emit_qdq, {}, &report);
  EXPECT_EQ(report.qdq_pairs, 2);  // x and the conv1+relu output (auto keeps conv2, which computes y, in float)
  const std::vector<float> input = Random(seed + 3).Floats(256);
  EXPECT_EQ(RunFirstOutput(q, input), RunFirstOutput(again, input));
}

// The uint8 form holds the same values (u8 = s8 + 128): Kite reads it back to
// the same int8 model, and every activation zero point in it is uint8.
TEST(QuantizeConvert, QdqExportWithUint8ActivationsReimportsToTheSameModel) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  converter::ConvertOptions o = Int8(Calibration(seed, 8));
  o.quantization.emit_qdq = kDir + "/" + TestScopedName("qdq_u8.onnx");
  o.quantization.qdq_uint8_activations = true;
  const auto q = converter::ConvertOnnx(SmallConvNet(seed), o, nullptr);
  onnx::ModelProto exported;
  {
    std::ifstream f(o.quantization.emit_qdq, std::ios::binary);
    ASSERT_TRUE(exported.ParseFromIstream(&f));
  }
  int u8_zero_points = 0;
  for (const onnx::TensorProto& t : exported.graph().initializer()) {
    const std::string& n = t.name();
    if (n.size() < 11 || n.compare(n.size() - 11, 11, "/zero_point") != 0) continue;
    const bool weight_or_bias = t.data_type() == onnx::TensorProto::INT32 || t.dims_size() > 0;
    if (weight_or_bias) continue;
    EXPECT_EQ(t.data_type(), onnx::TensorProto::UINT8) << n;
    ++u8_zero_points;
  }
  EXPECT_EQ(u8_zero_points, 2);  // x and the conv1+relu output
  converter::ConvertReport report;
  const auto again = converter::ConvertOnnx(o.quantization.emit_qdq, {}, &report);
  EXPECT_EQ(report.qdq_pairs, 2);
  const std::vector<float> input = Random(seed + 3).Floats(256);
  EXPECT_EQ(RunFirstOutput(q, input), RunFirstOutput(again, input));
}

// As ONNX Runtime's quantizer writes it: uint8 activations (zero point 128 is
// int8 0), int8 symmetric per-channel weights with DequantizeLinear(axis 0),
// an int32 bias at input_scale * weight_scale.
TEST(QuantizeConvert, ImportsAQdqModelWithItsOwnParameters) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 4, 4});
  b.Initializer("x_scale", {}, {0.02f});
  b.TypedInitializer("x_zero", onnx::TensorProto::UINT8, {}, {128});
  b.TypedInitializer("w_q", onnx::TensorProto::INT8, {3, 2, 1, 1}, {127, -64, 10, 20, -127, 0});
  b.Initializer("w_scale", {3}, {0.01f, 0.02f, 0.005f});
  b.TypedInitializer("w_zero", onnx::TensorProto::INT8, {3}, {0, 0, 0});
  b.TypedInitializer("b_q", onnx::TensorProto::INT32, {3}, {500, -250, 1000});
  b.Initializer("b_scale", {3}, {0.02f * 0.01f, 0.02f * 0.02f, 0.02f * 0.005f});
  b.Initializer("y_scale", {}, {0.05f});
  b.TypedInitializer("y_zero", onnx::TensorProto::UINT8, {}, {100});
  b.Node("QuantizeLinear", {"x", "x_scale", "x_zero"}, {"x_q"});
  b.Node("DequantizeLinear", {"x_q", "x_scale", "x_zero"}, {"x_dq"});
  OnnxBuilder::IntAttr(b.Node("DequantizeLinear", {"w_q", "w_scale", "w_zero"}, {"w"}), "axis", 0);
  OnnxBuilder::IntAttr(b.Node("DequantizeLinear", {"b_q", "b_scale"}, {"bias"}), "axis", 0);
  b.Node("Conv", {"x_dq", "w", "bias"}, {"conv"}, "conv");
  b.Node("QuantizeLinear", {"conv", "y_scale", "y_zero"}, {"y_q"});
  b.Node("DequantizeLinear", {"y_q", "y_scale", "y_zero"}, {"y"});
  b.Output("y");
  converter::ConvertReport report;
  const schema::ModelT m = Unpack(converter::ConvertOnnx(b.Save(kDir, TestScopedName("qdq_conv.onnx")), {}, &report));
  EXPECT_EQ(report.qdq_pairs, 2);
  bool found = false;
  for (const auto& op : m.operators) {
    if (op->opcode != schema::OpCode_CONV_2D) continue;
    found = true;
    const auto& x = *m.tensors[op->inputs[0]];
    const auto& w = *m.tensors[op->inputs[1]];
    const auto& y = *m.tensors[op->outputs[0]];
    ASSERT_EQ(x.type, schema::DataType_INT8);
    EXPECT_FLOAT_EQ(x.quantization->scale[0], 0.02f);
    EXPECT_EQ(x.quantization->zero_point[0], 0);
    EXPECT_FLOAT_EQ(y.quantization->scale[0], 0.05f);
    EXPECT_EQ(y.quantization->zero_point[0], -28);
    EXPECT_EQ(w.quantization->scale, (std::vector<float>{0.01f, 0.02f, 0.005f}));
    const auto& wq = m.buffers[w.buffer]->data;
    EXPECT_EQ(std::vector<int8_t>(wq.begin(), wq.end()), (std::vector<int8_t>{127, -64, 10, 20, -127, 0}));
    const int32_t* bq = reinterpret_cast<const int32_t*>(m.buffers[m.tensors[op->inputs[2]]->buffer]->data.data());
    EXPECT_EQ(bq[0], 500);
    EXPECT_EQ(bq[1], -250);
    EXPECT_EQ(bq[2], 1000);
  }
  EXPECT_TRUE(found);
}

// An op with no int8 form (ReduceMax) runs in float after an int8 conv, is
// reported as "no int8 kernel", and the model still tracks float; PRelu runs
// int8 (its slope an int8 constant), LayerNorm int8 (scale and bias float).
TEST(QuantizeConvert, FloatOnlyOpsBecomeReportedFloatIslands) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Random random(seed);
  OnnxBuilder b;
  b.Opset(17);  // LayerNormalization's first
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("w1", {8, 4, 3, 3}, random.Floats(8 * 4 * 9, -0.5f, 0.5f));
  b.Initializer("slope", {8, 1, 1}, random.Floats(8, 0.05f, 0.3f));
  b.Initializer("scale", {8}, random.Floats(8, 0.5f, 1.5f));
  b.Initializer("w2", {4, 8, 1, 1}, random.Floats(32, 0.05f, 0.5f));
  OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "w1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
  b.Node("PRelu", {"c1", "slope"}, {"p"}, "prelu");
  b.Node("LayerNormalization", {"p", "scale"}, {"ln"}, "layer_norm");
  b.Node("Conv", {"ln", "w2"}, {"c2"}, "conv2");
  b.Node("Relu", {"c2"}, {"y"}, "relu2");
  OnnxBuilder::IntsAttr(b.Node("ReduceMax", {"c2"}, {"m"}, "max"), "axes", {2, 3});
  b.Output("y");
  b.Output("m");
  const std::string onnx = b.Save(kDir, TestScopedName("float_islands.onnx"));
  converter::ConvertOptions o = Int8(Calibration(seed, 8));
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;
  converter::ConvertReport report;
  const auto q = converter::ConvertOnnx(onnx, o, &report);
  std::map<std::string, std::string> reasons;
  for (const auto& k : report.quantization.kept_float) reasons[k.node] = k.reason;
  EXPECT_EQ(reasons.count("prelu"), 0u);
  EXPECT_EQ(reasons.count("layer_norm"), 0u);
  EXPECT_EQ(reasons["max"], "no int8 kernel");
  EXPECT_EQ(reasons.count("conv1"), 0u);
  const schema::ModelT m = Unpack(q);
  for (const auto& op : m.operators) {
    if (op->opcode == schema::OpCode_PRELU) {
      EXPECT_EQ(m.tensors[op->inputs[1]]->type, schema::DataType_INT8) << "the slope";
      EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_INT8);
    }
    if (op->opcode == schema::OpCode_NORMALIZE) {
      EXPECT_EQ(m.tensors[op->inputs[0]]->type, schema::DataType_INT8);
      EXPECT_EQ(m.tensors[op->inputs[1]]->type, schema::DataType_FLOAT32) << "the scale";
      EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_INT8);
    }
    if (op->opcode == schema::OpCode_REDUCE_MAX) {
      EXPECT_EQ(m.tensors[op->inputs[0]]->type, schema::DataType_FLOAT32) << op->source_node;
      EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_FLOAT32) << op->source_node;
    }
    if (op->opcode == schema::OpCode_CONV_2D) EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_INT8) << op->source_node;
  }
  const std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const auto fp = converter::ConvertOnnx(onnx, {}, nullptr);
  EXPECT_GT(Sqnr(RunFirstOutput(fp, input), RunFirstOutput(q, input)), 25.0);
}

// A segmentation head's ArgMax over int8 scores: it reads the conv's codes
// (no Dequantize before it) and writes int64 labels, which agree with
// float's wherever float's best class leads the next by a clear margin.
TEST(QuantizeConvert, ArgMaxReadsInt8CodesAndWritesIndices) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Random random(seed);
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("w", {6, 4, 1, 1}, random.Floats(24, -1.0f, 1.0f));
  b.Node("Conv", {"x", "w"}, {"scores"}, "classifier");
  OnnxBuilder::IntAttr(b.Node("ArgMax", {"scores"}, {"label"}, "argmax"), "axis", 1);
  b.Output("label", onnx::TensorProto::INT64);
  b.Output("scores");
  const std::string onnx = b.Save(kDir, TestScopedName("argmax.onnx"));
  converter::ConvertOptions o = Int8(Calibration(seed, 8));
  o.quantization.quantize.method = converter::RangeMethod::kMinMax;  // auto keeps an output's conv float
  const auto q = converter::ConvertOnnx(onnx, o, nullptr);
  const schema::ModelT m = Unpack(q);
  int argmax_ops = 0;
  for (const auto& op : m.operators) {
    if (op->opcode != schema::OpCode_ARG_MAX) continue;
    ++argmax_ops;
    EXPECT_EQ(m.tensors[op->inputs[0]]->type, schema::DataType_INT8);
    EXPECT_EQ(m.tensors[op->outputs[0]]->type, schema::DataType_INT64);
  }
  EXPECT_EQ(argmax_ops, 1);

  const std::vector<float> input = Random(seed + 1).Floats(256);  // the first calibration sample
  const Outputs f = RunTyped(converter::ConvertOnnx(onnx, {}, nullptr), {AsBytes(input)});
  const Outputs i8 = RunTyped(q, {AsBytes(input)});
  ASSERT_EQ(f.dtypes, (std::vector<kite_dtype>{KITE_INT64, KITE_FLOAT32}));
  ASSERT_EQ(i8.dtypes, f.dtypes);
  const std::vector<int64_t> float_labels = FromBytes<int64_t>(f.bytes[0]), int8_labels = FromBytes<int64_t>(i8.bytes[0]);
  const std::vector<float> float_scores = FromBytes<float>(f.bytes[1]);
  const auto [lo, hi] = std::minmax_element(float_scores.begin(), float_scores.end());
  int clear = 0;
  for (int p = 0; p < 64; ++p) {
    std::vector<float> s;
    for (int c = 0; c < 6; ++c) s.push_back(float_scores[c * 64 + p]);  // NCHW
    std::sort(s.rbegin(), s.rend());
    if (s[0] - s[1] < 0.05f * (*hi - *lo)) continue;
    ++clear;
    EXPECT_EQ(int8_labels[p], float_labels[p]) << "pixel " << p;
  }
  EXPECT_GT(clear, 16);
}

TEST(QuantizeConvert, MissingCalibrationIsAClearError) {
  converter::ConvertOptions o;
  o.quantization.int8 = true;
  try {
    converter::ConvertOnnx(SmallConvNet(1), o, nullptr);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("--calibration"), std::string::npos) << e.what();
  }
  o.quantization.calibration = kDir + "/no_such_folder";
  EXPECT_THROW(converter::ConvertOnnx(SmallConvNet(1), o, nullptr), std::runtime_error);
}

}  // namespace
}  // namespace testing
}  // namespace kite

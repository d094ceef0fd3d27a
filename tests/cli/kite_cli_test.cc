// The `kite` command line as scripts use it: run with stacked samples, file
// names of outputs, errors for inputs that do not fit, inspect --json,
// convert --quantize int8 from a folder of images, compare --json/--svg.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/image_input.h"
#include "data/npy.h"
#include "kite/kite.h"
#include "quantize/mixed_precision.h"
#include "support/model_builder.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

std::string Work() { return KITE_TEST_WORK_DIR; }

// Runs a command; returns its exit status and fills `output` with stdout+stderr.
int Shell(const std::string& command, std::string* output) {
  // ctest runs tests in parallel: one log per test.
  const std::string log = Work() + "/cli_test_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
  const int status = std::system((command + " > '" + log + "' 2>&1").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *output = ss.str();
  return status;
}

std::string FileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string WriteReluModel() {
  ModelBuilder mb;
  const int x = mb.Input("in", schema::DataType_FLOAT32, {1, 4});
  const int y = mb.Tensor("out:0/relu", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_RELU, {x}, {y});
  mb.Output(y);
  const std::string path = Work() + "/relu_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".kite";
  converter::WriteFileAtomically(path, mb.Build().ToVector());
  return path;
}

converter::NpyArray Floats(std::vector<int64_t> shape, const std::vector<float>& v) {
  converter::NpyArray a{"<f4", std::move(shape), std::vector<uint8_t>(v.size() * 4)};
  std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

TEST(KiteCli, RunStacksSamplesAndSanitizesOutputNames) {
  const std::string model = WriteReluModel();
  const std::vector<float> x = {-1, 2, -3, 4, 5, -6, 7, -8, 0, 1, -1, 2};
  converter::WriteNpy(Work() + "/three.npy", Floats({3, 4}, x));
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --input in='" + Work() + "/three.npy' --output-dir '" + Work() + "/cli_out'", &out), 0) << out;
  const converter::NpyArray y = converter::ReadNpy(Work() + "/cli_out/out_0_relu.npy");
  EXPECT_EQ(y.shape, (std::vector<int64_t>{3, 4}));
  ASSERT_EQ(y.data.size(), 48u);
  std::vector<float> got(12);
  std::memcpy(got.data(), y.data.data(), 48);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(got[i], std::max(0.0f, x[i]));
}

// A float32 input takes float64, float16, integer and bool arrays, converted
// with a note; the values arrive exactly where float32 holds them.
TEST(KiteCli, RunConvertsOtherNumericDtypesAndSaysSo) {
  const std::string model = WriteReluModel();
  const std::vector<float> want = {0.0f, 2.5f, 0.0f, 65504.0f};
  auto bytes_of = [](const auto& values) {
    std::vector<uint8_t> b(sizeof(values[0]) * values.size());
    std::memcpy(b.data(), values.data(), b.size());
    return b;
  };
  const std::vector<double> f8 = {-1.5, 2.5, -0.0, 65504.0};
  const std::vector<uint16_t> f2 = {0xBE00, 0x4100, 0x8000, 0x7BFF};  // -1.5, 2.5, -0, 65504
  const std::vector<int64_t> i8 = {-7, 2, 0, 65504};
  const std::vector<uint8_t> b1 = {0, 1, 1, 0};
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> arrays = {
      {"<f8", bytes_of(f8)}, {"<f2", bytes_of(f2)}, {"<i8", bytes_of(i8)}, {"|b1", b1}};
  for (const auto& [dtype, data] : arrays) {
    SCOPED_TRACE(dtype);
    converter::WriteNpy(Work() + "/typed.npy", converter::NpyArray{dtype, {1, 4}, data});
    std::string out;
    ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --input in='" + Work() + "/typed.npy' --output-dir '" + Work() + "/typed_out'", &out), 0) << out;
    EXPECT_NE(out.find("converted " + dtype + " to float32 for input 'in'"), std::string::npos) << out;
    const converter::NpyArray y = converter::ReadNpy(Work() + "/typed_out/out_0_relu.npy");
    ASSERT_EQ(y.data.size(), 16u);
    std::vector<float> got(4);
    std::memcpy(got.data(), y.data.data(), 16);
    for (size_t i = 0; i < 4; ++i) {
      const float expected = dtype == "|b1" ? static_cast<float>(b1[i]) : dtype == "<i8" ? std::max(0.0f, static_cast<float>(i8[i])) : want[i];
      EXPECT_EQ(got[i], expected) << "element " << i;
    }
  }
}

// A uint8 input (a camera frame) takes any numeric array of whole numbers in
// [0, 255], converted with a note; 3.5 or 256 is an error naming the element.
TEST(KiteCli, RunConvertsWholeNumbersForAUint8InputAndRefusesOthers) {
  ModelBuilder mb;
  const int x = mb.Input("frame", schema::DataType_UINT8, {1, 4});
  const int y = mb.Tensor("pixels", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_CAST, {x}, {y});
  mb.Output(y);
  const std::string model = Work() + "/uint8_cast.kite";
  converter::WriteFileAtomically(model, mb.Build().ToVector());
  const auto run = [&](const std::vector<double>& values, std::string* out) {
    std::vector<uint8_t> bytes(values.size() * 8);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    converter::WriteNpy(Work() + "/frame.npy", converter::NpyArray{"<f8", {1, 4}, bytes});
    return Shell("'" KITE_CLI "' run '" + model + "' --input frame='" + Work() + "/frame.npy' --output-dir '" + Work() + "/frame_out'", out);
  };
  std::string out;
  ASSERT_EQ(run({0, 255, 3, 7}, &out), 0) << out;
  EXPECT_NE(out.find("converted <f8 to uint8 for input 'frame'"), std::string::npos) << out;
  const converter::NpyArray p = converter::ReadNpy(Work() + "/frame_out/pixels.npy");
  ASSERT_EQ(p.data.size(), 16u);
  std::vector<float> got(4);
  std::memcpy(got.data(), p.data.data(), 16);
  EXPECT_EQ(got, (std::vector<float>{0, 255, 3, 7}));
  EXPECT_NE(run({0, 3.5, 3, 7}, &out), 0);
  EXPECT_NE(out.find("element 1 is 3.5, not a value of |u1"), std::string::npos) << out;
  EXPECT_NE(run({0, 1, 256, 7}, &out), 0);
  EXPECT_NE(out.find("element 2 is 256"), std::string::npos) << out;
}

// A rank-0 input takes a 0-d array.
TEST(KiteCli, RunTakesAZeroDimensionalArrayForAScalarInput) {
  ModelBuilder mb;
  const int x = mb.Input("s", schema::DataType_FLOAT32, {});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {});
  mb.Op(schema::OpCode_NEG, {x}, {y});
  mb.Output(y);
  const std::string model = Work() + "/scalar_neg.kite";
  converter::WriteFileAtomically(model, mb.Build().ToVector());
  converter::WriteNpy(Work() + "/scalar.npy", Floats({}, {3.5f}));
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --input s='" + Work() + "/scalar.npy' --output-dir '" + Work() + "/scalar_out'", &out), 0) << out;
  const converter::NpyArray r = converter::ReadNpy(Work() + "/scalar_out/y.npy");
  EXPECT_TRUE(r.shape.empty());
  ASSERT_EQ(r.data.size(), 4u);
  float v;
  std::memcpy(&v, r.data.data(), 4);
  EXPECT_EQ(v, -3.5f);
  converter::WriteNpy(Work() + "/vector.npy", Floats({1}, {3.5f}));
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --input s='" + Work() + "/vector.npy' --output-dir '" + Work() + "/scalar_out'", &out), 0);
  EXPECT_NE(out.find("expects ()"), std::string::npos) << out;
}

TEST(KiteCli, RunRejectsInputsThatDoNotFit) {
  const std::string model = WriteReluModel();
  std::string out;
  converter::NpyArray complex{"<c8", {1, 4}, std::vector<uint8_t>(32)};
  converter::WriteNpy(Work() + "/c8.npy", complex);
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --input in='" + Work() + "/c8.npy' --output-dir '" + Work() + "/o'", &out), 0);
  EXPECT_NE(out.find("'<c8' cannot be converted to float32"), std::string::npos) << out;
  converter::WriteNpy(Work() + "/wide.npy", Floats({2, 5}, std::vector<float>(10)));
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --input in='" + Work() + "/wide.npy' --output-dir '" + Work() + "/o'", &out), 0);
  EXPECT_NE(out.find("expects (1, 4)"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --input other='" + Work() + "/wide.npy' --output-dir '" + Work() + "/o'", &out), 0);
  EXPECT_NE(out.find("not a model input"), std::string::npos) << out;
}

TEST(KiteCli, RunWithSeedIsDeterministic) {
  const std::string model = WriteReluModel();
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --seed 7 --output-dir '" + Work() + "/s1'", &out), 0) << out;
  ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --seed 7 --output-dir '" + Work() + "/s2'", &out), 0) << out;
  EXPECT_EQ(converter::ReadNpy(Work() + "/s1/out_0_relu.npy").data, converter::ReadNpy(Work() + "/s2/out_0_relu.npy").data);
  ASSERT_EQ(Shell("'" KITE_CLI "' run '" + model + "' --seed 7 --kernels reference --output-dir '" + Work() + "/s3'", &out), 0)
      << out;
  EXPECT_EQ(converter::ReadNpy(Work() + "/s1/out_0_relu.npy").data, converter::ReadNpy(Work() + "/s3/out_0_relu.npy").data);
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --kernels fastest --output-dir '" + Work() + "/s4'", &out), 0);
  EXPECT_NE(out.find("--kernels"), std::string::npos) << out;
}

#if KITE_WITH_XNNPACK
constexpr const char* kReluKernel = "xnnpack/clamp_f32";
#else
constexpr const char* kReluKernel = "reference/unary_float32";
#endif

TEST(KiteCli, InspectJson) {
  const std::string model = WriteReluModel();
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json '" + model + "'", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["operators"].size(), 1u);
  EXPECT_EQ(j["operators"][0]["op"], "RELU");
  EXPECT_EQ(j["operators"][0]["kernel"], kReluKernel);
  EXPECT_EQ(j["outputs"][0]["name"], "out:0/relu");
  // The arena an application must give: kite_arena_size's, handle included.
  kite_model* handle = nullptr;
  ASSERT_EQ(kite_model_load_file(model.c_str(), &handle, nullptr), KITE_OK);
  size_t arena = 0;
  EXPECT_EQ(kite_arena_size(handle, &arena, nullptr), KITE_OK);
  kite_model_free(handle);
  EXPECT_EQ(j["arena"]["total_bytes"].get<size_t>(), arena);
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json --kernels reference '" + model + "'", &out), 0) << out;
  const auto r = nlohmann::json::parse(out);
  EXPECT_EQ(r["operators"][0]["kernel"], "reference/unary_float32");
  EXPECT_EQ(r["operators"][0]["declined"], "reference kernels requested");
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --kernels reference '" + model + "'", &out), 0) << out;
  EXPECT_NE(out.find("1 x reference/unary_float32"), std::string::npos) << out;
  // What a microcontroller build runs: no XNNPACK for the float Relu.
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json --kernels portable '" + model + "'", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["operators"][0]["kernel"], "reference/unary_float32");
}

TEST(KiteCli, BenchJsonHasLatencyArenaAndProfile) {
  const std::string model = WriteReluModel();
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' bench --json --runs 4 --warmup 1 '" + model + "'", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["latency_ms"]["all"].size(), 4u);
  EXPECT_LE(j["latency_ms"]["min"].get<double>(), j["latency_ms"]["median"].get<double>());
  EXPECT_LE(j["latency_ms"]["median"].get<double>(), j["latency_ms"]["p90"].get<double>());
  EXPECT_EQ(j["arena_bytes"]["total"].get<size_t>() >= j["arena_bytes"]["activations"].get<size_t>(), true);
  ASSERT_EQ(j["profile"].size(), 1u);
  EXPECT_EQ(j["profile"][0]["kernel"], kReluKernel);
  EXPECT_NEAR(j["profile"][0]["share"].get<double>(), 1.0, 1e-9);
  EXPECT_LT(j["outside_kernels_share"].get<double>(), 1.0);
  ASSERT_EQ(Shell("'" KITE_CLI "' bench --json --runs 2 --warmup 0 --kernels reference '" + model + "'", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["profile"][0]["kernel"], "reference/unary_float32");
  EXPECT_NE(Shell("'" KITE_CLI "' bench --kernels fastest '" + model + "' 2>&1", &out), 0);
#if KITE_WITH_XNNPACK
  ASSERT_EQ(Shell("'" KITE_CLI "' bench --json --runs 2 --warmup 0 --threads 2 '" + model + "'", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["threads"], 2);
#else
  EXPECT_NE(Shell("'" KITE_CLI "' bench --threads 2 '" + model + "'", &out), 0);
#endif
  EXPECT_NE(Shell("'" KITE_CLI "' bench --threads 0 '" + model + "'", &out), 0);
  EXPECT_NE(out.find("--threads must be >= 1"), std::string::npos) << out;
}

TEST(KiteCli, BadFilesGetOneLineErrors) {
  std::string out;
  std::ofstream(Work() + "/junk.kite") << "not a model";
  EXPECT_NE(Shell("'" KITE_CLI "' inspect '" + Work() + "/junk.kite'", &out), 0);
  EXPECT_NE(out.find("kite: error:"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + Work() + "/junk.kite' -o '" + Work() + "/x.kite'", &out), 0);
  EXPECT_NE(out.find("not an ONNX model"), std::string::npos) << out;
}

// x [1, 3, 16, 16] (an image, NCHW) -> Conv 3x3 (8) + Relu -> Conv 1x1 (2) -> y
std::string WriteImageConvNet() {
  Random random(TestSeed());
  OnnxBuilder b;
  b.Input("x", {1, 3, 16, 16});
  b.Initializer("w1", {8, 3, 3, 3}, random.Floats(8 * 27, -0.5f, 0.5f));
  b.Initializer("w2", {2, 8, 1, 1}, random.Floats(16, -0.5f, 0.5f));
  OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "w1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"}, "relu1");
  b.Node("Conv", {"r1", "w2"}, {"y"}, "conv2");
  b.Output("y");
  return b.Save(Work(), std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_image_conv.onnx");
}

// Two small photographs (gradients and noise) in a folder of the running
// test's own: ctest runs tests in parallel, and one test's rm -rf must not
// empty another's calibration set.
std::string WriteImageFolder() {
  const std::string dir = Work() + "/cli_images_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  Random random(TestSeed());
  for (int i = 0; i < 2; ++i) {
    converter::Image image;
    image.width = image.height = 20;
    const std::vector<float> noise = random.Floats(20 * 20 * 3, 0.0f, 255.0f);
    for (int k = 0; k < 20 * 20 * 3; ++k) image.rgb.push_back(static_cast<unsigned char>((k * (i + 1)) % 256 / 2 + noise[k] / 2));
    converter::SavePng(dir + "/photo" + std::to_string(i) + ".png", image);
  }
  return dir;
}

TEST(KiteCli, ConvertInt8FromImagesThenCompareLayerByLayer) {
  const std::string onnx = WriteImageConvNet(), images = WriteImageFolder();
  const std::string kite8 = Work() + "/image_conv_int8.kite", qdq = Work() + "/image_conv_qdq.onnx";
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + kite8 + "' --quantize int8 --calibration '" + images +
                      "' --mean 0.5 --std 0.5 --method minmax --emit-qdq '" + qdq + "'", &out), 0) << out;
  EXPECT_NE(out.find("calibrated on 2 images"), std::string::npos) << out;
  EXPECT_NE(out.find("2 int8 ops") == std::string::npos && out.find("3 int8 ops") == std::string::npos, true) << out;
  std::ifstream q(qdq);
  EXPECT_TRUE(q.good()) << "no QDQ export";

  // kite inspect shows each op's precision.
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json '" + kite8 + "'", &out), 0) << out;
  const auto inspect = nlohmann::json::parse(out);
  int int8_convs = 0;
  for (const auto& op : inspect["operators"]) int8_convs += op["op"] == "CONV_2D" && op["dtype"] == "INT8";
  EXPECT_EQ(int8_convs, 2);

  const std::string svg = Work() + "/image_conv_sqnr.svg";
  ASSERT_EQ(Shell("'" KITE_CLI "' compare '" + onnx + "' '" + kite8 + "' --input '" + images +
                      "' --mean 0.5 --std 0.5 --json --svg '" + svg + "'", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["samples"], 2);
  // conv1 (with its relu) and conv2 matched by ONNX node name, plus the
  // layout transposes around them.
  std::set<std::string> nodes;
  for (const auto& l : j["layers"]) nodes.insert(l["node"].get<std::string>());
  EXPECT_TRUE(nodes.count("conv1") && nodes.count("conv2")) << out;
  EXPECT_EQ(j["outputs"].size(), 1u);
  EXPECT_GT(j["outputs"][0]["sqnr_db"].get<double>(), 20.0);
  const auto sqnr = [](const nlohmann::json& l) { return l["sqnr_db"].is_number() ? l["sqnr_db"].get<double>() : 1e9; };
  for (size_t i = 1; i < j["layers"].size(); ++i) EXPECT_LE(sqnr(j["layers"][i - 1]), sqnr(j["layers"][i])) << "worst first";
  std::ifstream f(svg);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find("<svg"), std::string::npos);
  EXPECT_NE(ss.str().find("conv2"), std::string::npos);

  // --target-sqnr: the mixed-precision search runs and says what it chose.
  ASSERT_EQ(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/image_conv_mixed.kite' --quantize int8 --calibration '" +
                      images + "' --mean 0.5 --std 0.5 --target-sqnr 60 --max-float-macs 0.5 --search-samples 2", &out), 0) << out;
  EXPECT_NE(out.find("mixed precision ("), std::string::npos) << out;
  EXPECT_NE(out.find("(target 60.0)"), std::string::npos) << out;

  // --int16: conv1 runs in 16x8, kite inspect says so; the QDQ export
  // refuses int16 tensors by name and leaves no file.
  const std::string kite16 = Work() + "/image_conv_16x8.kite";
  ASSERT_EQ(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + kite16 + "' --quantize int8 --calibration '" + images +
                      "' --mean 0.5 --std 0.5 --int16 conv1", &out), 0) << out;
  EXPECT_NE(out.find("1 in 16x8, 0 of those 16x16)"), std::string::npos) << out;
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json '" + kite16 + "'", &out), 0) << out;
  int int16_convs = 0;
  const auto inspect16 = nlohmann::json::parse(out);
  for (const auto& op : inspect16["operators"]) int16_convs += op["op"] == "CONV_2D" && op["dtype"] == "INT16";
  EXPECT_EQ(int16_convs, 1);
  const std::string qdq16 = Work() + "/image_conv_16x8_qdq.onnx";
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/image_conv_16x8_b.kite' --quantize int8 --calibration '" +
                      images + "' --mean 0.5 --std 0.5 --int16 conv1 --emit-qdq '" + qdq16 + "'", &out), 0) << out;
  EXPECT_NE(out.find("16x8 (int16) tensors"), std::string::npos) << out;
  EXPECT_FALSE(std::ifstream(qdq16).good()) << "a failed export must leave no file";

  // --sensitivity: every int8 activation, best gain first, and the SVG of the gains.
  const std::string sens_svg = Work() + "/image_conv_sensitivity.svg";
  ASSERT_EQ(Shell("'" KITE_CLI "' compare '" + onnx + "' '" + kite8 + "' --input '" + images +
                      "' --mean 0.5 --std 0.5 --sensitivity --json --svg '" + sens_svg + "'", &out), 0) << out;
  const auto s = nlohmann::json::parse(out);
  EXPECT_EQ(s["samples"], 2);
  EXPECT_GT(s["int8_model_db"].get<double>(), 20.0);
  ASSERT_GE(s["tensors"].size(), 2u);
  std::set<std::string> rounded;
  for (const auto& t : s["tensors"]) rounded.insert(t["node"].get<std::string>());
  EXPECT_TRUE(rounded.count("conv1")) << out;
  for (size_t i = 1; i < s["tensors"].size(); ++i) {
    EXPECT_GE(s["tensors"][i - 1]["gain_db"].get<double>(), s["tensors"][i]["gain_db"].get<double>()) << "best gain first";
  }
  // Each int8 conv's weights alone, worst first, and all roundings together.
  ASSERT_GE(s["weights"].size(), 1u) << out;
  for (size_t i = 1; i < s["weights"].size(); ++i) {
    EXPECT_LE(s["weights"][i - 1]["alone_db"].get<double>(), s["weights"][i]["alone_db"].get<double>()) << "worst first";
  }
  EXPECT_GT(s["everything_rounded_db"].get<double>(), 20.0) << out;
  std::ifstream g(sens_svg);
  std::stringstream gs;
  gs << g.rdbuf();
  EXPECT_NE(gs.str().find("conv1"), std::string::npos);
}

// --quantize int8 runs the mixed-precision search unless --target-sqnr 0;
// --quantize 16x8 searches only for convs to keep in float for their weights.
TEST(KiteCli, Int8SearchesForMixedPrecisionByDefault) {
  const std::string onnx = WriteImageConvNet(), images = WriteImageFolder();
  const std::string base = "'" KITE_CLI "' convert '" + onnx + "' --calibration '" + images + "' --mean 0.5 --std 0.5 -o '" + Work();
  std::string out;
  ASSERT_EQ(Shell(base + "/search_default.kite' --quantize int8", &out), 0) << out;
  const std::string host = converter::CostModelName(converter::HostCostModel());
  EXPECT_NE(out.find("mixed precision (" + host + " prices): "), std::string::npos) << "priced for this machine: " << out;
  EXPECT_NE(out.find("(target 30.0)"), std::string::npos) << out;
  // Priced for CPUs with int8 dot products, 16x8 costs 3x int8 and the
  // search starts from int8; for AVX2, where it keeps pace, from 16x8.
  ASSERT_EQ(Shell(base + "/search_dot.kite' --quantize int8 --cost-model int8-dot", &out), 0) << out;
  EXPECT_NE(out.find("mixed precision (int8-dot prices): simulated worst output SQNR"), std::string::npos) << out;
  ASSERT_EQ(Shell(base + "/search_avx2.kite' --quantize int8 --cost-model avx2", &out), 0) << out;
  EXPECT_NE(out.find("mixed precision (avx2 prices): the whole 16x8 model fits the budget"), std::string::npos) << out;
  std::string same;
  ASSERT_EQ(Shell(base + "/search_host.kite' --quantize int8 --cost-model " + host, &same), 0) << same;
  const std::string default_bytes = FileBytes(Work() + "/search_default.kite");
  EXPECT_FALSE(default_bytes.empty());
  EXPECT_EQ(default_bytes, FileBytes(Work() + "/search_host.kite")) << "host is " << host;
  EXPECT_NE(Shell(base + "/e.kite' --quantize int8 --cost-model avx512", &out), 0);
  EXPECT_NE(out.find("--cost-model"), std::string::npos) << out;
  ASSERT_EQ(Shell(base + "/search_off.kite' --quantize int8 --target-sqnr 0", &out), 0) << out;
  EXPECT_EQ(out.find("mixed precision:"), std::string::npos) << out;
  ASSERT_EQ(Shell(base + "/search_16x8.kite' --quantize 16x8", &out), 0) << out;
  EXPECT_NE(out.find("dB 16x8 -> "), std::string::npos) << out;
  EXPECT_NE(out.find("in float for their int8 weights"), std::string::npos) << out;
  ASSERT_EQ(Shell(base + "/search_16x8_off.kite' --quantize 16x8 --target-sqnr 0", &out), 0) << out;
  EXPECT_EQ(out.find("mixed precision:"), std::string::npos) << out;
  // --quantize 16x16: int16 weights in every conv, no search.
  ASSERT_EQ(Shell(base + "/all_16x16.kite' --quantize 16x16", &out), 0) << out;
  EXPECT_EQ(out.find("mixed precision:"), std::string::npos) << out;
  EXPECT_EQ(out.find(", 0 of those 16x16)"), std::string::npos) << out;
  EXPECT_NE(out.find("of those 16x16)"), std::string::npos) << out;
  EXPECT_NE(Shell(base + "/e.kite' --quantize 16x16 --target-sqnr 30", &out), 0);
  EXPECT_NE(out.find("--quantize 16x16 runs no mixed-precision search"), std::string::npos) << out;
  EXPECT_NE(Shell(base + "/e.kite' --quantize 16x8 --int16 conv1", &out), 0);
  EXPECT_NE(out.find("--quantize 16x8 takes every op with a 16x8 kernel"), std::string::npos) << out;
}

TEST(KiteCli, QuantizationOptionsErrors) {
  const std::string onnx = WriteImageConvNet();
  std::string out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize int8", &out), 0);
  EXPECT_NE(out.find("--calibration"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --calibration '" + Work() + "'", &out), 0);
  EXPECT_NE(out.find("need --quantize int8"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --target-sqnr 30", &out), 0);
  EXPECT_NE(out.find("need --quantize int8"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize 16x8", &out), 0);
  EXPECT_NE(out.find("--quantize 16x8 needs --calibration"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize 16x8 --calibration x --int16 conv1", &out), 0);
  EXPECT_NE(out.find("--quantize 16x8 takes every op with a 16x8 kernel"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --int16-weights conv1", &out), 0);
  EXPECT_NE(out.find("need --quantize int8"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize int8 --calibration '" +
                      WriteImageFolder() + "' --int16-weights no_such_node", &out), 0);
  EXPECT_NE(out.find("--int16-weights no_such_node: no Conv"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize int8 --calibration x --method kl", &out), 0);
  const std::string empty = Work() + "/empty_calibration";
  std::system(("mkdir -p '" + empty + "'").c_str());
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + onnx + "' -o '" + Work() + "/e.kite' --quantize int8 --calibration '" + empty + "'", &out), 0);
  EXPECT_NE(out.find("holds no .npy, .png or .jpg files"), std::string::npos) << out;
  std::ifstream none(Work() + "/e.kite");
  EXPECT_FALSE(none.good()) << "a failed conversion left a file";
}

}  // namespace
}  // namespace testing
}  // namespace kite

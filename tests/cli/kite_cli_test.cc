// The `kite` command line as scripts use it: run with stacked samples, file
// names of outputs, errors for inputs that do not fit, inspect --json.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/npy.h"
#include "support/model_builder.h"

namespace kite {
namespace testing {
namespace {

std::string Work() { return KITE_TEST_WORK_DIR; }

// Runs a command; returns its exit status and fills `output` with stdout+stderr.
int Shell(const std::string& command, std::string* output) {
  const std::string log = Work() + "/cli_test.log";
  const int status = std::system((command + " > '" + log + "' 2>&1").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *output = ss.str();
  return status;
}

std::string WriteReluModel() {
  ModelBuilder mb;
  const int x = mb.Input("in", schema::DataType_FLOAT32, {1, 4});
  const int y = mb.Tensor("out:0/relu", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_RELU, {x}, {y});
  mb.Output(y);
  const std::string path = Work() + "/relu.kite";
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

TEST(KiteCli, RunRejectsInputsThatDoNotFit) {
  const std::string model = WriteReluModel();
  std::string out;
  converter::NpyArray f64{"<f8", {1, 4}, std::vector<uint8_t>(32)};
  converter::WriteNpy(Work() + "/f64.npy", f64);
  EXPECT_NE(Shell("'" KITE_CLI "' run '" + model + "' --input in='" + Work() + "/f64.npy' --output-dir '" + Work() + "/o'", &out), 0);
  EXPECT_NE(out.find("expects <f4"), std::string::npos) << out;
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
}

TEST(KiteCli, InspectJson) {
  const std::string model = WriteReluModel();
  std::string out;
  ASSERT_EQ(Shell("'" KITE_CLI "' inspect --json '" + model + "'", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["operators"].size(), 1u);
  EXPECT_EQ(j["operators"][0]["op"], "RELU");
  EXPECT_EQ(j["operators"][0]["kernel"], "reference/unary_float32");
  EXPECT_EQ(j["outputs"][0]["name"], "out:0/relu");
  EXPECT_GT(j["arena"]["total_bytes"].get<size_t>(), 0u);
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
  EXPECT_EQ(j["profile"][0]["kernel"], "reference/unary_float32");
  EXPECT_NEAR(j["profile"][0]["share"].get<double>(), 1.0, 1e-9);
  EXPECT_NE(Shell("'" KITE_CLI "' bench --threads 2 '" + model + "'", &out), 0);
  EXPECT_NE(out.find("one thread"), std::string::npos) << out;
}

TEST(KiteCli, BadFilesGetOneLineErrors) {
  std::string out;
  std::ofstream(Work() + "/junk.kite") << "not a model";
  EXPECT_NE(Shell("'" KITE_CLI "' inspect '" + Work() + "/junk.kite'", &out), 0);
  EXPECT_NE(out.find("kite: error:"), std::string::npos) << out;
  EXPECT_NE(Shell("'" KITE_CLI "' convert '" + Work() + "/junk.kite' -o '" + Work() + "/x.kite'", &out), 0);
  EXPECT_NE(out.find("not an ONNX model"), std::string::npos) << out;
}

}  // namespace
}  // namespace testing
}  // namespace kite

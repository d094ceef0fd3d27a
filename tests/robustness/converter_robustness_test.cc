// The converter on input it did not expect: every model of Debian's ONNX
// test data, and truncated or damaged real models. Each must convert or fail
// with a message (a std::runtime_error such as ConversionError); a library
// exception (std::out_of_range, std::length_error, ...) means a check is
// missing, and in the sanitizer build any out-of-bounds access stops the
// test. What converts must load and prepare in the runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "convert.h"
#include "models/real_models.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

enum class Outcome { kConverted, kFailed };

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Converts to float32 and checks the contract; `what` names the input in
// failure messages.
Outcome ConvertChecked(const std::string& onnx_bytes, const std::string& what,
                       const converter::ConvertOptions& options = {}) {
  std::vector<uint8_t> model;
  try {
    model = converter::ConvertOnnxBytes(onnx_bytes, options, nullptr);
  } catch (const std::runtime_error& e) {
    EXPECT_STRNE(e.what(), "") << what;
    return Outcome::kFailed;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": a library exception escaped the converter: " << e.what();
    return Outcome::kFailed;
  }
  const AlignedBytes aligned(model);
  kite_model* loaded = nullptr;
  kite_error error;
  EXPECT_EQ(kite_model_load(aligned.data(), aligned.size(), &loaded, &error), KITE_OK)
      << what << ": the runtime rejects what the converter wrote: " << error.message;
  // kite_arena_size runs every operator's prepare checks.
  size_t arena = 0;
  if (loaded != nullptr) {
    EXPECT_EQ(kite_arena_size(loaded, &arena, &error), KITE_OK)
        << what << ": the runtime's prepare rejects what the converter wrote: " << error.message;
  }
  kite_model_free(loaded);
  return Outcome::kConverted;
}

TEST(ConverterRobustness, EveryOnnxTestDataModelConvertsOrFailsWithAMessage) {
  std::vector<std::string> models;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(KITE_ONNX_TESTDATA)) {
    if (entry.path().filename() == "model.onnx") models.push_back(entry.path().string());
  }
  std::sort(models.begin(), models.end());
  ASSERT_GT(models.size(), 1000u) << "libonnx-testdata in " << KITE_ONNX_TESTDATA;
  int converted = 0;
  for (const std::string& path : models) {
    converted += ConvertChecked(ReadFile(path), path) == Outcome::kConverted ? 1 : 0;
  }
  std::printf("%zu ONNX test models: %d converted, %zu failed with a message\n", models.size(), converted,
              models.size() - static_cast<size_t>(converted));
  // The supported operators' node tests convert (onnx_conformance_test runs them).
  EXPECT_GT(converted, 100);
}

// Small graphs with one malformed node each: what fuzz_onnx_import found, and
// its neighbours. Each fails with a ConversionError that says what is wrong.
TEST(ConverterRobustness, MalformedNodesFailWithAMessage) {
  struct Case {
    const char* name;
    std::function<void(OnnxBuilder&)> build;  // ends in output "y"
    const char* message;
  };
  const std::vector<Case> cases = {
      {"transpose_perm", [](OnnxBuilder& b) {
         b.Input("x", {2, 3});
         OnnxBuilder::IntsAttr(b.Node("Transpose", {"x"}, {"y"}), "perm", {0, 65});
       }, "not a permutation"},
      {"conv_bias_shape", [](OnnxBuilder& b) {
         b.Input("x", {1, 2, 4, 4});
         b.Initializer("w", {3, 2, 1, 1}, std::vector<float>(6, 0.5f));
         b.Initializer("bias", {2}, {0.0f, 1.0f});
         b.Node("Conv", {"x", "w", "bias"}, {"y"});
       }, "bias must have shape [3]"},
      {"conv_zero_stride", [](OnnxBuilder& b) {
         b.Input("x", {1, 2, 4, 4});
         b.Initializer("w", {3, 2, 1, 1}, std::vector<float>(6, 0.5f));
         OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "w"}, {"y"}), "strides", {0, 1});
       }, "strides [0,1]"},
      {"concat_off_axis", [](OnnxBuilder& b) {
         b.Initializer("a", {1, 2}, {1.0f, 2.0f});
         b.Initializer("c", {3, 3}, std::vector<float>(9, 1.0f));
         OnnxBuilder::IntAttr(b.Node("Concat", {"a", "c"}, {"y"}), "axis", 0);
       }, "differ off the axis"},
      {"slice_lists", [](OnnxBuilder& b) {
         b.Input("x", {4, 4});
         b.IntInitializer("starts", {0, 0});
         b.IntInitializer("ends", {1});
         b.Node("Slice", {"x", "starts", "ends"}, {"y"});
       }, "differ in length"},
      {"range_zero_delta", [](OnnxBuilder& b) {
         b.IntInitializer("start", {0});
         b.IntInitializer("limit", {5});
         b.IntInitializer("delta", {0});
         b.Node("Range", {"start", "limit", "delta"}, {"r"});
         OnnxBuilder::IntAttr(b.Node("Cast", {"r"}, {"y"}), "to", 1);
       }, "finite sequence"},
      {"constant_of_shape_huge", [](OnnxBuilder& b) {
         b.IntInitializer("shape", {10000, 10000});
         b.Node("ConstantOfShape", {"shape"}, {"y"});
       }, "folds at most 2^26"},
      {"gather_index", [](OnnxBuilder& b) {
         b.Initializer("data", {3}, {1.0f, 2.0f, 3.0f});
         b.IntInitializer("indices", {7});
         b.Node("Gather", {"data", "indices"}, {"y"});
       }, "out of range"},
  };
  for (const Case& c : cases) {
    OnnxBuilder b;
    c.build(b);
    b.Output("y");
    try {
      converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, std::string("malformed_") + c.name + ".onnx"), {}, nullptr);
      ADD_FAILURE() << c.name << ": converted";
    } catch (const converter::ConversionError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.name << ": " << e.what();
    }
  }
}

struct DamagedModel {
  const char* name;  // a RealModels() name
  int truncations;
  int byte_edits;
};

class ConverterDamagedModels : public ::testing::TestWithParam<DamagedModel> {};

TEST_P(ConverterDamagedModels, ConvertOrFailWithAMessage) {
  const DamagedModel& c = GetParam();
  std::string path;
  converter::ConvertOptions options;
  for (const RealModel& m : RealModels()) {
    if (std::string(m.name) != c.name) continue;
    path = ModelsDir() + "/" + m.path;
    options.import.input_shapes[m.input] = m.shape;
  }
  const std::string original = ReadFile(path);
  ASSERT_FALSE(original.empty()) << path;
  const uint32_t seed = DeterministicSeed(20261201);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (--gtest_random_seed)");
  std::mt19937 rng(seed);
  int converted = 0;
  for (int i = 0; i < c.truncations; ++i) {
    const size_t keep = std::uniform_int_distribution<size_t>(0, original.size() - 1)(rng);
    converted += ConvertChecked(original.substr(0, keep), "truncated to " + std::to_string(keep) + " bytes", options) == Outcome::kConverted;
  }
  const int truncations_converted = converted;
  for (int i = 0; i < c.byte_edits; ++i) {
    std::string damaged = original;
    std::string what = "bytes changed at";
    const int edits = std::uniform_int_distribution<int>(1, 8)(rng);
    for (int e = 0; e < edits; ++e) {
      // Protobuf keeps tags and lengths next to the data: any byte may be one.
      const size_t at = std::uniform_int_distribution<size_t>(0, damaged.size() - 1)(rng);
      damaged[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      what += " " + std::to_string(at);
    }
    converted += ConvertChecked(damaged, what, options) == Outcome::kConverted;
    if (::testing::Test::HasFailure()) return;
  }
  std::printf("%s: %d truncations (%d converted), %d damaged copies (%d converted); the rest failed with a message\n",
              c.name, c.truncations, truncations_converted, c.byte_edits, converted - truncations_converted);
}

INSTANTIATE_TEST_SUITE_P(RealModels, ConverterDamagedModels,
                         ::testing::Values(DamagedModel{"BlazeFaceFront", 200, 300}, DamagedModel{"PpOcrCls", 200, 300}),
                         [](const ::testing::TestParamInfo<DamagedModel>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace testing
}  // namespace kite

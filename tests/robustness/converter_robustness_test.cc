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
#include "support/onnx_mutator.h"
#include "support/test_util.h"
#include "support/untrusted_onnx.h"

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
  const OnnxConversionResult r = ConvertUntrustedOnnx(onnx_bytes, options);
  EXPECT_FALSE(IsFinding(r.outcome)) << what << ": " << OnnxOutcomeName(r.outcome) << ": " << r.message;
  return r.outcome == OnnxOutcome::kConverted ? Outcome::kConverted : Outcome::kFailed;
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
      {"negative_epsilon", [](OnnxBuilder& b) {
         b.Input("x", {1, 2, 4});
         b.Initializer("scale", {2}, {1.0f, 1.0f});
         b.Initializer("bias", {2}, {0.0f, 0.0f});
         OnnxBuilder::FloatAttr(b.Node("InstanceNormalization", {"x", "scale", "bias"}, {"y"}), "epsilon", -1.0f);
       }, "epsilon -1.000000: it must be finite and >= 0"},
      {"conv_integer_weights", [](OnnxBuilder& b) {
         b.Input("x", {1, 2, 4, 4});
         b.TypedInitializer("w", onnx::TensorProto::INT8, {2, 1, 3, 3}, std::vector<int64_t>(18, 1));
         OnnxBuilder::IntAttr(b.Node("Conv", {"x", "w"}, {"y"}), "group", 2);
       }, "the input, weights and bias must be float32"},
      {"split_unnamed_piece", [](OnnxBuilder& b) {
         b.Input("x", {4, 2});
         b.Node("Split", {"x"}, {"y", ""});
       }, "output 1 has an empty name"},
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

// Small nets whose parameters are initializers (the test data's models take
// theirs as graph inputs), for the tensor edits: dims and data that disagree.
std::vector<std::string> NetsWithInitializers() {
  std::vector<std::string> nets;
  Random random(7);
  {  // Conv, BatchNormalization, Relu, MaxPool, Reshape, Gemm
    OnnxBuilder b;
    b.Input("x", {1, 3, 8, 8});
    b.Initializer("w", {4, 3, 3, 3}, random.Floats(4 * 3 * 9));
    b.Initializer("bias", {4}, random.Floats(4));
    for (const char* p : {"gamma", "beta", "mean"}) b.Initializer(p, {4}, random.Floats(4));
    b.Initializer("var", {4}, random.Floats(4, 0.5f, 1.5f));
    b.IntInitializer("shape", {1, -1});
    b.Initializer("fc", {64, 5}, random.Floats(64 * 5));
    OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "w", "bias"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
    b.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"n"}, "bn");
    b.Node("Relu", {"n"}, {"r"}, "relu");
    OnnxBuilder::IntsAttr(b.Node("MaxPool", {"r"}, {"p"}, "pool"), "kernel_shape", {2, 2});
    OnnxBuilder::IntsAttr(b.mutable_model()->mutable_graph()->mutable_node(3), "strides", {2, 2});
    b.Node("Reshape", {"p", "shape"}, {"flat"}, "flatten");
    b.Node("Gemm", {"flat", "fc"}, {"y"}, "gemm");
    b.Output("y");
    nets.push_back(b.Bytes());
  }
  {  // Resize by scales, Pad, Slice, Concat
    OnnxBuilder b;
    b.Input("x", {1, 2, 4, 4});
    b.Initializer("scales", {4}, {1, 1, 2, 2});
    b.IntInitializer("pads", {0, 0, 1, 1, 0, 0, 1, 1});
    b.IntInitializer("starts", {1, 1});
    b.IntInitializer("ends", {9, 9});
    b.IntInitializer("axes", {2, 3});
    b.Node("Resize", {"x", "", "scales"}, {"up"}, "resize");
    b.Node("Pad", {"up", "pads"}, {"padded"}, "pad");
    b.Node("Slice", {"padded", "starts", "ends", "axes"}, {"cut"}, "slice");
    OnnxBuilder::IntAttr(b.Node("Concat", {"cut", "up"}, {"y"}, "concat"), "axis", 1);
    b.Output("y");
    nets.push_back(b.Bytes());
  }
  {  // LayerNormalization (opset 17), MatMul, Softmax, Transpose, Gather
    OnnxBuilder b;
    b.Opset(17);
    b.Input("x", {1, 6, 8});
    b.Initializer("scale", {8}, random.Floats(8));
    b.Initializer("proj", {8, 8}, random.Floats(64));
    b.IntInitializer("rows", {0, 2, 5});
    b.Node("LayerNormalization", {"x", "scale"}, {"ln"}, "ln");
    b.Node("MatMul", {"ln", "proj"}, {"q"}, "matmul");
    b.Node("Softmax", {"q"}, {"s"}, "softmax");
    OnnxBuilder::IntsAttr(b.Node("Transpose", {"s"}, {"t"}, "transpose"), "perm", {0, 2, 1});
    OnnxBuilder::IntAttr(b.Node("Gather", {"t", "rows"}, {"y"}, "gather"), "axis", 2);
    b.Output("y");
    nets.push_back(b.Bytes());
  }
  return nets;
}

// Structure-aware edits (tests/support/onnx_mutator.h, the ONNX fuzz
// target's mutator) of the ONNX test models that convert and of the nets above: each kind of edit
// on many mutants, one or two edits each. Every mutant converts or is refused
// with a message; each kind must reach the converter's checks (some mutants
// refused), and the mutator must apply to most mutants.
TEST(ConverterRobustness, StructuredEditsOfTestModelsConvertOrFailWithAMessage) {
  const char* const kFamilies[] = {"test_conv", "test_gemm", "test_resize", "test_gather", "test_slice", "test_pad",
                                   "test_maxpool_2d", "test_averagepool_2d", "test_reshape", "test_split",
                                   "test_concat", "test_transpose", "test_softmax", "test_reduce_mean", "test_matmul",
                                   "test_where", "test_expand", "test_layer_norm", "test_cumsum", "test_clip",
                                   "test_constant", "test_range", "test_tile", "test_argmax", "test_batchnorm",
                                   "test_instancenorm", "test_lrn", "test_depthtospace", "test_trilu", "test_cast"};
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(KITE_ONNX_TESTDATA)) {
    if (entry.path().filename() != "model.onnx") continue;
    const std::string test = entry.path().parent_path().filename().string();
    for (const char* family : kFamilies) {
      if (test.rfind(family, 0) == 0) seeds.push_back(entry.path().string());
    }
  }
  std::sort(seeds.begin(), seeds.end());
  std::vector<std::pair<std::string, std::string>> models;  // name, bytes
  for (const std::string& path : seeds) {
    std::string bytes = ReadFile(path);
    if (ConvertUntrustedOnnx(bytes).outcome == OnnxOutcome::kConverted) {
      models.emplace_back(std::filesystem::path(path).parent_path().filename().string(), std::move(bytes));
    }
  }
  ASSERT_GT(models.size(), 100u) << "converting test models of " << KITE_ONNX_TESTDATA;
  for (std::string& net : NetsWithInitializers()) {
    ASSERT_EQ(ConvertUntrustedOnnx(net).outcome, OnnxOutcome::kConverted);
    models.emplace_back("net with initializers " + std::to_string(models.size()), std::move(net));
  }
  const uint32_t seed = DeterministicSeed(20261207);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (--gtest_random_seed)");
  constexpr int kMutantsPerEdit = 400;
  for (OnnxEdit edit : kAllOnnxEdits) {
    int applied = 0, converted = 0, refused = 0;
    for (int i = 0; i < kMutantsPerEdit; ++i) {
      std::mt19937 rng(seed + static_cast<uint32_t>(i) * 7919u + static_cast<uint32_t>(edit) * 104729u);
      std::string mutant, what;
      bool mutated = false;  // models without initializers have no tensor to edit: try others
      for (int tries = 0; tries < 16 && !mutated; ++tries) {
        const auto& model = models[rng() % models.size()];
        mutated = MutateOnnxModel(model.second, edit, rng, &mutant, &what);
        what = model.first + ": " + what;
      }
      if (!mutated) continue;
      ++applied;
      if (rng() % 4 == 0) {  // a second edit of any kind on top
        std::string twice, second;
        if (MutateOnnxModel(mutant, kAllOnnxEdits[rng() % std::size(kAllOnnxEdits)], rng, &twice, &second)) {
          mutant = twice;
          what += "; " + second;
        }
      }
      const OnnxConversionResult r = ConvertUntrustedOnnx(mutant);
      if (IsFinding(r.outcome)) {
        const std::string saved = std::string(KITE_TEST_WORK_DIR) + "/onnx_mutant_" + std::to_string(i) + ".onnx";
        std::ofstream(saved, std::ios::binary) << mutant;
        FAIL() << OnnxEditName(edit) << " mutant " << i << " (" << what << "), saved as " << saved << ": "
               << OnnxOutcomeName(r.outcome) << ": " << r.message;
      }
      (r.outcome == OnnxOutcome::kConverted ? converted : refused) += 1;
    }
    std::printf("%-24s %d of %d mutants applied: %d converted, %d refused with a message\n", OnnxEditName(edit),
                applied, kMutantsPerEdit, converted, refused);
    EXPECT_GT(applied, kMutantsPerEdit / 2) << OnnxEditName(edit);
    EXPECT_GT(refused, 0) << OnnxEditName(edit) << ": no mutant reached a check";
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

// Replays every file in tests/fuzz/regressions/: inputs that once crashed a
// fuzz target or the mutation test. A .kite file must be rejected with a
// status or run (through load, prepare, invoke, on both kernel sets); an
// .onnx file must convert or fail with a message.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "convert.h"
#include "support/test_util.h"
#include "support/untrusted_model.h"

namespace kite {
namespace testing {
namespace {

std::vector<std::string> RegressionFiles(const std::string& extension) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(KITE_REGRESSIONS_DIR)) {
    if (entry.path().extension() == extension) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

TEST(Regressions, ModelFilesAreRejectedOrRun) {
  const std::vector<std::string> files = RegressionFiles(".kite");
  ASSERT_FALSE(files.empty()) << "no .kite files in " << KITE_REGRESSIONS_DIR;
  for (const std::string& path : files) {
    const std::vector<uint8_t> bytes = ReadFile(path);
    for (KernelSet set : AllKernelSets()) {
      const UntrustedRunResult r = RunUntrustedModel(bytes.data(), bytes.size(), size_t{1} << 30, KernelsOf(set));
      EXPECT_NE(r.stage, UntrustedStage::kInvoke) << path << ": " << r.message;
      if (r.stage != UntrustedStage::kRan) EXPECT_FALSE(r.message.empty()) << path;
      std::printf("%s (%s kernels): %s %s\n", std::filesystem::path(path).filename().c_str(), KernelSetName(set),
                  UntrustedStageName(r.stage), r.message.c_str());
    }
  }
}

TEST(Regressions, OnnxFilesConvertOrFailWithAMessage) {
  for (const std::string& path : RegressionFiles(".onnx")) {
    const std::vector<uint8_t> bytes = ReadFile(path);
    try {
      // What converts must load and prepare: the converter writes only models the runtime accepts.
      const AlignedBytes model(converter::ConvertOnnxBytes(std::string(bytes.begin(), bytes.end()), {}, nullptr));
      kite_model* loaded = nullptr;
      kite_error error;
      EXPECT_EQ(kite_model_load(model.data(), model.size(), &loaded, &error), KITE_OK) << path << ": " << error.message;
      size_t arena = 0;
      if (loaded != nullptr) EXPECT_EQ(kite_arena_size(loaded, &arena, &error), KITE_OK) << path << ": " << error.message;
      kite_model_free(loaded);
      std::printf("%s: converts\n", path.c_str());
    } catch (const std::runtime_error& e) {
      EXPECT_STRNE(e.what(), "") << path;
      std::printf("%s: %s\n", std::filesystem::path(path).filename().c_str(), e.what());
    }
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

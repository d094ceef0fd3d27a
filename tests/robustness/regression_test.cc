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

#include "support/test_util.h"
#include "support/untrusted_model.h"
#include "support/untrusted_onnx.h"

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
    const OnnxConversionResult r = ConvertUntrustedOnnx(std::string(bytes.begin(), bytes.end()));
    EXPECT_FALSE(IsFinding(r.outcome)) << path << ": " << OnnxOutcomeName(r.outcome) << ": " << r.message;
    std::printf("%s: %s %s\n", std::filesystem::path(path).filename().c_str(), OnnxOutcomeName(r.outcome),
                r.message.c_str());
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

// ONNX conformance: every model in Debian's libonnx-testdata either converts
// and reproduces the expected outputs of its test_data_set_* folders
// (float: rtol 1e-3, atol 1e-5; int64: exactly), or fails conversion with a message that names what
// is unsupported. Nothing may crash. Every model in passing.txt must pass (so
// a change cannot lose one); a pass not yet listed is printed, to be added.
// Prints the counts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "convert.h"
#include "kite/kite.hpp"
#include "support/model_builder.h"

namespace kite {
namespace converter {
Value ValueFromTensor(const onnx::TensorProto& t);
}  // namespace converter

namespace testing {
namespace {

namespace fs = std::filesystem;

converter::Value ReadTensor(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&f)) throw std::runtime_error("cannot parse " + path.string());
  return converter::ValueFromTensor(t);
}

// A test tensor's integers (or booleans) as the bytes of a Kite tensor of
// `dtype`; empty when the types do not match.
std::vector<uint8_t> IntegerBytes(const converter::Value& v, kite_dtype dtype) {
  if (v.type == converter::ElementType::kFloat) return {};
  std::vector<uint8_t> bytes;
  for (int64_t x : v.constant->ints) {
    switch (dtype) {
      case KITE_INT64: bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(&x), reinterpret_cast<uint8_t*>(&x) + 8); break;
      case KITE_INT32: {
        const int32_t y = static_cast<int32_t>(x);
        bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&y), reinterpret_cast<const uint8_t*>(&y) + 4);
        break;
      }
      case KITE_UINT8:
      case KITE_BOOL: bytes.push_back(static_cast<uint8_t>(x)); break;
      default: return {};
    }
  }
  return bytes;
}

// Runs one test_data_set folder; returns "" when every output matches.
std::string RunDataSet(InterpreterHandle& it, const fs::path& set) {
  for (size_t i = 0; i < it.input_count(); ++i) {
    const converter::Value v = ReadTensor(set / ("input_" + std::to_string(i) + ".pb"));
    kite_tensor_info info;
    it.InputInfo(i, &info);
    if (info.dtype == KITE_FLOAT32) {
      if (v.type != converter::ElementType::kFloat) return "input " + std::to_string(i) + " is not float";
      if (it.SetInput(i, v.constant->floats.data(), v.constant->floats.size() * 4) != KITE_OK) return it.error();
      continue;
    }
    const std::vector<uint8_t> bytes = IntegerBytes(v, info.dtype);
    if (bytes.empty()) return "input " + std::to_string(i) + " does not have the model's type";
    if (it.SetInput(i, bytes.data(), bytes.size()) != KITE_OK) return it.error();
  }
  if (it.Invoke() != KITE_OK) return it.error();
  for (size_t o = 0; o < it.output_count(); ++o) {
    const converter::Value want = ReadTensor(set / ("output_" + std::to_string(o) + ".pb"));
    kite_tensor_info info;
    it.OutputInfo(o, &info);
    const std::vector<uint8_t> expected = IntegerBytes(want, info.dtype);
    if (!expected.empty() && expected.size() == info.bytes) {  // integers and booleans: exactly
      std::vector<uint8_t> got(info.bytes);
      it.GetOutput(o, got.data(), info.bytes);
      const size_t width = expected.size() / want.constant->ints.size();
      for (size_t i = 0; i < want.constant->ints.size(); ++i) {
        if (std::memcmp(&got[i * width], &expected[i * width], width) != 0) {
          int64_t value = 0;  // little-endian, sign-extended
          std::memcpy(&value, &got[i * width], width);
          if (width < 8 && info.dtype != KITE_UINT8 && info.dtype != KITE_BOOL && (value >> (8 * width - 1)) != 0) {
            value -= int64_t{1} << (8 * width);
          }
          return "output " + std::to_string(o) + " element " + std::to_string(i) + ": got " + std::to_string(value) +
                 ", expected " + std::to_string(want.constant->ints[i]);
        }
      }
      continue;
    }
    if (want.type != converter::ElementType::kFloat || info.dtype != KITE_FLOAT32 ||
        want.constant->floats.size() * 4 != info.bytes) {
      return "output " + std::to_string(o) + " has a different size or type";
    }
    std::vector<float> got(info.bytes / 4);
    it.GetOutput(o, got.data(), info.bytes);
    for (size_t i = 0; i < got.size(); ++i) {
      const float w = want.constant->floats[i];
      if ((std::isnan(w) && std::isnan(got[i])) || got[i] == w) continue;
      if (!(std::fabs(got[i] - w) <= 1e-5 + 1e-3 * std::fabs(w))) {
        return "output " + std::to_string(o) + " element " + std::to_string(i) + ": got " + std::to_string(got[i]) +
               ", expected " + std::to_string(w);
      }
    }
  }
  return "";
}

// The models that passed when the list was last updated, one per line.
std::set<std::string> ExpectedPasses() {
  std::ifstream f(KITE_CONFORMANCE_PASSING);
  std::set<std::string> names;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty() && line[0] != '#') names.insert(line);
  }
  return names;
}

TEST(OnnxConformance, BackendTestData) {
  const std::set<std::string> expected = ExpectedPasses();
  EXPECT_GT(expected.size(), 100u) << "cannot read " << KITE_CONFORMANCE_PASSING;
  std::set<std::string> passes;
  std::vector<fs::path> models;
  for (const auto& entry : fs::recursive_directory_iterator(KITE_ONNX_TESTDATA)) {
    if (entry.path().filename() == "model.onnx") models.push_back(entry.path());
  }
  std::sort(models.begin(), models.end());
  ASSERT_GT(models.size(), 1000u);
  int converted = 0, passed = 0, unsupported = 0;
  std::vector<std::string> failures;
  std::map<std::string, int> reasons;
  for (const fs::path& model_path : models) {
    const std::string name = model_path.parent_path().parent_path().filename().string() + "/" +
                             model_path.parent_path().filename().string();
    std::vector<uint8_t> bytes;
    try {
      bytes = converter::ConvertOnnx(model_path.string(), {}, nullptr);
    } catch (const std::exception& e) {
      ++unsupported;
      const std::string why = e.what();
      if (why.empty()) failures.push_back(name + ": conversion failed without a message");
      // Group reasons by the op or the first words, for the summary.
      const size_t op = why.find("operator ");
      reasons[op != std::string::npos ? why.substr(op, why.find(' ', op + 9) - op) : why.substr(0, std::min<size_t>(why.size(), 60))]++;
      continue;
    }
    ++converted;
    const AlignedBytes aligned(bytes);
    ModelHandle model;
    InterpreterHandle it;
    if (model.Load(aligned.data(), aligned.size()) != KITE_OK) {
      failures.push_back(name + ": load: " + model.error());
      continue;
    }
    if (it.Create(model, nullptr, 0) != KITE_OK || it.Prepare() != KITE_OK) {
      failures.push_back(name + ": prepare: " + it.error());
      continue;
    }
    std::string failure;
    for (const auto& set : fs::directory_iterator(model_path.parent_path())) {
      if (!set.is_directory() || set.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
      try {
        failure = RunDataSet(it, set.path());
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!failure.empty()) break;
    }
    if (failure.empty()) {
      ++passed;
      passes.insert(name);
    } else {
      failures.push_back(name + ": " + failure);
    }
  }
  std::printf("ONNX conformance: %zu models: %d converted, %d passed, %d unsupported (failed conversion with a message)\n",
              models.size(), converted, passed, unsupported);
  std::vector<std::pair<int, std::string>> top;
  for (const auto& [r, n] : reasons) top.push_back({n, r});
  std::sort(top.rbegin(), top.rend());
  for (size_t i = 0; i < top.size() && i < 15; ++i) std::printf("  unsupported x%d: %s\n", top[i].first, top[i].second.c_str());
  for (const auto& f : failures) ADD_FAILURE() << f;
  for (const std::string& name : expected) {
    if (!passes.count(name)) ADD_FAILURE() << name << " is in passing.txt and no longer passes";
  }
  for (const std::string& name : passes) {
    if (!expected.count(name)) std::printf("  new pass, add it to passing.txt: %s\n", name.c_str());
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

// The real models of ARCHITECTURE.md: each converts, and its float outputs
// match ONNX Runtime 1.30 (run through tests/ort/run_onnxruntime.js) on a
// seeded random input and on a real photograph, within 1e-4 of the output's
// largest magnitude.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <random>

#include "convert.h"
#include "data/image_input.h"
#include "data/npy.h"
#include "kite/kite.hpp"
#include "models/real_models.h"
#include "support/model_builder.h"

namespace kite {
namespace testing {
namespace {

using converter::ImagePreprocessing;

class RealModelsTest : public ::testing::TestWithParam<RealModel> {};

TEST_P(RealModelsTest, ConvertsAndMatchesOnnxRuntime) {
  const RealModel& m = GetParam();
  const std::string onnx = ModelsDir() + "/" + m.path;
  converter::ConvertOptions options;
  options.import.input_shapes[m.input] = m.shape;
  converter::ConvertReport report;
  std::vector<uint8_t> bytes;
  try {
    bytes = converter::ConvertOnnx(onnx, options, &report);
  } catch (const std::exception& e) {
    FAIL() << "conversion failed: " << e.what();
  }
  EXPECT_LE(report.transposes_in_kite, m.max_transposes);
  const AlignedBytes aligned(bytes);
  ModelHandle model;
  ASSERT_EQ(model.Load(aligned.data(), aligned.size()), KITE_OK) << model.error();
  InterpreterHandle it;
  ASSERT_EQ(it.Create(model, nullptr, 0), KITE_OK) << it.error();
  ASSERT_EQ(it.Prepare(), KITE_OK) << it.error();
  std::vector<std::string> names;
  for (size_t o = 0; o < it.output_count(); ++o) {
    kite_tensor_info info;
    it.OutputInfo(o, &info);
    names.push_back(info.name);
  }

  // A seeded random input, and the photograph.
  size_t elements = 1;
  for (int64_t d : m.shape) elements *= static_cast<size_t>(d);
  std::vector<float> random(elements);
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : random) v = u(rng);
  const std::vector<float> photo = converter::ImageToTensor(converter::LoadImage(KITE_PHOTO), m.photo);
  ASSERT_EQ(photo.size(), elements);

  const std::string work = std::string(KITE_TEST_WORK_DIR) + "/" + m.name;
  std::system(("mkdir -p '" + work + "'").c_str());
  double worst = 0;
  for (const auto& [label, data] : {std::make_pair(std::string("random"), random), std::make_pair(std::string("photo"), photo)}) {
    SCOPED_TRACE(label + " input");
    converter::NpyArray in{"<f4", m.shape, std::vector<uint8_t>(elements * 4)};
    std::memcpy(in.data.data(), data.data(), in.data.size());
    const std::string npy = work + "/" + label + ".npy";
    converter::WriteNpy(npy, in);
    const auto expected = RunOnnxRuntime(onnx, m.input, npy, work + "/ort_" + label, names);
    ASSERT_EQ(it.SetInput(0, data.data(), elements * 4), KITE_OK) << it.error();
    ASSERT_EQ(it.Invoke(), KITE_OK) << it.error();
    for (size_t o = 0; o < names.size(); ++o) {
      kite_tensor_info info;
      it.OutputInfo(o, &info);
      ASSERT_EQ(expected[o].data.size(), info.bytes) << names[o];
      std::vector<float> got(info.bytes / 4), want(info.bytes / 4);
      ASSERT_EQ(it.GetOutput(o, got.data(), info.bytes), KITE_OK);
      std::memcpy(want.data(), expected[o].data.data(), info.bytes);
      double largest = 0;
      for (float v : want) largest = std::max(largest, std::fabs(static_cast<double>(v)));
      double error = 0;
      size_t beyond = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const double e = std::fabs(static_cast<double>(got[i]) - want[i]);
        error = std::max(error, e);
        beyond += e > m.tolerance * largest ? 1 : 0;
      }
      const double relative = largest > 0 ? error / largest : error;
      const bool discrete = std::find(m.discrete_outputs.begin(), m.discrete_outputs.end(), names[o]) != m.discrete_outputs.end();
      if (discrete) {
        EXPECT_LE(beyond, got.size() / 1000) << "output '" << names[o] << "': " << beyond << " of " << got.size()
                                             << " elements beyond " << m.tolerance << " of the largest value";
      } else {
        worst = std::max(worst, relative);
        EXPECT_LE(relative, m.tolerance) << "output '" << names[o] << "': max error " << error << " of largest " << largest;
      }
      std::printf("[ output   ] %-15s %-7s %-28s max rel err %.2e, %zu of %zu beyond %.0e%s\n", m.name, label.c_str(),
                  names[o].c_str(), relative, beyond, got.size(), m.tolerance, discrete ? " (discrete output)" : "");
    }
  }
  std::printf("[ model    ] %-15s onnx nodes %4d -> %4d after passes -> %4d kite ops, %d transposes, max rel err %.2e, "
              "arena %llu (lower bound %llu, ratio %.3f), convert %.2f s\n",
              m.name, report.onnx_nodes, report.nodes_after_passes, report.kite_ops, report.transposes_in_kite, worst,
              static_cast<unsigned long long>(report.arena_bytes), static_cast<unsigned long long>(report.lower_bound_bytes),
              report.lower_bound_bytes ? static_cast<double>(report.arena_bytes) / report.lower_bound_bytes : 0.0, report.seconds);
}

INSTANTIATE_TEST_SUITE_P(Npm, RealModelsTest, ::testing::ValuesIn(RealModels()),
                         [](const ::testing::TestParamInfo<RealModel>& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace kite

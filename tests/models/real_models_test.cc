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
#include "support/model_builder.h"

namespace kite {
namespace testing {
namespace {

using converter::ImagePreprocessing;

struct RealModel {
  const char* name;
  const char* path;  // under the models folder
  const char* input;
  std::vector<int64_t> shape;
  ImagePreprocessing photo;
  // Max error allowed, relative to the output's largest magnitude.
  double tolerance = 1e-4;
  // Outputs computed by a discrete test (M-LSD's scores keep a pixel only
  // where it equals its 3x3 max): float noise may flip a few elements
  // entirely, so at most 0.1% of them may exceed the tolerance.
  std::vector<std::string> discrete_outputs = {};
  // BlazeFace is NHWC end to end: its NHWC->NCHW->NHWC transposes must cancel.
  int max_transposes = 1000;
};

ImagePreprocessing Prep(int w, int h, bool nchw, int channels, std::vector<float> mean, std::vector<float> std) {
  ImagePreprocessing p;
  p.width = w;
  p.height = h;
  p.nchw = nchw;
  p.channels = channels;
  for (int c = 0; c < 3; ++c) {
    p.mean[c] = mean[c];
    p.std[c] = std[c];
  }
  return p;
}

std::vector<RealModel> Models() {
  // BlazeFace and M-LSD take [-1, 1] NHWC (M-LSD adds an alpha channel);
  // PP-OCR takes ImageNet-normalized (det) or [-1, 1] (cls, rec) NCHW.
  const std::vector<float> half = {0.5f, 0.5f, 0.5f};
  // M-LSD's offsets (values up to ~260) differ from ONNX Runtime by up to
  // 4.3e-4 of their largest value in a handful of elements (8 of 102400 for
  // tiny-320 above 1e-4): float summation order through 40 convolutions.
  const double kMlsdTolerance = 1e-3;
  const std::vector<float> imagenet_mean = {0.485f, 0.456f, 0.406f}, imagenet_std = {0.229f, 0.224f, 0.225f};
  return {
      {"BlazeFaceFront", "blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx", "input:0", {1, 128, 128, 3}, Prep(128, 128, false, 3, half, half), 1e-4, {}, 0},
      {"BlazeFaceBack", "blazeface/package/ONNX/face_detection_back_256x256_barracuda.onnx", "input:0", {1, 256, 256, 3}, Prep(256, 256, false, 3, half, half), 1e-4, {}, 0},
      {"MlsdTiny320", "mlsd/package/ONNX/mlsd_320x320_tiny.onnx", "input_image_with_alpha:0", {1, 320, 320, 4}, Prep(320, 320, false, 4, half, half), kMlsdTolerance, {"scores"}},
      {"MlsdLarge320", "mlsd/package/ONNX/mlsd_320x320_large.onnx", "input_image_with_alpha:0", {1, 320, 320, 4}, Prep(320, 320, false, 4, half, half), kMlsdTolerance, {"scores"}},
      {"MlsdTiny512", "mlsd/package/ONNX/mlsd_512x512_tiny.onnx", "input_image_with_alpha:0", {1, 512, 512, 4}, Prep(512, 512, false, 4, half, half), kMlsdTolerance, {"scores"}},
      {"MlsdLarge512", "mlsd/package/ONNX/mlsd_512x512_large.onnx", "input_image_with_alpha:0", {1, 512, 512, 4}, Prep(512, 512, false, 4, half, half), kMlsdTolerance, {"scores"}},
      {"PpOcrDet", "ocr/package/assets/ch_PP-OCRv4_det_infer.onnx", "x", {1, 3, 640, 640}, Prep(640, 640, true, 3, imagenet_mean, imagenet_std),
       // On the random input the text probabilities stay below 0.0034: the
       // absolute error there (5.2e-7) is 1.5e-4 of that largest value.
       1e-3},
      {"PpOcrCls", "ocr/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "x", {1, 3, 48, 192}, Prep(192, 48, true, 3, half, half)},
      {"PpOcrRec", "ocr/package/assets/ch_PP-OCRv4_rec_infer.onnx", "x", {1, 3, 48, 320}, Prep(320, 48, true, 3, half, half)},
  };
}

std::string Dir() { return KITE_MODELS_DIR; }

// Runs ONNX Runtime on one input file and reads its outputs, by output name.
std::vector<converter::NpyArray> RunOnnxRuntime(const std::string& onnx, const std::string& input, const std::string& npy,
                                                const std::string& out_dir, const std::vector<std::string>& names) {
  const std::string command = "NODE_PATH='" + Dir() + "/onnxruntime/node_modules' node '" KITE_ORT_SCRIPT "' '" + onnx +
                              "' '" + out_dir + "' '" + input + "=" + npy + "' > /dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::vector<converter::NpyArray> outputs;
  for (const std::string& name : names) {
    std::string safe = name;
    for (char& c : safe) {
      if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
    }
    outputs.push_back(converter::ReadNpy(out_dir + "/" + safe + ".npy"));
  }
  return outputs;
}

// gtest prints a parameter by name, not as bytes.
void PrintTo(const RealModel& c, std::ostream* os) { *os << c.name; }

class RealModels : public ::testing::TestWithParam<RealModel> {};

TEST_P(RealModels, ConvertsAndMatchesOnnxRuntime) {
  const RealModel& m = GetParam();
  const std::string onnx = Dir() + "/" + m.path;
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

INSTANTIATE_TEST_SUITE_P(Npm, RealModels, ::testing::ValuesIn(Models()),
                         [](const ::testing::TestParamInfo<RealModel>& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace kite

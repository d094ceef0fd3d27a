#include "models/real_models.h"

#include <cstdlib>
#include <ostream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace kite {
namespace testing {

using converter::ImagePreprocessing;

namespace {

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

}  // namespace

std::vector<RealModel> RealModels() {
  // BlazeFace and M-LSD take [-1, 1] NHWC (M-LSD adds an alpha channel);
  // PP-OCR takes ImageNet-normalized (det) or [-1, 1] (cls, rec) NCHW.
  const std::vector<float> half = {0.5f, 0.5f, 0.5f};
  // M-LSD's offsets (values up to ~260) differ from ONNX Runtime by up to
  // 4.3e-4 of their largest value in a handful of elements (8 of 102400 for
  // tiny-320 above 1e-4): float summation order through 40 convolutions.
  // With XNNPACK's float convolutions (float32 accumulation in its own order,
  // where the reference accumulates in double) two elements of 102400 reach
  // 1.1e-3: hence 2e-3.
  const double kMlsdTolerance = 2e-3;
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

RealModel RealModelForPhotographs(const std::string& name) {
  for (RealModel m : RealModels()) {
    if (name != m.name) continue;
    if (name.rfind("Mlsd", 0) == 0) {
      for (int c = 0; c < 3; ++c) {
        m.photo.mean[c] = 0.0f;
        m.photo.std[c] = 1.0f / 255.0f;
      }
      m.photo.alpha = 255.0f;
    }
    return m;
  }
  throw std::runtime_error("no model " + name);
}

void WriteSamples(const std::string& path, const std::vector<int64_t>& shape, const std::vector<std::vector<float>>& samples) {
  converter::NpyArray a{"<f4", shape, {}};
  a.shape[0] *= static_cast<int64_t>(samples.size());
  for (const auto& s : samples) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    a.data.insert(a.data.end(), p, p + s.size() * 4);
  }
  converter::WriteNpy(path, a);
}

std::string ModelsDir() { return KITE_MODELS_DIR; }

std::string PhotosDir() {
  const std::string photo = KITE_PHOTO;
  return photo.substr(0, photo.rfind('/'));
}

// Runs ONNX Runtime on one input file and reads its outputs, by output name.
std::vector<converter::NpyArray> RunOnnxRuntime(const std::string& onnx, const std::string& input, const std::string& npy,
                                                const std::string& out_dir, const std::vector<std::string>& names) {
  const std::string command = "NODE_PATH='" + ModelsDir() + "/onnxruntime/node_modules' node '" KITE_ORT_SCRIPT "' '" + onnx +
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

void PrintTo(const RealModel& c, std::ostream* os) { *os << c.name; }

}  // namespace testing
}  // namespace kite

#include "quantize/calibration_data.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "data/image_input.h"

namespace kite {
namespace converter {
namespace {

namespace fs = std::filesystem;

bool HasExtension(const fs::path& p, std::initializer_list<const char*> extensions) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : extensions) {
    if (ext == e) return true;
  }
  return false;
}

// Checks that `a` holds k >= 1 samples of `input` and returns k.
size_t SamplesIn(const NpyArray& a, const InputInfo& input, const std::string& path) {
  const std::vector<int64_t>& dims = input.shape;
  bool fits = a.shape.size() == dims.size() && !dims.empty() && a.shape[0] > 0 && a.shape[0] % dims[0] == 0;
  for (size_t d = 1; fits && d < dims.size(); ++d) fits = a.shape[d] == dims[d];
  if (!fits) {
    throw std::runtime_error(path + ": shape " + ShapeText(a.shape) + ", input '" + input.name + "' expects " +
                             ShapeText(dims) + " or k samples stacked along the first dimension");
  }
  return static_cast<size_t>(a.shape[0] / dims[0]);
}

}  // namespace

CalibrationData::CalibrationData(const std::string& path, const std::vector<InputInfo>& inputs,
                                 const ImageCalibrationOptions& images)
    : inputs_(inputs), path_(path), image_options_(images) {
  if (!fs::exists(path)) throw std::runtime_error("calibration data '" + path + "' does not exist");
  std::vector<fs::path> files;
  if (!fs::is_directory(path) && HasExtension(path, {".png", ".jpg", ".jpeg"})) {
    files.push_back(path);  // one photograph
  } else if (!fs::is_directory(path)) {
    if (inputs.size() != 1) {
      throw std::runtime_error("the model has " + std::to_string(inputs.size()) +
                               " inputs: give --calibration a folder with one NAME.npy per input");
    }
    arrays_.push_back(ToFloat32(ReadNpy(path), path));
    samples_ = SamplesIn(arrays_[0], inputs[0], path);
    return;
  }
  if (files.empty()) {
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  bool any_npy = false;
  for (const fs::path& f : files) any_npy = any_npy || HasExtension(f, {".npy"});
  if (any_npy) {
    for (const InputInfo& input : inputs) {
      const fs::path file = fs::path(path) / (SafeFileName(input.name) + ".npy");
      if (!fs::exists(file)) throw std::runtime_error("calibration folder '" + path + "' has no " + file.filename().string() + " for input '" + input.name + "'");
      arrays_.push_back(ToFloat32(ReadNpy(file.string()), file.string()));
      const size_t k = SamplesIn(arrays_.back(), input, file.string());
      if (arrays_.size() > 1 && k != samples_) throw std::runtime_error("calibration files hold different numbers of samples");
      samples_ = k;
    }
    return;
  }
  for (const fs::path& f : files) {
    if (HasExtension(f, {".png", ".jpg", ".jpeg"})) images_.push_back(f.string());
  }
  if (images_.empty()) throw std::runtime_error("calibration folder '" + path + "' holds no .npy, .png or .jpg files");
  if (inputs.size() != 1 || inputs[0].shape.size() != 4 || inputs[0].shape[0] != 1) {
    throw std::runtime_error("images calibrate models with one [1, C, H, W] or [1, H, W, C] input; give .npy files instead");
  }
  const std::vector<int64_t>& s = inputs[0].shape;
  const auto is_channels = [](int64_t c) { return c == 1 || c == 3 || c == 4; };
  if (images.layout == "nchw" || images.layout == "nhwc") {
    nchw_ = images.layout == "nchw";
  } else if (!images.layout.empty()) {
    throw std::runtime_error("--layout must be nchw or nhwc, not '" + images.layout + "'");
  } else if (is_channels(s[1]) != is_channels(s[3])) {
    nchw_ = is_channels(s[1]);
  } else {
    throw std::runtime_error("cannot tell the layout of input '" + inputs[0].name + "' " + ShapeText(s) + ": pass --layout nchw or nhwc");
  }
  const int64_t height = nchw_ ? s[2] : s[1], width = nchw_ ? s[3] : s[2];
  if ((images.width != 0 && images.width != width) || (images.height != 0 && images.height != height)) {
    throw std::runtime_error("--resize " + std::to_string(images.width) + "x" + std::to_string(images.height) +
                             " does not match input '" + inputs[0].name + "' " + ShapeText(s));
  }
  if (inputs[0].dtype == KITE_UINT8) {
    for (int c = 0; c < 3; ++c) {
      if (images.mean[c] != 0.0f || images.std[c] != 1.0f) {
        throw std::runtime_error("input '" + inputs[0].name + "' is uint8: images feed it their pixels, " +
                                 "and --mean/--std do not apply");
      }
    }
  } else if (inputs[0].dtype != KITE_FLOAT32) {
    throw std::runtime_error("input '" + inputs[0].name + "' is not float32 or uint8: images cannot calibrate it");
  }
  samples_ = images_.size();
}

CalibrationData::CalibrationData(const std::map<std::string, NpyArray>& arrays, const std::vector<InputInfo>& inputs)
    : inputs_(inputs), path_("arrays") {
  const bool unnamed = arrays.size() == 1 && arrays.begin()->first.empty();
  if (unnamed && inputs.size() != 1) {
    throw std::runtime_error("the model has " + std::to_string(inputs.size()) +
                             " inputs: give calibration arrays by input name");
  }
  for (const auto& [name, array] : arrays) {
    bool known = unnamed;
    for (const InputInfo& input : inputs) known = known || input.name == name;
    if (!known) throw std::runtime_error("calibration array '" + name + "' names no model input");
  }
  for (const InputInfo& input : inputs) {
    const auto it = unnamed ? arrays.begin() : arrays.find(input.name);
    if (it == arrays.end()) throw std::runtime_error("no calibration array for input '" + input.name + "'");
    const std::string what = "calibration array for input '" + input.name + "'";
    arrays_.push_back(ToFloat32(it->second, what));
    const size_t k = SamplesIn(arrays_.back(), input, what);
    if (arrays_.size() > 1 && k != samples_) throw std::runtime_error("calibration arrays hold different numbers of samples");
    samples_ = k;
  }
}

std::vector<std::vector<float>> CalibrationData::Sample(size_t i) const {
  std::vector<std::vector<float>> out(inputs_.size());
  if (!images_.empty()) {
    const std::vector<int64_t>& s = inputs_[0].shape;
    ImagePreprocessing p;
    p.nchw = nchw_;
    p.channels = static_cast<int>(nchw_ ? s[1] : s[3]);
    p.height = static_cast<int>(nchw_ ? s[2] : s[1]);
    p.width = static_cast<int>(nchw_ ? s[3] : s[2]);
    for (int c = 0; c < 3; ++c) {
      p.mean[c] = image_options_.mean[c];
      // A uint8 input takes the pixels themselves (pixel / 255 / (1 / 255)).
      p.std[c] = inputs_[0].dtype == KITE_UINT8 ? 1.0f / 255.0f : image_options_.std[c];
    }
    p.alpha = image_options_.alpha;
    out[0] = ImageToTensor(LoadImage(images_[i]), p);
    return out;
  }
  for (size_t k = 0; k < inputs_.size(); ++k) {
    out[k].resize(inputs_[k].elements);
    std::memcpy(out[k].data(), arrays_[k].data.data() + i * inputs_[k].elements * sizeof(float), inputs_[k].elements * sizeof(float));
  }
  return out;
}

std::string CalibrationData::Describe() const {
  if (!images_.empty()) return std::to_string(samples_) + " images from " + path_ + (nchw_ ? " (NCHW)" : " (NHWC)");
  return std::to_string(samples_) + " samples from " + path_;
}

}  // namespace converter
}  // namespace kite

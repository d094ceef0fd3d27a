// Where calibration samples come from: a .npy file (samples stacked along the
// first dimension, as `kite run` reads them), a folder of .npy files (one per
// input, named as `kite run` names its files), a folder of images (PNG/JPEG,
// decoded one at a time), one image, or arrays in memory (the Python module).
#ifndef KITE_CONVERTER_QUANTIZE_CALIBRATION_DATA_H_
#define KITE_CONVERTER_QUANTIZE_CALIBRATION_DATA_H_

#include <map>
#include <string>
#include <vector>

#include "data/npy.h"
#include "quantize/traced_run.h"

namespace kite {
namespace converter {

struct ImageCalibrationOptions {
  int width = 0, height = 0;  // 0: the model input's size
  std::string layout;         // "nchw", "nhwc", or "" to infer from the input shape
  float mean[3] = {0, 0, 0};
  float std[3] = {1, 1, 1};
  float alpha = 1.0f;  // a 4th channel's value (RGBA inputs)
};

class CalibrationData {
 public:
  // Throws std::runtime_error naming the file and what does not fit the model.
  CalibrationData(const std::string& path, const std::vector<InputInfo>& inputs, const ImageCalibrationOptions& images);
  // Arrays in memory, one per input by name (a one-input model's may be
  // named ""), each holding k samples stacked along its first dimension.
  CalibrationData(const std::map<std::string, NpyArray>& arrays, const std::vector<InputInfo>& inputs);

  size_t size() const { return samples_; }
  // Sample i for every model input, in model input order.
  std::vector<std::vector<float>> Sample(size_t i) const;
  // "12 images from FOLDER" and the like.
  std::string Describe() const;

 private:
  std::vector<InputInfo> inputs_;
  size_t samples_ = 0;
  std::string path_;
  std::vector<NpyArray> arrays_;     // .npy sources, one per input
  std::vector<std::string> images_;  // image sources, sorted by name
  ImageCalibrationOptions image_options_;
  bool nchw_ = false;
};

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_CALIBRATION_DATA_H_

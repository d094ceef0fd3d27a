// The nine real models of ARCHITECTURE.md (fetched by scripts/fetch-models.sh
// into the build folder) and ONNX Runtime, the reference they are checked
// against: shared by the float and the int8 model tests.
#ifndef KITE_TESTS_MODELS_REAL_MODELS_H_
#define KITE_TESTS_MODELS_REAL_MODELS_H_

#include <string>
#include <vector>

#include "data/image_input.h"
#include "data/npy.h"

namespace kite {
namespace testing {

struct RealModel {
  const char* name;
  const char* path;  // under the models folder
  const char* input;
  std::vector<int64_t> shape;
  converter::ImagePreprocessing photo;
  // Max error allowed, relative to the output's largest magnitude.
  double tolerance = 1e-4;
  // Outputs computed by a discrete test (M-LSD's scores keep a pixel only
  // where it equals its 3x3 max): float noise may flip a few elements
  // entirely, so at most 0.1% of them may exceed the tolerance.
  std::vector<std::string> discrete_outputs = {};
  // BlazeFace is NHWC end to end: its NHWC->NCHW->NHWC transposes must cancel.
  int max_transposes = 1000;
};

std::vector<RealModel> RealModels();
// The named model, preprocessed as it was trained for photographs: as
// RealModels() gives it, but M-LSD takes RGBA pixels in [0, 255] (it divides
// by 127.5 and subtracts 1 itself). The float tests feed M-LSD [-1, 1], which
// checks arithmetic against ONNX Runtime just as well; for int8 the input must
// be what the model was trained on, or the image is a 1% ripple around -1.
// Throws std::runtime_error for an unknown name.
RealModel RealModelForPhotographs(const std::string& name);
// Writes samples (each one `shape`, first dimension 1) stacked along the first
// dimension as a float32 .npy file.
void WriteSamples(const std::string& path, const std::vector<int64_t>& shape, const std::vector<std::vector<float>>& samples);
// The models folder, and the folder of Debian's skimage photographs.
std::string ModelsDir();
std::string PhotosDir();

// Runs ONNX Runtime on one input file and reads the named outputs.
std::vector<converter::NpyArray> RunOnnxRuntime(const std::string& onnx, const std::string& input, const std::string& npy,
                                                const std::string& out_dir, const std::vector<std::string>& names);

// gtest prints a parameter by name, not as bytes.
void PrintTo(const RealModel& c, std::ostream* os);

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_MODELS_REAL_MODELS_H_

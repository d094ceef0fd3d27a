// Which int8 activations cost a model its accuracy? The float model runs with
// each of the int8 model's activation roundings simulated (quantize, then
// dequantize, with that tensor's scale and zero point):
//  - all of them: what int8 rounding of activations alone costs;
//  - all but one: what keeping that one tensor exact (in float, or nearly so
//    in 16 bits) would gain;
//  - that one alone: the error it injects by itself.
// The same for weights: each conv/FC with the int8 model's weights alone,
// and all of them. With everything rounded the simulation should come close
// to the int8 model's own result, reported beside it: what is left is the
// kernels' arithmetic (requantization, lookup tables).
#ifndef KITE_CONVERTER_ANALYSIS_SENSITIVITY_H_
#define KITE_CONVERTER_ANALYSIS_SENSITIVITY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kite {
namespace converter {

struct TensorSensitivity {
  std::string node;  // ONNX node computing it (or "input:NAME" for a graph input)
  std::string op;    // its Kite op in the int8 model
  int32_t index = 0; // the op's position in the int8 model
  int64_t elements = 0;
  double alone_db = 0;  // worst output SQNR with only this tensor rounded
  double kept_db = 0;   // worst output SQNR with every rounding but this one
};

struct WeightSensitivity {
  std::string node;  // the conv/FC's ONNX node
  std::string op;
  int32_t index = 0;  // its position in the int8 model
  double alone_db = 0;  // worst output SQNR with only its weights (and bias) rounded
};

struct SensitivityResult {
  std::vector<std::string> outputs;           // judged outputs
  std::vector<std::string> discrete_outputs;  // outputs computed through a comparison: not judged
  double all_rounded_db = 0;  // worst output SQNR with every activation rounded
  double weights_rounded_db = 0;  // every conv/FC's weights rounded, activations exact
  double everything_rounded_db = 0;  // both
  double int8_model_db = 0;   // the int8 model's own worst output SQNR
  std::vector<TensorSensitivity> tensors;  // the int8 model's execution order
  std::vector<WeightSensitivity> weights;  // likewise
  size_t samples = 0;
};

// `float_bytes` and `int8_bytes`: the float and int8 conversions of one ONNX
// model (tensors matched by ONNX node name). Throws std::runtime_error when
// they do not match.
SensitivityResult MeasureSensitivity(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                     const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                     const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_ANALYSIS_SENSITIVITY_H_

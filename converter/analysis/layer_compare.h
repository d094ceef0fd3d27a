// Layer-by-layer agreement of two .kite models converted from the same ONNX
// model (float and int8, two methods, ...): every operator's outputs are
// matched by ONNX node name and compared as floats (int8 dequantized).
#ifndef KITE_CONVERTER_ANALYSIS_LAYER_COMPARE_H_
#define KITE_CONVERTER_ANALYSIS_LAYER_COMPARE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kite {
namespace converter {

struct ErrorStats {
  double signal = 0;  // sum a^2
  double noise = 0;   // sum (a - b)^2
  double dot = 0, norm_b = 0;
  double max_error = 0;
  size_t elements = 0;

  void Add(const float* a, const float* b, size_t n);
  // 10 log10(signal / noise); +inf when identical.
  double sqnr_db() const;
  double cosine() const;
};

struct LayerError {
  std::string node;  // ONNX node name (":k" for the k-th output of a multi-output op)
  std::string op;    // Kite op of model A
  int32_t index = 0; // position in model A's execution order
  bool is_output = false;
  ErrorStats stats;
};

struct CompareResult {
  std::vector<LayerError> layers;   // execution order of A
  std::vector<LayerError> outputs;  // graph outputs, by name
  size_t samples = 0;
};

// Runs both models on each sample (inputs in model input order) and
// accumulates the errors of B against A. Throws std::runtime_error when the
// models' inputs differ.
CompareResult CompareModels(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                            const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                            const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_ANALYSIS_LAYER_COMPARE_H_

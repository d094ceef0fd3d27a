// `kite convert`: ONNX file in, .kite file out.
#ifndef KITE_CONVERTER_CONVERT_H_
#define KITE_CONVERTER_CONVERT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "importer/onnx_importer.h"
#include "quantize/calibration_data.h"
#include "quantize/mixed_precision.h"
#include "quantize/quantize_model.h"

namespace kite {
namespace converter {

struct QuantizationSettings {
  bool int8 = false;
  std::string calibration;  // .npy file, folder of .npy, or folder of images
  // Or arrays in memory, by input name ("" for a one-input model's).
  std::map<std::string, NpyArray> calibration_arrays;
  size_t max_samples = 0;   // 0: all
  ImageCalibrationOptions images;
  QuantizeOptions quantize;
  // Also write the int8 model as QDQ ONNX here (empty: do not).
  std::string emit_qdq;
  bool qdq_expose_activations = false;
  bool qdq_uint8_activations = false;  // activations as uint8 (ONNX Runtime's preferred x86 form)
  bool equalize = true;  // cross-layer equalization of depthwise -> conv pairs
  // In/out: calibration statistics reused when non-empty (the same model and
  // settings quantized with another method), filled otherwise.
  std::vector<RangeObserver>* stats = nullptr;  // tests: every int8 activation as an output
  std::vector<TapMoments>* tap_moments = nullptr;  // likewise, with stats: the weights' rounding data
  // Called after each calibration sample (done, total).
  std::function<void(size_t, size_t)> progress;
  // Mixed precision (quantize/mixed_precision.h), on when > 0: ops run in
  // float (or 16x8) until the simulated worst output SQNR on up to
  // `mixed_precision_samples` calibration samples (evenly spaced) reaches
  // this, within the float MAC budget.
  double target_sqnr_db = 0;
  MixedPrecisionOptions mixed_precision;
  size_t mixed_precision_samples = 2;
  std::function<void(size_t, size_t)> search_progress;  // simulated runs (done, total)
};

struct ConvertOptions {
  ImportOptions import;
  bool plan_memory = true;
  QuantizationSettings quantization;
};

struct ConvertReport {
  int onnx_nodes = 0;          // as imported (Constant nodes excluded)
  int nodes_after_passes = 0;  // after folding and fusion
  int kite_ops = 0;
  int transposes_inserted = 0;
  int transposes_in_kite = 0;
  uint64_t arena_bytes = 0;
  uint64_t lower_bound_bytes = 0;
  uint64_t file_bytes = 0;
  double seconds = 0;
  // int8 only:
  std::string calibration;  // what calibrated it
  int equalized_pairs = 0;
  int qdq_pairs = 0;  // QuantizeLinear/DequantizeLinear pairs imported
  QuantizeReport quantization;
  bool mixed_precision_ran = false;
  MixedPrecisionChoice mixed_precision;
};

// Converts and returns the .kite bytes. Throws ConversionError on anything
// unsupported, naming the node and op.
std::vector<uint8_t> ConvertOnnx(const std::string& onnx_path, const ConvertOptions& options,
                                 ConvertReport* report);
// The same from the ONNX file's bytes.
std::vector<uint8_t> ConvertOnnxBytes(const std::string& onnx_bytes, const ConvertOptions& options,
                                      ConvertReport* report);

// Quantizes a float .kite model given calibration statistics of its tensors
// (see Calibrate), plans its memory and returns the int8 .kite bytes.
std::vector<uint8_t> QuantizeKiteModel(const std::vector<uint8_t>& float_model, const std::vector<RangeObserver>& stats,
                                       const QuantizeOptions& options, QuantizeReport* report);

// Converts and writes `out_path` atomically.
ConvertReport ConvertOnnxFile(const std::string& onnx_path, const std::string& out_path,
                              const ConvertOptions& options);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_CONVERT_H_

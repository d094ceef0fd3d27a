// The subcommands of the `kite` command line.
#ifndef KITE_CONVERTER_CLI_COMMANDS_H_
#define KITE_CONVERTER_CLI_COMMANDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/layer_compare.h"
#include "convert.h"
#include "kite/kite.h"
#include "quantize/calibration_data.h"

namespace kite {
namespace cli {

// `kite convert`'s options, as the command line and the Python module give them.
struct ConvertArgs {
  std::string model, output;  // .onnx in, .kite out
  std::map<std::string, std::vector<int64_t>> input_shapes;
  bool plan = true;
  std::string quantize = "none";  // "int8", or "16x8" (every op with a 16x8 kernel in 16x8)
  std::string method = "auto";    // minmax, percentile, entropy, mse, auto
  std::string weight_rounding = "data";  // or "nearest"
  std::string qdq_activations = "int8";  // or "uint8"
  std::string cost_model = "host";       // or "int8-dot", "avx2" (quantize/mixed_precision.h)
  std::vector<std::string> keep_float, int16_nodes, int16_weight_nodes;  // ONNX node names
  bool equalize = true, bias_correction = true, pack = true, mixed_16x8 = true;
  // --target-sqnr as given; --quantize int8 without it searches for
  // kDefaultTargetSqnrDb.
  std::optional<double> target_sqnr;
  // Calibration source, image preprocessing, percentile, per-tensor weights,
  // --emit-qdq and the mixed-precision limits; the rest is set from the above.
  converter::QuantizationSettings q;
};

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  uint64_t seed = 0;
  std::string output_dir;
  std::string kernels = "optimized";  // or "reference"
};

struct InspectArgs {
  std::string model;
  bool json = false;
  bool kernel_shapes = false;
  std::string kernels = "optimized";  // or "reference"
};

struct BenchArgs {
  std::string model;
  int threads = 1;
  int warmup = 3;
  int runs = 10;
  double min_time_s = 0;
  int top = 20;
  uint32_t seed = 0;
  bool json = false;
  std::string kernels = "optimized";  // or "reference": every op on its reference kernel
  std::string int8_variant;           // the int8 engine's microkernel variant; empty: the best this CPU runs
  // Instead of mapping `model`: the model's bytes in memory
  // (KITE_MODEL_ALIGNMENT-aligned); `model` then only names it.
  const void* model_bytes = nullptr;
  size_t model_size = 0;
};

struct CompareArgs {
  std::string a, b;     // .onnx or .kite
  std::string input;    // as --calibration: .npy, folder of .npy, folder of images
  converter::ImageCalibrationOptions images;
  std::map<std::string, std::vector<int64_t>> input_shapes;  // for .onnx
  size_t max_samples = 0;
  int top = 25;
  bool json = false;
  std::string svg;
  // Instead of the layer table: what each int8 activation's rounding costs
  // (analysis/sensitivity.h); a is the float model, b its int8 conversion.
  bool sensitivity = false;
};

// Each throws std::runtime_error with a one-line reason on failure.
// The options checked and turned into the converter's.
converter::ConvertOptions ConvertOptionsOf(const ConvertArgs& args);
void ConvertModel(const ConvertArgs& args);
void RunModel(const RunArgs& args);
void InspectModel(const InspectArgs& args);
// `kite inspect --json` of a model's bytes (KITE_MODEL_ALIGNMENT-aligned);
// `name` names it in the report and in errors.
nlohmann::json InspectReport(const std::string& name, const void* data, size_t size, const std::string& kernels);
void BenchModel(const BenchArgs& args);
// `kite bench --json`.
nlohmann::json BenchReport(const BenchArgs& args);
// The ops whose faster kernel declined, grouped by kernel and reason, from
// the "kernel" and "declined" fields of `kite inspect --json`'s operators.
void PrintKernelChoices(const nlohmann::json& ops);
// --kernels optimized|reference as the C API's value.
kite_kernels KernelsOption(const std::string& kernels);
void CompareModels(const CompareArgs& args);
// A model to compare: an .onnx file converted to float32 with `input_shapes`,
// or a .kite file's bytes.
std::vector<uint8_t> CompareModelBytes(const std::string& path,
                                       const std::map<std::string, std::vector<int64_t>>& input_shapes);
// `kite compare --json` of two models' bytes on up to `max_samples` (0: all)
// of `data`'s samples; a and b name them.
nlohmann::json CompareReport(const std::string& a, const std::string& b, const std::vector<uint8_t>& a_bytes,
                             const std::vector<uint8_t>& b_bytes, const converter::CalibrationData& data,
                             size_t max_samples);
// The --sensitivity form of compare, on the two models' bytes.
void CompareSensitivity(const CompareArgs& args, const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes);

// "\rWHAT: done/total" on a terminal (stderr), nothing otherwise.
void ProgressBar(const char* what, size_t done, size_t total);

}  // namespace cli
}  // namespace kite

#endif  // KITE_CONVERTER_CLI_COMMANDS_H_

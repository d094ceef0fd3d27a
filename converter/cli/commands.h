// The subcommands of the `kite` command line.
#ifndef KITE_CONVERTER_CLI_COMMANDS_H_
#define KITE_CONVERTER_CLI_COMMANDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kite/kite.h"
#include "quantize/calibration_data.h"

namespace kite {
namespace cli {

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
void RunModel(const RunArgs& args);
void InspectModel(const InspectArgs& args);
void BenchModel(const BenchArgs& args);
// The ops whose faster kernel declined, grouped by kernel and reason, from
// the "kernel" and "declined" fields of `kite inspect --json`'s operators.
void PrintKernelChoices(const nlohmann::json& ops);
// --kernels optimized|reference as the C API's value.
kite_kernels KernelsOption(const std::string& kernels);
void CompareModels(const CompareArgs& args);
// The --sensitivity form of compare, on the two models' bytes.
void CompareSensitivity(const CompareArgs& args, const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes);

// "\rWHAT: done/total" on a terminal (stderr), nothing otherwise.
void ProgressBar(const char* what, size_t done, size_t total);

}  // namespace cli
}  // namespace kite

#endif  // KITE_CONVERTER_CLI_COMMANDS_H_

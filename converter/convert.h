// `kite convert`: ONNX file in, .kite file out.
#ifndef KITE_CONVERTER_CONVERT_H_
#define KITE_CONVERTER_CONVERT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "importer/onnx_importer.h"

namespace kite {
namespace converter {

struct ConvertOptions {
  ImportOptions import;
  bool plan_memory = true;
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
};

// Converts and returns the .kite bytes. Throws ConversionError on anything
// unsupported, naming the node and op.
std::vector<uint8_t> ConvertOnnx(const std::string& onnx_path, const ConvertOptions& options,
                                 ConvertReport* report);

// Converts and writes `out_path` atomically.
ConvertReport ConvertOnnxFile(const std::string& onnx_path, const std::string& out_path,
                              const ConvertOptions& options);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_CONVERT_H_

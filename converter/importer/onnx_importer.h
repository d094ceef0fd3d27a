// Reading an ONNX model into the converter's graph.
#ifndef KITE_CONVERTER_IMPORTER_ONNX_IMPORTER_H_
#define KITE_CONVERTER_IMPORTER_ONNX_IMPORTER_H_

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kite {
namespace converter {

struct ImportOptions {
  // Fixed dimensions for graph inputs, by name: --input-shape x:1,3,640,640.
  std::map<std::string, std::vector<int64_t>> input_shapes;
};

// Parses the file, checks its opset and every node against the ONNX schemas,
// fixes input shapes, and turns initializers and Constant nodes into
// constants. Throws ConversionError with a clear message (file unreadable,
// not ONNX, an unknown opset or operator, a node that breaks its schema, a
// dynamic input without a shape).
Graph ImportOnnx(const std::string& path, const ImportOptions& options);
// The same from the file's bytes; `source` names them in messages.
Graph ImportOnnxBytes(const std::string& bytes, const std::string& source, const ImportOptions& options);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_IMPORTER_ONNX_IMPORTER_H_

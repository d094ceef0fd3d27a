// Checks of an ONNX model's opset imports and nodes against the ONNX
// library's operator schemas, made before the importer reads a field: the
// passes rely on a node having the inputs, outputs and attribute types its
// schema declares (ONNX's checker is not run on the whole model).
#ifndef KITE_CONVERTER_IMPORTER_ONNX_SCHEMA_CHECK_H_
#define KITE_CONVERTER_IMPORTER_ONNX_SCHEMA_CHECK_H_

#include <cstdint>
#include <string>

#include <onnx/onnx_pb.h>

#include "ir/graph.h"

namespace kite {
namespace converter {

// The default domain's opset version. Throws ConversionError when the model
// imports none, imports it twice with different versions, or imports a
// version outside the range the ONNX library has schemas for.
int64_t DefaultDomainOpset(const onnx::ModelProto& model);

// Throws ConversionError naming `node` unless `n` is in the default domain,
// has a schema at `opset`, and passes it: input and output counts, no empty
// name where one is required, known attributes of the declared types, each
// required attribute present. Attributes that refer to a function's
// attributes are refused (they are valid only inside a function body), and a
// Constant must carry exactly one value attribute Kite can read.
void CheckNodeAgainstSchema(const onnx::NodeProto& n, int64_t opset, const Node& node);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_IMPORTER_ONNX_SCHEMA_CHECK_H_

// Turning the converter's graph (ONNX semantics, NCHW) into Kite operators
// (NHWC), inserting a Transpose only where an op needs a layout its input
// does not have.
#ifndef KITE_CONVERTER_LOWER_LOWER_TO_KITE_H_
#define KITE_CONVERTER_LOWER_LOWER_TO_KITE_H_

#include "ir/graph.h"
#include "writer/model_builder.h"

namespace kite {
namespace converter {

struct LoweringStats {
  int transposes_inserted = 0;
};

// Emits every live node of `graph` into `builder` (tensors, constants,
// operators, signature). Throws ConversionError naming the node for anything
// Kite cannot express.
LoweringStats LowerToKite(const Graph& graph, ModelBuilder& builder);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_LOWER_LOWER_TO_KITE_H_

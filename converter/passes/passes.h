// Graph rewrites between import and lowering, in the order the converter runs them.
#ifndef KITE_CONVERTER_PASSES_PASSES_H_
#define KITE_CONVERTER_PASSES_PASSES_H_

#include "ir/graph.h"

namespace kite {
namespace converter {

// Evaluates every node whose inputs are constants (Shape needs only a known
// shape), so Shape->Gather->Concat chains, ConstantOfShape, Cast and friends
// become constants; infers the static shape of every remaining node's outputs.
// Throws ConversionError naming the node for an op Kite cannot run.
void FoldConstantsAndInferShapes(Graph& graph);

// Tries to evaluate node `n` on constant inputs; true when its outputs became
// constants (the node is then removed).
bool FoldNode(Graph& graph, int n);

// Sets the outputs' shapes of a node Kite runs; throws for unsupported ops.
void InferNodeShapes(Graph& graph, int n);

// BatchNormalization into the preceding Conv/ConvTranspose; Relu/Clip into
// Conv, ConvTranspose, Gemm/MatMul and Add (fused activation); x * HardSigmoid(x)
// (alpha 1/6, beta 1/2) into HardSwish; Identity and Dropout dropped.
void FuseNodes(Graph& graph);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_PASSES_PASSES_H_

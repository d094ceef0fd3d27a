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

// Conv, ConvTranspose, MaxPool, AveragePool and GlobalAveragePool whose input
// (shape already known) is 1-D ([N, C, L]): replaced by the 2-D op on
// [N, C, 1, L] between an Unsqueeze and a Squeeze of axis 2, so node `n` is
// now that Unsqueeze. False (nothing changed) for any other node.
bool LiftOneDimensionalWindow(Graph& graph, int n);

// MaxPool, AveragePool and Conv on a 3-D input ([N, C, D, H, W], shape
// known) through 2-D ones (passes/windows_3d.cc): node `n` is then the first
// node of the replacement. False (nothing changed) for any other node.
bool SplitThreeDimensionalWindow(Graph& graph, int n);

// RNN, GRU and LSTM (input shape known) unrolled over their sequence into
// MatMul, Add, activations and the state updates (passes/recurrent.cc): node
// `n` is then the first node of the replacement. False for any other node;
// throws ConversionError naming the node for what Kite cannot unroll.
bool UnrollRecurrent(Graph& graph, int n);

// Tries to evaluate node `n` on constant inputs; true when its outputs became
// constants (the node is then removed).
bool FoldNode(Graph& graph, int n);

// Sets the outputs' shapes of a node Kite runs; throws for unsupported ops.
void InferNodeShapes(Graph& graph, int n);

// A pre-quantized (QDQ) model's QuantizeLinear -> DequantizeLinear pairs on
// computed values: each becomes int8 parameters of the value it quantizes
// (graph.qdq_activation_params) and the pair disappears. (DequantizeLinear of
// constant weights is folded by constant folding, which keeps their scales.)
// Returns the number of pairs.
int FoldQdqPairs(Graph& graph);

// BatchNormalization, and multiplies/adds by per-channel constants, into the
// preceding Conv or ConvTranspose; Relu/Clip into
// Conv, ConvTranspose, Gemm/MatMul and Add (fused activation); x * HardSigmoid(x)
// (alpha 1/6, beta 1/2) and x * Clip(x + 3, 0, 6) / 6 into HardSwish; Identity
// and Dropout dropped; a zero Pad of H and W into the Conv that reads it.
void FuseNodes(Graph& graph);

// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019),
// before int8 quantization: for a depthwise Conv with no activation feeding
// only a Conv, channel c of the depthwise weights and bias is divided by s_c
// and input channel c of the next weights multiplied by it, with
// s_c = sqrt(r1_c * r2_c) / r2_c (r = max |w| of the channel on each side).
// Exact in real arithmetic; it evens out the channel ranges one per-tensor
// activation scale must cover. Returns the number of pairs equalized.
int EqualizeDepthwisePairs(Graph& graph);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_PASSES_PASSES_H_

// What the op rules share: reading a node's inputs and parameter inputs,
// setting its outputs, and materializing folded constants.
#ifndef KITE_CONVERTER_OPS_OP_SUPPORT_H_
#define KITE_CONVERTER_OPS_OP_SUPPORT_H_

#include <functional>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/shape_util.h"

namespace kite {
namespace converter {

// --- Shape rules ---

// Throws unless inputs 0 .. count - 1 are given.
void RequireInputs(const Node& n, size_t count);
// Input i with a statically known shape; throws when missing or unknown.
const Value& In(const Graph& g, const Node& n, size_t i);
// A parameter input (pads, axes, scales...) as ints or floats; throws,
// naming the node computing it, when it is not a constant.
// A value computed or stored in floating point, as an integer: NaN or a value
// outside int64 (whose cast would be undefined) throws, naming `what`.
int64_t CheckedInt64(double d, const std::string& what);
std::vector<int64_t> ConstInts(const Graph& g, const Node& n, size_t i, const char* what);
// A constant input that must hold exactly one value (Clip's min and max).
float ConstScalar(const Graph& g, const Node& n, size_t i, const char* what);
std::vector<float> ConstFloats(const Graph& g, const Node& n, size_t i, const char* what);
// Sets output i's type and shape (an omitted output is skipped).
void SetOutput(Graph& g, const Node& n, size_t i, ElementType type, Shape64 shape);
// Output 0 of input 0's type and shape.
void InferSameShape(Graph& g, Node& n);
void RequireRank(const Node& n, const Value& v, size_t rank);
// Strides, dilations and kernel sizes in [lo, 2^24]: with dimensions at most
// 2^31 no window arithmetic can overflow.
void CheckWindowRange(const Node& n, const char* what, const std::vector<int64_t>& values, int64_t lo);
// The "epsilon" attribute of a normalization (BatchNormalization,
// InstanceNormalization, LayerNormalization), checked finite and >= 0.
float Epsilon(const Node& n, float fallback);
// Resolves a 2-D window op's pads (auto_pad, ceil_mode) into n.params.pads
// = {top, left, bottom, right}, with its strides and dilations; returns the
// output H, W.
std::pair<int64_t, int64_t> WindowOutput(Node& n, int64_t in_h, int64_t in_w, int64_t k_h, int64_t k_w, bool ceil_mode);
// True when output i exists and something reads it.
bool OutputIsRead(const Graph& g, const Node& n, size_t i);
// "axes" from the attribute (older opsets) or the optional input `index`.
std::vector<int64_t> AxesParam(const Graph& g, const Node& n, size_t index);

// --- Folding ---

// Folding materializes constants as doubles: a model may not make the
// converter allocate more than this for one (512 MiB).
constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;
// The elements of a folded constant of `shape`; throws past kMaxFoldedElements.
int64_t FoldedElements(const Node& n, const Shape64& shape);
double Scalar(const Node& n, const Value& v);
std::vector<double> Doubles(const Value& v);
std::vector<int64_t> IntsOf(const Value& v);
void SetConstant(Value& out, ElementType type, Shape64 shape, const std::vector<double>& data);
// Picks `data` (of `shape`) at every combination of the per-axis indices.
std::vector<double> Select(const std::vector<double>& data, const Shape64& shape,
                           const std::vector<std::vector<int64_t>>& picks);
// Numpy-broadcast element-wise evaluation; integer results are truncated.
bool FoldBinary(Graph& g, Node& n, const std::function<double(double, double)>& f, bool boolean_result = false);
bool FoldUnary(Graph& g, Node& n, const std::function<double(double)>& f);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_OPS_OP_SUPPORT_H_

// Ops Kite evaluates while converting and never runs: the shape and index
// computations models carry around (Shape -> Concat chains,
// ConstantOfShape, Range...). Each folds when its inputs are constant.
#include <algorithm>
#include <cmath>

#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

// Shape and Size need only the input's shape.
bool FoldShape(Graph& g, Node& n) {
  if (!n.has_input(0)) throw ConversionError(n, "input 0 is missing");
  const Value& in = g.values[n.inputs[0]];
  if (!in.shape_known) return false;
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  int64_t start = n.Int("start", 0), end = n.Int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  SetConstant(g.values[n.outputs[0]], ElementType::kInt64, {end - start},
              std::vector<double>(in.shape.begin() + start, in.shape.begin() + end));
  return true;
}

bool FoldSize(Graph& g, Node& n) {
  if (!n.has_input(0)) throw ConversionError(n, "input 0 is missing");
  const Value& in = g.values[n.inputs[0]];
  if (!in.shape_known) return false;
  SetConstant(g.values[n.outputs[0]], ElementType::kInt64, {}, {static_cast<double>(in.elements())});
  return true;
}

// EyeLike: ones on the k-th diagonal of a matrix shaped like the input; only
// the input's shape matters.
bool FoldEyeLike(Graph& g, Node& n) {
  if (!n.has_input(0)) throw ConversionError(n, "input 0 is missing");
  const Value& in = g.values[n.inputs[0]];
  if (!in.shape_known) return false;
  if (in.shape.size() != 2) throw ConversionError(n, "the input must be a matrix (rank 2)");
  const int64_t rows = in.shape[0], cols = in.shape[1];
  const int64_t k = std::clamp<int64_t>(n.Int("k", 0), -rows, cols);  // past either end: no ones, no overflow
  std::vector<double> data(static_cast<size_t>(FoldedElements(n, in.shape)), 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    if (i + k >= 0 && i + k < cols) data[static_cast<size_t>(i * cols + i + k)] = 1.0;
  }
  ElementType type = in.type;
  if (n.has("dtype")) {
    const int64_t dtype = n.Int("dtype", onnx_type::kFloat);
    type = dtype == onnx_type::kFloat || dtype == onnx_type::kDouble ? ElementType::kFloat
           : dtype == onnx_type::kBool                               ? ElementType::kBool
                                                                     : ElementType::kInt64;
  }
  SetConstant(g.values[n.outputs[0]], type, in.shape, data);
  return true;
}

bool FoldConstantOfShape(Graph& g, Node& n) {
  const Value* a = n.has_input(0) ? &g.values[n.inputs[0]] : nullptr;
  if (a != nullptr && !a->is_constant()) return false;
  const Shape64 shape = a != nullptr ? IntsOf(*a) : Shape64{};
  double value = 0;
  ElementType type = ElementType::kFloat;
  auto it = n.attributes.find("value");
  if (it != n.attributes.end() && it->second.tensor) {
    type = it->second.tensor->type;
    value = Scalar(n, *it->second.tensor);
  }
  SetConstant(g.values[n.outputs[0]], type, shape, std::vector<double>(static_cast<size_t>(FoldedElements(n, shape)), value));
  return true;
}

bool FoldRange(Graph& g, Node& n) {
  RequireInputs(n, 3);
  const Value& a = g.values[n.inputs[0]];
  const double start = Scalar(n, a), limit = Scalar(n, g.values[n.inputs[1]]), delta = Scalar(n, g.values[n.inputs[2]]);
  const double steps = std::ceil((limit - start) / delta);
  if (!std::isfinite(steps) || steps > static_cast<double>(kMaxFoldedElements)) {
    throw ConversionError(n, "a range from " + std::to_string(start) + " to " + std::to_string(limit) + " by " +
                                 std::to_string(delta) + " is not a finite sequence of at most 2^26 values");
  }
  std::vector<double> data;
  const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
  for (int64_t i = 0; i < count; ++i) data.push_back(start + i * delta);
  SetConstant(g.values[n.outputs[0]], a.type, {count}, data);
  return true;
}

}  // namespace

const std::vector<OpRule>& ConstantOnlyOps() {
  static const std::vector<OpRule> rules = {
      {"Shape", nullptr, FoldShape, nullptr, nullptr, /*fold_checks_inputs=*/true},
      {"Size", nullptr, FoldSize, nullptr, nullptr, /*fold_checks_inputs=*/true},
      {"ConstantOfShape", nullptr, FoldConstantOfShape, nullptr, nullptr, /*fold_checks_inputs=*/true},
      {"EyeLike", nullptr, FoldEyeLike, nullptr, nullptr, /*fold_checks_inputs=*/true},
      {"Range", nullptr, FoldRange, nullptr},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

// Evaluation of ONNX ops on constant inputs, for the shape and index
// computations models carry around (Reshape targets, Pad amounts, Resize scales).
#include <algorithm>
#include <cmath>
#include <functional>

#include "ir/shape_util.h"
#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

// Folding materializes constants as doubles: a model may not make the
// converter allocate more than this for one (512 MiB).
constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;

int64_t FoldedElements(const Node& n, const Shape64& shape) {
  int64_t elements = 0;
  try {
    elements = ShapeElements(shape);
  } catch (const ConversionError& e) {
    throw ConversionError(n, e.what());
  }
  if (elements > kMaxFoldedElements) {
    throw ConversionError(n, "folding would make a constant of " + std::to_string(elements) + " elements (shape " +
                                 ShapeString(shape) + "); the converter folds at most 2^26");
  }
  return elements;
}

// The first value of a scalar parameter input (Range's start, ...).
double Scalar(const Node& n, const Value& v) {
  const ConstantData& c = *v.constant;
  if (c.floats.empty() && c.ints.empty()) throw ConversionError(n, "input '" + v.name + "' is empty, expected a scalar");
  return v.type == ElementType::kFloat ? c.floats[0] : static_cast<double>(c.ints[0]);
}

std::vector<double> Doubles(const Value& v) {
  const ConstantData& c = *v.constant;
  if (v.type == ElementType::kFloat) return std::vector<double>(c.floats.begin(), c.floats.end());
  return std::vector<double>(c.ints.begin(), c.ints.end());
}

std::vector<int64_t> Ints(const Value& v) {
  const ConstantData& c = *v.constant;
  if (v.type != ElementType::kFloat) return c.ints;
  std::vector<int64_t> out;
  for (float f : c.floats) out.push_back(static_cast<int64_t>(f));
  return out;
}

void SetConstant(Value& out, ElementType type, Shape64 shape, const std::vector<double>& data) {
  out.type = type;
  out.shape = std::move(shape);
  out.shape_known = true;
  ConstantData c;
  if (type == ElementType::kFloat) {
    c.floats.assign(data.begin(), data.end());
  } else {
    for (double d : data) c.ints.push_back(static_cast<int64_t>(d));
  }
  out.constant = std::move(c);
}

// Gathers `data` (shape `shape`) along every element of a box of output
// coordinates described by per-axis index lists.
std::vector<double> Select(const std::vector<double>& data, const Shape64& shape,
                           const std::vector<std::vector<int64_t>>& picks) {
  const Shape64 strides = Strides(shape);
  Shape64 out_shape;
  for (const auto& p : picks) out_shape.push_back(static_cast<int64_t>(p.size()));
  std::vector<double> out;
  out.reserve(static_cast<size_t>(Product(out_shape)));
  Shape64 index(shape.size(), 0);
  if (Product(out_shape) == 0) return out;
  while (true) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d) offset += picks[d][index[d]] * strides[d];
    out.push_back(data[offset]);
    size_t d = shape.size();
    while (d-- > 0) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) break;
  }
  return out;
}

const Value* In(const Graph& g, const Node& n, size_t i) {
  return n.has_input(i) ? &g.values[n.inputs[i]] : nullptr;
}

using Binary = std::function<double(double, double)>;

bool FoldBinary(Graph& g, Node& n, const Binary& f, bool boolean_result = false) {
  const Value& a = g.values[n.inputs[0]];
  const Value& b = g.values[n.inputs[1]];
  const Shape64 out_shape = Broadcast(n, a.shape, b.shape);
  FoldedElements(n, out_shape);
  const auto da = Doubles(a), db = Doubles(b);
  const auto ia = BroadcastIndices(a.shape, out_shape), ib = BroadcastIndices(b.shape, out_shape);
  std::vector<double> out(ia.size());
  const bool integer = a.type != ElementType::kFloat;
  for (size_t i = 0; i < out.size(); ++i) {
    double v = f(da[ia[i]], db[ib[i]]);
    if (integer && !boolean_result) v = std::trunc(v);
    out[i] = v;
  }
  SetConstant(g.values[n.outputs[0]], boolean_result ? ElementType::kBool : a.type, out_shape, out);
  return true;
}

bool FoldUnary(Graph& g, Node& n, const std::function<double(double)>& f) {
  const Value& a = g.values[n.inputs[0]];
  auto d = Doubles(a);
  for (double& x : d) x = f(x);
  SetConstant(g.values[n.outputs[0]], a.type, a.shape, d);
  return true;
}

}  // namespace

bool FoldNode(Graph& g, int index) {
  Node& n = g.nodes[index];
  const std::string& op = n.op_type;
  // Shape needs only the input's shape.
  if (op == "Shape" || op == "Size") {
    const Value& in = g.values[n.inputs[0]];
    if (!in.shape_known) return false;
    if (op == "Size") {
      SetConstant(g.values[n.outputs[0]], ElementType::kInt64, {}, {static_cast<double>(in.elements())});
      return true;
    }
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
  for (int in : n.inputs) {
    if (in >= 0 && !g.values[in].is_constant()) return false;
  }
  if (n.inputs.empty() && op != "ConstantOfShape") return false;
  Value& out = g.values[n.outputs[0]];
  const Value* a = In(g, n, 0);

  if (op == "DequantizeLinear") {
    // A pre-quantized weight: keep the float values and remember the scales.
    const Value& x = g.values[n.inputs[0]];
    const std::vector<float>& scale = g.values[n.inputs[1]].constant->floats;
    const std::vector<int64_t> zero = n.has_input(2) ? g.values[n.inputs[2]].constant->ints : std::vector<int64_t>{};
    int64_t axis = n.Int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(x.shape.size());
    if (scale.empty() || (scale.size() > 1 && (axis < 0 || axis >= static_cast<int64_t>(x.shape.size()) ||
                                               static_cast<int64_t>(scale.size()) != x.shape[axis]))) {
      throw ConversionError(n, "scale does not match the input along axis " + std::to_string(axis));
    }
    if (!zero.empty() && zero.size() != scale.size()) throw ConversionError(n, "zero point and scale differ in size");
    if (x.type == ElementType::kFloat) throw ConversionError(n, "input must be an integer tensor");
    const Shape64 strides = Strides(x.shape);
    std::vector<double> out(x.constant->ints.size());
    bool symmetric = !x.uint8;
    for (size_t i = 0; i < out.size(); ++i) {
      const size_t c = scale.size() == 1 ? 0 : (i / strides[axis]) % x.shape[axis];
      const int64_t zp = zero.empty() ? 0 : zero[zero.size() == 1 ? 0 : c];
      symmetric = symmetric && zp == 0;
      out[i] = static_cast<double>(x.constant->ints[i] - zp) * scale[c];
    }
    const std::string name = g.values[n.outputs[0]].name;
    if (symmetric && (scale.size() == 1 || axis == 0 || x.shape.size() == 2)) g.qdq_weight_scales[name] = scale;
    SetConstant(g.values[n.outputs[0]], ElementType::kFloat, x.shape, out);
    return true;
  }
  if (op == "Identity" || op == "Dropout") {
    SetConstant(out, a->type, a->shape, Doubles(*a));
    return true;
  }
  if (op == "Cast") {
    const int64_t to = n.Int("to", 1);
    ElementType type = ElementType::kInt64;
    if (to == 1 || to == 11 || to == 10) type = ElementType::kFloat;
    if (to == 9) type = ElementType::kBool;
    auto d = Doubles(*a);
    for (double& x : d) x = type == ElementType::kFloat ? static_cast<double>(static_cast<float>(x))
                                  : type == ElementType::kBool ? (x != 0) : std::trunc(x);
    SetConstant(out, type, a->shape, d);
    return true;
  }
  if (op == "ConstantOfShape") {
    const Shape64 shape = a != nullptr ? Ints(*a) : Shape64{};
    double value = 0;
    ElementType type = ElementType::kFloat;
    auto it = n.attributes.find("value");
    if (it != n.attributes.end() && it->second.tensor) {
      type = it->second.tensor->type;
      value = Scalar(n, *it->second.tensor);
    }
    SetConstant(out, type, shape, std::vector<double>(static_cast<size_t>(FoldedElements(n, shape)), value));
    return true;
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") {
    InferNodeShapes(g, index);  // same data, new shape
    const Shape64 shape = out.shape;
    SetConstant(out, a->type, shape, Doubles(*a));
    return true;
  }
  if (op == "Transpose") {
    std::vector<int64_t> perm = n.Ints("perm");
    if (perm.empty()) for (int64_t i = static_cast<int64_t>(a->shape.size()); i-- > 0;) perm.push_back(i);
    CheckPermutation(n, perm, a->shape.size());
    Shape64 shape;
    for (int64_t p : perm) shape.push_back(a->shape[p]);
    SetConstant(out, a->type, shape, TransposeData(Doubles(*a), a->shape, perm));
    return true;
  }
  if (op == "Concat") {
    InferNodeShapes(g, index);  // checks the inputs' shapes agree
    const int64_t rank = static_cast<int64_t>(a->shape.size());
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), rank);
    const Shape64 shape = out.shape;
    FoldedElements(n, shape);
    const int64_t outer = Product(Shape64(shape.begin(), shape.begin() + axis));
    std::vector<double> data;
    for (int64_t o = 0; o < outer; ++o) {
      for (int in : n.inputs) {
        const Value& v = g.values[in];
        const int64_t run = Product(Shape64(v.shape.begin() + axis, v.shape.end()));
        const auto d = Doubles(v);
        data.insert(data.end(), d.begin() + o * run, d.begin() + (o + 1) * run);
      }
    }
    SetConstant(out, a->type, shape, data);
    return true;
  }
  if (op == "Gather") {
    const Value& idx = g.values[n.inputs[1]];
    const int64_t rank = static_cast<int64_t>(a->shape.size());
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), rank);
    std::vector<std::vector<int64_t>> picks(rank);
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        for (int64_t i : Ints(idx)) {
          if (i < -a->shape[d] || i >= a->shape[d]) {
            throw ConversionError(n, "index " + std::to_string(i) + " is out of range for dimension " + std::to_string(a->shape[d]));
          }
          picks[d].push_back(i < 0 ? i + a->shape[d] : i);
        }
      } else {
        for (int64_t i = 0; i < a->shape[d]; ++i) picks[d].push_back(i);
      }
    }
    Shape64 shape(a->shape.begin(), a->shape.begin() + axis);
    shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
    shape.insert(shape.end(), a->shape.begin() + axis + 1, a->shape.end());
    SetConstant(out, a->type, shape, Select(Doubles(*a), a->shape, picks));
    return true;
  }
  if (op == "Slice") {
    InferNodeShapes(g, index);  // resolves starts/steps into attributes
    const int64_t rank = static_cast<int64_t>(a->shape.size());
    const auto starts = n.Ints("kite_begin"), steps = n.Ints("kite_step");
    std::vector<std::vector<int64_t>> picks(rank);
    for (int64_t d = 0; d < rank; ++d) {
      for (int64_t i = 0; i < out.shape[d]; ++i) picks[d].push_back(starts[d] + i * steps[d]);
    }
    SetConstant(out, a->type, out.shape, Select(Doubles(*a), a->shape, picks));
    return true;
  }
  if (op == "Split") {
    InferNodeShapes(g, index);  // the pieces' shapes
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(a->shape.size()));
    const int64_t outer = Product(Shape64(a->shape.begin(), a->shape.begin() + axis));
    const int64_t inner = Product(Shape64(a->shape.begin() + axis + 1, a->shape.end()));
    const auto data = Doubles(*a);
    int64_t offset = 0;
    for (int o : n.outputs) {
      Value& piece = g.values[o];
      const int64_t run = piece.shape[axis] * inner;
      std::vector<double> d;
      for (int64_t r = 0; r < outer; ++r) {
        const auto begin = data.begin() + r * a->shape[axis] * inner + offset;
        d.insert(d.end(), begin, begin + run);
      }
      offset += run;
      SetConstant(piece, a->type, piece.shape, d);
    }
    return true;
  }
  if (op == "Range") {
    if (n.inputs.size() != 3) throw ConversionError(n, "needs start, limit and delta");
    const double start = Scalar(n, *a), limit = Scalar(n, *In(g, n, 1)), delta = Scalar(n, *In(g, n, 2));
    const double steps = std::ceil((limit - start) / delta);
    if (!std::isfinite(steps) || steps > static_cast<double>(kMaxFoldedElements)) {
      throw ConversionError(n, "a range from " + std::to_string(start) + " to " + std::to_string(limit) + " by " +
                                   std::to_string(delta) + " is not a finite sequence of at most 2^26 values");
    }
    std::vector<double> data;
    const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
    for (int64_t i = 0; i < count; ++i) data.push_back(start + i * delta);
    SetConstant(out, a->type, {count}, data);
    return true;
  }
  if (op == "Expand") {
    const Shape64 shape = Broadcast(n, a->shape, Ints(*In(g, n, 1)));
    FoldedElements(n, shape);
    const auto idx = BroadcastIndices(a->shape, shape);
    const auto d = Doubles(*a);
    std::vector<double> data;
    for (int64_t i : idx) data.push_back(d[i]);
    SetConstant(out, a->type, shape, data);
    return true;
  }
  if (op == "Where") {
    const Value& x = g.values[n.inputs[1]];
    const Value& y = g.values[n.inputs[2]];
    const Shape64 shape = Broadcast(n, Broadcast(n, a->shape, x.shape), y.shape);
    FoldedElements(n, shape);
    const auto ic = BroadcastIndices(a->shape, shape), ix = BroadcastIndices(x.shape, shape), iy = BroadcastIndices(y.shape, shape);
    const auto c = Doubles(*a), dx = Doubles(x), dy = Doubles(y);
    std::vector<double> data;
    for (size_t i = 0; i < ic.size(); ++i) data.push_back(c[ic[i]] != 0 ? dx[ix[i]] : dy[iy[i]]);
    SetConstant(out, x.type, shape, data);
    return true;
  }
  if (n.inputs.size() == 2) {
    if (op == "Add") return FoldBinary(g, n, [](double x, double y) { return x + y; });
    if (op == "Sub") return FoldBinary(g, n, [](double x, double y) { return x - y; });
    if (op == "Mul") return FoldBinary(g, n, [](double x, double y) { return x * y; });
    if (op == "Div") return FoldBinary(g, n, [](double x, double y) { return x / y; });
    if (op == "Pow") return FoldBinary(g, n, [](double x, double y) { return std::pow(x, y); });
    if (op == "Min") return FoldBinary(g, n, [](double x, double y) { return std::min(x, y); });
    if (op == "Max") return FoldBinary(g, n, [](double x, double y) { return std::max(x, y); });
    if (op == "Equal") return FoldBinary(g, n, [](double x, double y) { return x == y ? 1.0 : 0.0; }, true);
    if (op == "Less") return FoldBinary(g, n, [](double x, double y) { return x < y ? 1.0 : 0.0; }, true);
    if (op == "Greater") return FoldBinary(g, n, [](double x, double y) { return x > y ? 1.0 : 0.0; }, true);
  }
  if (n.inputs.size() == 1) {
    if (op == "Neg") return FoldUnary(g, n, [](double x) { return -x; });
    if (op == "Sqrt") return FoldUnary(g, n, [](double x) { return std::sqrt(x); });
    if (op == "Floor") return FoldUnary(g, n, [](double x) { return std::floor(x); });
    if (op == "Ceil") return FoldUnary(g, n, [](double x) { return std::ceil(x); });
    if (op == "Abs") return FoldUnary(g, n, [](double x) { return std::fabs(x); });
    if (op == "Not") return FoldUnary(g, n, [](double x) { return x == 0 ? 1.0 : 0.0; });
    if (op == "Reciprocal") return FoldUnary(g, n, [](double x) { return 1.0 / x; });
    if (op == "Relu") return FoldUnary(g, n, [](double x) { return std::max(0.0, x); });
    if (op == "Sigmoid") return FoldUnary(g, n, [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
  }
  return false;
}

void FoldConstantsAndInferShapes(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    if (node.removed) continue;
    if (FoldNode(graph, static_cast<int>(i))) {
      node.removed = true;
      continue;
    }
    InferNodeShapes(graph, static_cast<int>(i));
  }
}

}  // namespace converter
}  // namespace kite

#include "ops/op_support.h"

#include <algorithm>
#include <cmath>

namespace kite {
namespace converter {
namespace {

// Why a parameter input is not constant: the node computing it.
std::string NotConstant(const Graph& g, const Node& n, const Value& v, const char* what) {
  std::string why = std::string(what) + " (input '" + v.name + "') must be a constant after folding";
  if (v.producer >= 0) {
    const Node& p = g.nodes[v.producer];
    why += "; it is computed by node '" + p.name + "' (" + p.op_type + ")";
    for (int in : p.inputs) {
      if (in >= 0 && !g.values[in].is_constant()) {
        why += " from non-constant '" + g.values[in].name + "'";
        break;
      }
    }
  }
  return why;
}

}  // namespace

void RequireInputs(const Node& n, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (!n.has_input(i)) throw ConversionError(n, "input " + std::to_string(i) + " is missing");
  }
}

const Value& In(const Graph& g, const Node& n, size_t i) {
  if (!n.has_input(i)) throw ConversionError(n, "input " + std::to_string(i) + " is missing");
  const Value& v = g.values[n.inputs[i]];
  if (!v.shape_known) throw ConversionError(n, "the shape of input '" + v.name + "' is not known statically");
  return v;
}

int64_t CheckedInt64(double d, const std::string& what) {
  // 2^63 is exact in double; every double below it converts.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
    throw ConversionError(what + ": " + std::to_string(d) + " is not an int64 value");
  }
  return static_cast<int64_t>(d);
}

std::vector<int64_t> ConstInts(const Graph& g, const Node& n, size_t i, const char* what) {
  const Value& v = In(g, n, i);
  if (!v.is_constant()) throw ConversionError(n, NotConstant(g, n, v, what));
  if (v.type == ElementType::kFloat) {
    std::vector<int64_t> out;
    try {
      for (float f : v.constant->floats) out.push_back(CheckedInt64(f, what));
    } catch (const ConversionError& e) {
      throw ConversionError(n, e.what());
    }
    return out;
  }
  return v.constant->ints;
}

std::vector<float> ConstFloats(const Graph& g, const Node& n, size_t i, const char* what) {
  const Value& v = In(g, n, i);
  if (!v.is_constant()) throw ConversionError(n, NotConstant(g, n, v, what));
  if (v.type == ElementType::kFloat) return v.constant->floats;
  return std::vector<float>(v.constant->ints.begin(), v.constant->ints.end());
}

float ConstScalar(const Graph& g, const Node& n, size_t i, const char* what) {
  const std::vector<float> values = ConstFloats(g, n, i, what);
  if (values.size() != 1) {
    throw ConversionError(n, std::string(what) + " must be one value, not " + std::to_string(values.size()));
  }
  return values[0];
}

void SetOutput(Graph& g, const Node& n, size_t i, ElementType type, Shape64 shape) {
  if (i >= n.outputs.size() || n.outputs[i] < 0) return;
  try {
    ShapeElements(shape);  // every shape Kite infers stays countable
  } catch (const ConversionError& e) {
    throw ConversionError(n, std::string("output ") + e.what());
  }
  Value& v = g.values[n.outputs[i]];
  v.type = type;
  v.shape = std::move(shape);
  v.shape_known = true;
}

void InferSameShape(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  SetOutput(g, n, 0, x.type, x.shape);
}

void RequireRank(const Node& n, const Value& v, size_t rank) {
  if (v.shape.size() != rank) {
    throw ConversionError(n, "input '" + v.name + "' has rank " + std::to_string(v.shape.size()) + "; Kite supports rank " +
                                 std::to_string(rank) + " here (2-D spatial ops only)");
  }
}

constexpr int64_t kMaxWindowParam = int64_t{1} << 24;

void CheckWindowRange(const Node& n, const char* what, const std::vector<int64_t>& values, int64_t lo) {
  for (int64_t v : values) {
    if (v < lo || v > kMaxWindowParam) {
      throw ConversionError(n, std::string(what) + " " + ShapeString(values) + ": each must be in [" + std::to_string(lo) +
                                   ", 2^24]");
    }
  }
}

float Epsilon(const Node& n, float fallback) {
  const float eps = n.Float("epsilon", fallback);
  if (!(eps >= 0.0f) || !std::isfinite(eps)) {
    throw ConversionError(n, "epsilon " + std::to_string(eps) + ": it must be finite and >= 0");
  }
  return eps;
}

std::pair<int64_t, int64_t> WindowOutput(Node& n, int64_t in_h, int64_t in_w, int64_t k_h, int64_t k_w, bool ceil_mode) {
  const auto strides = n.Ints("strides", {1, 1});
  const auto dilations = n.Ints("dilations", {1, 1});
  std::vector<int64_t> pads = n.Ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    throw ConversionError(n, "expects 2-D strides, dilations and pads");
  }
  CheckWindowRange(n, "strides", strides, 1);
  CheckWindowRange(n, "dilations", dilations, 1);
  CheckWindowRange(n, "pads", pads, 0);
  CheckWindowRange(n, "kernel", {k_h, k_w}, 1);
  const std::string auto_pad = n.String("auto_pad", "NOTSET");
  const int64_t in[2] = {in_h, in_w}, k[2] = {k_h, k_w};
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t span = dilations[d] * (k[d] - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[d] = (in[d] + strides[d] - 1) / strides[d];
      const int64_t total = std::max<int64_t>(0, (out[d] - 1) * strides[d] + span - in[d]);
      const int64_t small = total / 2, large = total - small;
      pads[d] = auto_pad == "SAME_UPPER" ? small : large;
      pads[d + 2] = auto_pad == "SAME_UPPER" ? large : small;
      continue;
    }
    if (auto_pad == "VALID") pads[d] = pads[d + 2] = 0;
    const int64_t padded = in[d] + pads[d] + pads[d + 2] - span;
    if (padded < 0) throw ConversionError(n, "the window is larger than the padded input");
    out[d] = (ceil_mode ? (padded + strides[d] - 1) / strides[d] : padded / strides[d]) + 1;
    // ceil_mode: the last window must start inside the input or the begin padding.
    if (ceil_mode && (out[d] - 1) * strides[d] >= in[d] + pads[d]) --out[d];
    // The kernels count windows over the padded input (floor): in ceil mode
    // the end padding becomes exactly what the last window reaches, more
    // than given for a partial window, less when a window would start there.
    const int64_t need = (out[d] - 1) * strides[d] + span - in[d] - pads[d];
    if (ceil_mode) pads[d + 2] = std::max<int64_t>(need, 0);
  }
  n.params.pads = {pads[0], pads[1], pads[2], pads[3]};
  n.params.strides = strides;
  n.params.dilations = dilations;
  return {out[0], out[1]};
}


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
  if (v.type == ElementType::kFloat ? c.floats.empty() : c.ints.empty()) {
    throw ConversionError(n, "input '" + v.name + "' is empty, expected a scalar");
  }
  return v.type == ElementType::kFloat ? c.floats[0] : static_cast<double>(c.ints[0]);
}

std::vector<double> Doubles(const Value& v) {
  if (!v.is_constant()) throw ConversionError("value '" + v.name + "' must be a constant here");
  const ConstantData& c = *v.constant;
  if (v.type == ElementType::kFloat) return std::vector<double>(c.floats.begin(), c.floats.end());
  return std::vector<double>(c.ints.begin(), c.ints.end());
}

std::vector<int64_t> IntsOf(const Value& v) {
  if (!v.is_constant()) throw ConversionError("value '" + v.name + "' must be a constant here");
  const ConstantData& c = *v.constant;
  if (v.type != ElementType::kFloat) return c.ints;
  std::vector<int64_t> out;
  for (float f : c.floats) out.push_back(CheckedInt64(f, "value '" + v.name + "'"));
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
    for (double d : data) c.ints.push_back(CheckedInt64(d, "value '" + out.name + "' (folded)"));
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

bool FoldBinary(Graph& g, Node& n, const std::function<double(double, double)>& f, bool boolean_result) {
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

bool OutputIsRead(const Graph& g, const Node& n, size_t i) {
  return i < n.outputs.size() && n.outputs[i] >= 0 && (!g.Consumers(n.outputs[i]).empty() || g.IsGraphOutput(n.outputs[i]));
}

std::vector<int64_t> AxesParam(const Graph& g, const Node& n, size_t index) {
  if (n.has("axes")) return n.Ints("axes");
  return n.has_input(index) ? ConstInts(g, n, index, "axes") : std::vector<int64_t>{};
}

}  // namespace converter
}  // namespace kite

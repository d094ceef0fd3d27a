// Static output shapes of the ops Kite runs, with ONNX's parameter inputs
// (pads, scales, starts, axes...) resolved from constants into "kite_*"
// attributes that lowering reads.
#include <algorithm>
#include <cmath>

#include "ir/shape_util.h"
#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

const Value& In(const Graph& g, const Node& n, size_t i) {
  if (!n.has_input(i)) throw ConversionError(n, "input " + std::to_string(i) + " is missing");
  const Value& v = g.values[n.inputs[i]];
  if (!v.shape_known) throw ConversionError(n, "the shape of input '" + v.name + "' is not known statically");
  return v;
}

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

std::vector<int64_t> ConstInts(const Graph& g, const Node& n, size_t i, const char* what) {
  const Value& v = In(g, n, i);
  if (!v.is_constant()) throw ConversionError(n, NotConstant(g, n, v, what));
  if (v.type == ElementType::kFloat) {
    std::vector<int64_t> out;
    for (float f : v.constant->floats) out.push_back(static_cast<int64_t>(f));
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

void SetInts(Node& n, const std::string& key, std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::kInts;
  a.ints = std::move(v);
  n.attributes[key] = a;
}

void SetFloats(Node& n, const std::string& key, std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::kFloats;
  a.floats = std::move(v);
  n.attributes[key] = a;
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

void RequireRank(const Node& n, const Value& v, size_t rank) {
  if (v.shape.size() != rank) {
    throw ConversionError(n, "input '" + v.name + "' has rank " + std::to_string(v.shape.size()) + "; Kite supports rank " +
                                 std::to_string(rank) + " here (2-D spatial ops only)");
  }
}

// Window parameters as the runtime takes them: strides, dilations and kernel
// sizes in [1, 2^24], pads in [0, 2^24]. With dimensions at most 2^31 no
// window arithmetic below can overflow.
constexpr int64_t kMaxWindowParam = int64_t{1} << 24;

void CheckRange(const Node& n, const char* what, const std::vector<int64_t>& values, int64_t lo) {
  for (int64_t v : values) {
    if (v < lo || v > kMaxWindowParam) {
      throw ConversionError(n, std::string(what) + " " + ShapeString(values) + ": each must be in [" + std::to_string(lo) +
                                   ", 2^24]");
    }
  }
}

// Resolves pads for a 2-D window op into kite_pads = {top, left, bottom, right}
// and returns the output H, W.
std::pair<int64_t, int64_t> WindowOutput(Node& n, int64_t in_h, int64_t in_w, int64_t k_h, int64_t k_w, bool ceil_mode) {
  const auto strides = n.Ints("strides", {1, 1});
  const auto dilations = n.Ints("dilations", {1, 1});
  std::vector<int64_t> pads = n.Ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    throw ConversionError(n, "expects 2-D strides, dilations and pads");
  }
  CheckRange(n, "strides", strides, 1);
  CheckRange(n, "dilations", dilations, 1);
  CheckRange(n, "pads", pads, 0);
  CheckRange(n, "kernel", {k_h, k_w}, 1);
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
    // Extra end padding makes the kernels see the ceil-mode windows.
    const int64_t need = (out[d] - 1) * strides[d] + span - in[d] - pads[d];
    if (need > pads[d + 2]) pads[d + 2] = need;
  }
  SetInts(n, "kite_pads", {pads[0], pads[1], pads[2], pads[3]});
  SetInts(n, "kite_strides", strides);
  SetInts(n, "kite_dilations", dilations);
  return {out[0], out[1]};
}

Shape64 ReshapeTarget(const Node& n, const Value& in, std::vector<int64_t> target) {
  const bool allow_zero = n.Int("allowzero", 0) != 0;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allow_zero) {
      if (i >= in.shape.size()) throw ConversionError(n, "shape entry 0 has no input dimension to copy");
      target[i] = in.shape[i];
    }
    if (target[i] == -1) {
      if (infer >= 0) throw ConversionError(n, "more than one -1 in the target shape");
      infer = static_cast<int64_t>(i);
    } else if (target[i] < 0 || (target[i] != 0 && known > kMaxElements / target[i])) {
      throw ConversionError(n, "target shape " + ShapeString(target) + " is invalid");
    } else {
      known *= target[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || in.elements() % known != 0) throw ConversionError(n, "cannot infer the -1 dimension");
    target[infer] = in.elements() / known;
  }
  if (Product(target) != in.elements()) {
    throw ConversionError(n, "cannot reshape " + ShapeString(in.shape) + " to " + ShapeString(target));
  }
  return target;
}

}  // namespace

void InferNodeShapes(Graph& g, int index) {
  Node& n = g.nodes[index];
  const std::string& op = n.op_type;
  static const char* kSameShape[] = {"Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Sqrt",
                                     "Identity", "Dropout", "Softmax", "BatchNormalization"};
  for (const char* name : kSameShape) {
    if (op != name) continue;
    const Value& x = In(g, n, 0);
    if (op == "Clip" && n.inputs.size() > 1) {
      SetFloats(n, "kite_clip", {n.has_input(1) ? ConstFloats(g, n, 1, "min")[0] : -INFINITY,
                                 n.has_input(2) ? ConstFloats(g, n, 2, "max")[0] : INFINITY});
    } else if (op == "Clip") {
      SetFloats(n, "kite_clip", {n.Float("min", -INFINITY), n.Float("max", INFINITY)});
    }
    if (op == "Dropout" && n.outputs.size() > 1 && n.outputs[1] >= 0 && !g.Consumers(n.outputs[1]).empty()) {
      throw ConversionError(n, "the mask output is not supported");
    }
    SetOutput(g, n, 0, x.type, x.shape);
    return;
  }
  if (op == "QuantizeLinear" || op == "DequantizeLinear") {
    // Activation Q -> DQ pairs become quantization parameters (FoldQdqPairs).
    const Value& x = In(g, n, 0);
    SetOutput(g, n, 0, op == "QuantizeLinear" ? ElementType::kInt64 : ElementType::kFloat, x.shape);
    return;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") {
    const Value& a = In(g, n, 0);
    const Value& b = In(g, n, 1);
    SetOutput(g, n, 0, op == "Equal" ? ElementType::kBool : a.type, Broadcast(n, a.shape, b.shape));
    return;
  }
  if (op == "Cast") {
    const Value& x = In(g, n, 0);
    const int64_t to = n.Int("to", 1);
    if (to != 1) throw ConversionError(n, "only casts to float32 are supported on computed values");
    SetOutput(g, n, 0, ElementType::kFloat, x.shape);
    return;
  }
  if (op == "Conv") {
    const Value& x = In(g, n, 0);
    const Value& w = In(g, n, 1);
    RequireRank(n, x, 4);
    RequireRank(n, w, 4);
    if (!w.is_constant()) throw ConversionError(n, "weights must be constant");
    const int64_t groups = n.Int("group", 1);
    if (groups < 1 || groups > x.shape[1] || w.shape[0] % groups != 0 || w.shape[1] * groups != x.shape[1]) {
      throw ConversionError(n, "weights do not match the input channels and groups");
    }
    if (n.has_input(2) && g.values[n.inputs[2]].shape != Shape64{w.shape[0]}) {
      throw ConversionError(n, "bias must have shape [" + std::to_string(w.shape[0]) + "]");
    }
    auto [oh, ow] = WindowOutput(n, x.shape[2], x.shape[3], w.shape[2], w.shape[3], false);
    SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], w.shape[0], oh, ow});
    return;
  }
  if (op == "ConvTranspose") {
    const Value& x = In(g, n, 0);
    const Value& w = In(g, n, 1);
    RequireRank(n, x, 4);
    RequireRank(n, w, 4);
    if (!w.is_constant()) throw ConversionError(n, "weights must be constant");
    const int64_t groups = n.Int("group", 1);
    if (groups < 1 || groups > x.shape[1] || w.shape[0] != x.shape[1] || x.shape[1] % groups != 0) {
      throw ConversionError(n, "weights do not match the input channels and groups");
    }
    if (n.has_input(2) && g.values[n.inputs[2]].shape != Shape64{w.shape[1] * groups}) {
      throw ConversionError(n, "bias must have shape [" + std::to_string(w.shape[1] * groups) + "]");
    }
    const auto strides = n.Ints("strides", {1, 1}), dilations = n.Ints("dilations", {1, 1});
    auto pads = n.Ints("pads", {0, 0, 0, 0});
    auto out_pad = n.Ints("output_padding", {0, 0});
    const auto output_shape = n.Ints("output_shape");
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 || out_pad.size() != 2 ||
        (!output_shape.empty() && output_shape.size() < 2)) {
      throw ConversionError(n, "expects 2-D strides, dilations, pads, output_padding and output_shape");
    }
    CheckRange(n, "strides", strides, 1);
    CheckRange(n, "dilations", dilations, 1);
    CheckRange(n, "pads", pads, 0);
    CheckRange(n, "output_padding", out_pad, 0);
    CheckRange(n, "output_shape", output_shape, 1);
    const int64_t k[2] = {w.shape[2], w.shape[3]}, in[2] = {x.shape[2], x.shape[3]};
    const std::string auto_pad = n.String("auto_pad", "NOTSET");
    int64_t out[2];
    for (int d = 0; d < 2; ++d) {
      const int64_t full = strides[d] * (in[d] - 1) + out_pad[d] + (k[d] - 1) * dilations[d] + 1;
      if (!output_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        out[d] = !output_shape.empty() ? output_shape[output_shape.size() - 2 + d] : in[d] * strides[d];
        const int64_t total = full - out[d];
        if (total < 0) throw ConversionError(n, "output_shape is larger than the transposed convolution's output");
        pads[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        pads[d + 2] = total - pads[d];
      } else {
        out[d] = full - pads[d] - pads[d + 2];
      }
    }
    SetInts(n, "kite_pads", pads);
    SetInts(n, "kite_strides", strides);
    SetInts(n, "kite_dilations", dilations);
    SetInts(n, "kite_output_padding", out_pad);
    SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], w.shape[1] * groups, out[0], out[1]});
    return;
  }
  if (op == "MaxPool" || op == "AveragePool") {
    const Value& x = In(g, n, 0);
    RequireRank(n, x, 4);
    if (op == "MaxPool" && n.outputs.size() > 1 && n.outputs[1] >= 0 && !g.Consumers(n.outputs[1]).empty()) {
      throw ConversionError(n, "the Indices output is not supported");
    }
    if (n.Int("storage_order", 0) != 0) throw ConversionError(n, "storage_order 1 is not supported");
    const auto kernel = n.Ints("kernel_shape");
    if (kernel.size() != 2) throw ConversionError(n, "kernel_shape must have 2 entries");
    auto [oh, ow] = WindowOutput(n, x.shape[2], x.shape[3], kernel[0], kernel[1], n.Int("ceil_mode", 0) != 0);
    SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], x.shape[1], oh, ow});
    return;
  }
  if (op == "GlobalAveragePool") {
    const Value& x = In(g, n, 0);
    RequireRank(n, x, 4);
    SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], x.shape[1], 1, 1});
    return;
  }
  if (op == "Concat") {
    const Value& a = In(g, n, 0);
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(a.shape.size()));
    Shape64 shape = a.shape;
    shape[axis] = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Value& v = In(g, n, i);
      if (v.shape.size() != a.shape.size()) throw ConversionError(n, "inputs have different ranks");
      for (size_t d = 0; d < v.shape.size(); ++d) {
        if (static_cast<int64_t>(d) != axis && v.shape[d] != a.shape[d]) {
          throw ConversionError(n, "inputs " + ShapeString(a.shape) + " and " + ShapeString(v.shape) + " differ off the axis");
        }
      }
      shape[axis] += v.shape[axis];
    }
    SetOutput(g, n, 0, a.type, shape);
    return;
  }
  if (op == "Split") {
    const Value& x = In(g, n, 0);
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(x.shape.size()));
    std::vector<int64_t> sizes = n.has("split") ? n.Ints("split") : (n.has_input(1) ? ConstInts(g, n, 1, "split") : std::vector<int64_t>{});
    if (sizes.empty()) {
      const int64_t parts = static_cast<int64_t>(n.outputs.size());
      const int64_t each = (x.shape[axis] + parts - 1) / parts;
      for (int64_t p = 0; p < parts; ++p) sizes.push_back(std::min(each, x.shape[axis] - p * each));
    }
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0 || s > x.shape[axis]) throw ConversionError(n, "split size " + std::to_string(s) + " is out of range");
      total += s;
    }
    if (total != x.shape[axis] || sizes.size() != n.outputs.size()) throw ConversionError(n, "split sizes do not add up");
    for (size_t i = 0; i < sizes.size(); ++i) {
      Shape64 shape = x.shape;
      shape[axis] = sizes[i];
      SetOutput(g, n, i, x.type, shape);
    }
    return;
  }
  if (op == "Slice") {
    const Value& x = In(g, n, 0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    std::vector<int64_t> starts, ends, axes, steps;
    if (n.has("starts")) {
      starts = n.Ints("starts");
      ends = n.Ints("ends");
      axes = n.Ints("axes");
    } else {
      starts = ConstInts(g, n, 1, "starts");
      ends = ConstInts(g, n, 2, "ends");
      if (n.has_input(3)) axes = ConstInts(g, n, 3, "axes");
      if (n.has_input(4)) steps = ConstInts(g, n, 4, "steps");
    }
    if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
      throw ConversionError(n, "starts, ends, axes and steps differ in length");
    }
    std::vector<int64_t> begin(rank, 0), step(rank, 1);
    Shape64 shape = x.shape;
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t d = NormalizeAxis(n, axes[i], rank), dim = x.shape[d];
      if (steps[i] == 0) throw ConversionError(n, "step 0");
      // A step longer than the dimension takes one element, as one of
      // dim + 1 does: clamped, the arithmetic below cannot overflow.
      steps[i] = std::clamp<int64_t>(steps[i], -(dim + 1), dim + 1);
      // Likewise every start and end clamps into [-1, dim] below.
      const int64_t start = std::clamp<int64_t>(starts[i], -2 * dim - 1, 2 * dim + 1);
      const int64_t end = std::clamp<int64_t>(ends[i], -2 * dim - 1, 2 * dim + 1);
      int64_t s = start < 0 ? start + dim : start;
      int64_t e = end < 0 ? end + dim : end;
      if (steps[i] > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        shape[d] = std::max<int64_t>(0, (e - s + steps[i] - 1) / steps[i]);
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        shape[d] = std::max<int64_t>(0, (s - e + (-steps[i]) - 1) / (-steps[i]));
      }
      begin[d] = s;
      step[d] = steps[i];
    }
    SetInts(n, "kite_begin", begin);
    SetInts(n, "kite_step", step);
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  if (op == "Reshape") {
    const Value& x = In(g, n, 0);
    SetOutput(g, n, 0, x.type, ReshapeTarget(n, x, ConstInts(g, n, 1, "shape")));
    return;
  }
  if (op == "Flatten") {
    const Value& x = In(g, n, 0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    int64_t axis = n.Int("axis", 1);
    if (axis < 0) axis += rank;
    const int64_t outer = Product(Shape64(x.shape.begin(), x.shape.begin() + axis));
    SetOutput(g, n, 0, x.type, {outer, x.elements() / std::max<int64_t>(outer, 1)});
    return;
  }
  if (op == "Squeeze" || op == "Unsqueeze") {
    const Value& x = In(g, n, 0);
    std::vector<int64_t> axes = n.has("axes") ? n.Ints("axes") : (n.has_input(1) ? ConstInts(g, n, 1, "axes") : std::vector<int64_t>{});
    Shape64 shape = x.shape;
    if (op == "Unsqueeze") {
      const int64_t rank = static_cast<int64_t>(shape.size() + axes.size());
      for (auto& a : axes) a = NormalizeAxis(n, a, rank);
      std::sort(axes.begin(), axes.end());
      for (int64_t a : axes) shape.insert(shape.begin() + a, 1);
    } else {
      const int64_t rank = static_cast<int64_t>(shape.size());
      for (auto& a : axes) a = NormalizeAxis(n, a, rank);
      Shape64 kept;
      for (int64_t d = 0; d < rank; ++d) {
        const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
        if (!(axes.empty() ? shape[d] == 1 : listed)) kept.push_back(shape[d]);
      }
      shape = kept;
    }
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  if (op == "Transpose") {
    const Value& x = In(g, n, 0);
    std::vector<int64_t> perm = n.Ints("perm");
    if (perm.empty()) for (int64_t i = static_cast<int64_t>(x.shape.size()); i-- > 0;) perm.push_back(i);
    CheckPermutation(n, perm, x.shape.size());
    SetInts(n, "perm", perm);
    Shape64 shape;
    for (int64_t p : perm) shape.push_back(x.shape[p]);
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  if (op == "Resize" || op == "Upsample") {
    const Value& x = In(g, n, 0);
    RequireRank(n, x, 4);
    std::vector<float> scales;
    std::vector<int64_t> sizes;
    if (op == "Upsample") {
      scales = n.has("scales") ? n.attributes.at("scales").floats : ConstFloats(g, n, 1, "scales");
    } else if (g.opset >= 11 || n.inputs.size() > 2) {
      if (n.has_input(3)) sizes = ConstInts(g, n, 3, "sizes");
      if (sizes.empty() && n.has_input(2)) scales = ConstFloats(g, n, 2, "scales");
    } else {
      scales = ConstFloats(g, n, 1, "scales");
    }
    if (!sizes.empty() && sizes.size() != 4) throw ConversionError(n, "sizes must give 4 dimensions");
    if (sizes.empty() && scales.size() != 4) throw ConversionError(n, "Resize needs 4 scales or 4 sizes");
    Shape64 shape(4);
    std::vector<float> spatial_scales(2);
    for (int d = 0; d < 4; ++d) {
      shape[d] = !sizes.empty() ? sizes[d] : static_cast<int64_t>(std::floor(x.shape[d] * scales[d]));
      if (d >= 2) spatial_scales[d - 2] = !sizes.empty() ? static_cast<float>(sizes[d]) / x.shape[d] : scales[d];
    }
    if (shape[0] != x.shape[0] || shape[1] != x.shape[1]) throw ConversionError(n, "resizing N or C is not supported");
    SetFloats(n, "kite_scales", spatial_scales);
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  if (op == "ReduceMean") {
    const Value& x = In(g, n, 0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    std::vector<int64_t> axes = n.has("axes") ? n.Ints("axes") : (n.has_input(1) ? ConstInts(g, n, 1, "axes") : std::vector<int64_t>{});
    if (rank == 0) throw ConversionError(n, "the input is a scalar: Kite reduces tensors of rank 1 to 6");
    if (axes.empty()) for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    for (auto& a : axes) a = NormalizeAxis(n, a, rank);
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());  // ONNX lists each axis once
    SetInts(n, "kite_axes", axes);
    Shape64 shape;
    const bool keep = n.Int("keepdims", 1) != 0;
    for (int64_t d = 0; d < rank; ++d) {
      const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
      if (!reduced) shape.push_back(x.shape[d]);
      else if (keep) shape.push_back(1);
    }
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  if (op == "Pow") {
    const Value& x = In(g, n, 0);
    const auto exponent = ConstFloats(g, n, 1, "exponent");
    if (exponent.size() != 1 || (exponent[0] != 2.0f && exponent[0] != 0.5f && exponent[0] != 1.0f)) {
      throw ConversionError(n, "only exponents 2, 1 and 0.5 are supported");
    }
    SetOutput(g, n, 0, x.type, Broadcast(n, x.shape, In(g, n, 1).shape));
    return;
  }
  if (op == "MatMul" && !(In(g, n, 1).is_constant() && In(g, n, 1).shape.size() == 2)) {
    // Two computed operands (attention): numpy matmul with batch broadcasting.
    const Value& a = In(g, n, 0);
    const Value& b = In(g, n, 1);
    if (a.shape.size() < 2 || b.shape.size() < 2) throw ConversionError(n, "1-D operands are not supported");
    if (a.shape.size() > 6 || b.shape.size() > 6) throw ConversionError(n, "rank above 6");
    Shape64 batch = Broadcast(n, Shape64(a.shape.begin(), a.shape.end() - 2), Shape64(b.shape.begin(), b.shape.end() - 2));
    if (a.shape.back() != b.shape[b.shape.size() - 2]) throw ConversionError(n, "inner dimensions differ");
    batch.push_back(a.shape[a.shape.size() - 2]);
    batch.push_back(b.shape.back());
    SetOutput(g, n, 0, ElementType::kFloat, batch);
    return;
  }
  if (op == "MatMul" || op == "Gemm") {
    const Value& a = In(g, n, 0);
    const Value& b = In(g, n, 1);
    if (!b.is_constant() || b.shape.size() != 2) {
      throw ConversionError(n, "only a constant 2-D right-hand side is supported (fully connected)");
    }
    const bool trans_b = op == "Gemm" && n.Int("transB", 0) != 0;
    if (op == "Gemm" && (n.Int("transA", 0) != 0 || a.shape.size() != 2)) throw ConversionError(n, "transA / non-2-D A is not supported");
    const int64_t k = trans_b ? b.shape[1] : b.shape[0], cols = trans_b ? b.shape[0] : b.shape[1];
    if (a.shape.empty() || a.shape.back() != k) throw ConversionError(n, "inner dimensions differ");
    if (op == "Gemm" && n.has_input(2) && !g.values[n.inputs[2]].is_constant()) throw ConversionError(n, "C must be constant");
    Shape64 shape = a.shape;
    shape.back() = cols;
    SetOutput(g, n, 0, ElementType::kFloat, shape);
    return;
  }
  if (op == "Pad") {
    const Value& x = In(g, n, 0);
    if (n.String("mode", "constant") != "constant") throw ConversionError(n, "only constant padding is supported");
    std::vector<int64_t> pads = n.has("pads") ? n.Ints("pads") : ConstInts(g, n, 1, "pads");
    float value = n.Float("value", 0.0f);
    if (n.has_input(2)) value = ConstFloats(g, n, 2, "constant_value")[0];
    const size_t rank = x.shape.size();
    if (n.has_input(3)) {
      const auto axes = ConstInts(g, n, 3, "axes");
      std::vector<int64_t> full(2 * rank, 0);
      for (size_t i = 0; i < axes.size(); ++i) {
        const int64_t d = NormalizeAxis(n, axes[i], static_cast<int64_t>(rank));
        full[d] = pads[i];
        full[d + rank] = pads[i + axes.size()];
      }
      pads = full;
    }
    if (pads.size() != 2 * rank) throw ConversionError(n, "pads must have 2 x rank entries");
    Shape64 shape = x.shape;
    for (size_t d = 0; d < rank; ++d) shape[d] += pads[d] + pads[d + rank];
    SetInts(n, "kite_pads", pads);
    SetFloats(n, "kite_value", {value});
    SetOutput(g, n, 0, x.type, shape);
    return;
  }
  throw ConversionError(n, "operator " + op + " is not supported by Kite");
}

}  // namespace converter
}  // namespace kite

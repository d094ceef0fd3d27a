// Ops that move data without computing: Reshape and its relatives, Transpose
// (a relabelling of the layout, no copy), Concat, Split, Slice, Pad,
// DepthToSpace and SpaceToDepth, and Trilu (a triangle kept, the rest zeroed).
#include <algorithm>

#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

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

void InferReshape(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  SetOutput(g, n, 0, x.type, ReshapeTarget(n, x, ConstInts(g, n, 1, "shape")));
}

void InferFlatten(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = n.Int("axis", 1) == rank ? rank : NormalizeAxis(n, n.Int("axis", 1), rank);
  const int64_t outer = Product(Shape64(x.shape.begin(), x.shape.begin() + axis));
  SetOutput(g, n, 0, x.type, {outer, outer == 0 ? 0 : x.elements() / outer});
}

void InferSqueeze(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  std::vector<int64_t> axes = AxesParam(g, n, 1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  for (auto& a : axes) a = NormalizeAxis(n, a, rank);
  Shape64 kept;
  for (int64_t d = 0; d < rank; ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (listed && x.shape[d] != 1) throw ConversionError(n, "cannot squeeze dimension " + std::to_string(d) + " of " + ShapeString(x.shape));
    if (!(axes.empty() ? x.shape[d] == 1 : listed)) kept.push_back(x.shape[d]);
  }
  SetOutput(g, n, 0, x.type, kept);
}

void InferUnsqueeze(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  std::vector<int64_t> axes = AxesParam(g, n, 1);
  Shape64 shape = x.shape;
  const int64_t rank = static_cast<int64_t>(shape.size() + axes.size());
  for (auto& a : axes) a = NormalizeAxis(n, a, rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) throw ConversionError(n, "an axis is listed twice");
  for (int64_t a : axes) shape.insert(shape.begin() + a, 1);
  SetOutput(g, n, 0, x.type, shape);
}

// Same data, the shape the rule inferred.
bool FoldReshape(Graph& g, Node& n) {
  FindOpRule(n.op_type)->infer(g, n);
  Value& out = g.values[n.outputs[0]];
  const Value& a = g.values[n.inputs[0]];
  SetConstant(out, a.type, out.shape, Doubles(a));
  return true;
}

std::vector<int64_t> TransposePerm(const Node& n, const Value& x) {
  std::vector<int64_t> perm = n.Ints("perm");
  if (perm.empty()) for (int64_t i = static_cast<int64_t>(x.shape.size()); i-- > 0;) perm.push_back(i);
  CheckPermutation(n, perm, x.shape.size());
  return perm;
}

void InferTranspose(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const std::vector<int64_t> perm = TransposePerm(n, x);
  n.attributes["perm"].kind = Attribute::kInts;
  n.attributes["perm"].ints = perm;
  Shape64 shape;
  for (int64_t p : perm) shape.push_back(x.shape[p]);
  SetOutput(g, n, 0, x.type, shape);
}

bool FoldTranspose(Graph& g, Node& n) {
  RequireInputs(n, 1);
  const Value& a = g.values[n.inputs[0]];
  const std::vector<int64_t> perm = TransposePerm(n, a);
  Shape64 shape;
  for (int64_t p : perm) shape.push_back(a.shape[p]);
  SetConstant(g.values[n.outputs[0]], a.type, shape, TransposeData(Doubles(a), a.shape, perm));
  return true;
}

// A relabelling: the bytes stay, the logical order changes.
void LowerTranspose(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const Perm& t = n.Ints("perm");
  Perm inverse(t.size());
  for (size_t j = 0; j < t.size(); ++j) inverse[t[j]] = static_cast<int64_t>(j);
  Perm out_perm;
  for (int64_t p : perm) out_perm.push_back(inverse[p]);
  if (!l.IsActivation(n.inputs[0])) throw ConversionError(n, "a constant reached lowering");
  l.Place(n.outputs[0], l.Tensor(n.inputs[0], perm), out_perm);
}

void InferConcat(Graph& g, Node& n) {
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
}

bool FoldConcat(Graph& g, Node& n) {
  InferConcat(g, n);  // checks the inputs' shapes agree
  const Value& a = g.values[n.inputs[0]];
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(a.shape.size()));
  const Shape64 shape = g.values[n.outputs[0]].shape;
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
  SetConstant(g.values[n.outputs[0]], a.type, shape, data);
  return true;
}

// Concat of one computed tensor with constants that hold a single value
// (BlazeFace pads channels with ConstantOfShape zeros) is a Pad: nothing to
// store in the file, nothing to read at run time.
bool LowerConcatAsPad(Lowering& l, const Node& n, int64_t axis) {
  int activation = -1;
  int64_t before = 0, after = 0;
  float value = 0.0f;
  bool have_value = false;
  for (int in : n.inputs) {
    const Value& v = l.value(in);
    if (!v.is_constant()) {
      if (activation >= 0) return false;
      activation = in;
      continue;
    }
    if (v.type != ElementType::kFloat || v.constant->floats.empty()) return false;
    const float first = v.constant->floats[0];
    if (std::any_of(v.constant->floats.begin(), v.constant->floats.end(), [&](float f) { return f != first; })) return false;
    if (have_value && first != value) return false;
    value = first;
    have_value = true;
    (activation < 0 ? before : after) += v.shape[axis];
  }
  if (activation < 0 || !have_value) return false;
  const Perm perm = l.LayoutOf(activation);
  schema::PadOptionsT o;
  for (int64_t p : perm) {
    o.pads_begin.push_back(p == axis ? static_cast<int32_t>(before) : 0);
    o.pads_end.push_back(p == axis ? static_cast<int32_t>(after) : 0);
  }
  o.value = value;
  l.Emit(n, schema::OpCode_PAD, {l.Tensor(activation, perm)}, n.outputs[0], perm, Lowering::Options(o));
  return true;
}

void LowerConcat(Lowering& l, const Node& n) {
  const int out = n.outputs[0];
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(l.value(out).shape.size()));
  if (LowerConcatAsPad(l, n, axis)) return;
  Perm layout = IdentityPerm(l.value(out).shape.size());
  for (int in : n.inputs) {
    if (l.IsActivation(in)) {
      layout = l.LayoutOf(in);
      break;
    }
  }
  std::vector<int32_t> inputs;
  for (int in : n.inputs) inputs.push_back(l.Tensor(in, layout));
  schema::ConcatOptionsT o;
  o.axis = PhysicalAxis(layout, axis);
  l.Emit(n, schema::OpCode_CONCAT, inputs, out, layout, Lowering::Options(o));
}

void InferSplit(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    // Variadic outputs are not optional: each piece is a value.
    if (n.outputs[i] < 0) throw ConversionError(n, "output " + std::to_string(i) + " has an empty name");
  }
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
}

bool FoldSplit(Graph& g, Node& n) {
  InferSplit(g, n);  // the pieces' shapes
  const Value& a = g.values[n.inputs[0]];
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(a.shape.size()));
  const int64_t outer = Product(Shape64(a.shape.begin(), a.shape.begin() + axis));
  const int64_t inner = Product(Shape64(a.shape.begin() + axis + 1, a.shape.end()));
  const auto data = Doubles(a);
  int64_t offset = 0;
  for (int o : n.outputs) {
    Value& piece = g.values[o];
    const int64_t run = piece.shape[axis] * inner;
    std::vector<double> d;
    for (int64_t r = 0; r < outer; ++r) {
      const auto begin = data.begin() + r * a.shape[axis] * inner + offset;
      d.insert(d.end(), begin, begin + run);
    }
    offset += run;
    SetConstant(piece, a.type, piece.shape, d);
  }
  return true;
}

void LowerSplit(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(perm.size()));
  auto kite_op = std::make_unique<schema::OperatorT>();
  kite_op->opcode = schema::OpCode_SPLIT;
  kite_op->inputs = {l.Tensor(n.inputs[0], perm)};
  for (int o : n.outputs) {
    const int t = l.NewActivation(o, perm);
    kite_op->outputs.push_back(t);
    l.Place(o, t, perm);
  }
  schema::SplitOptionsT o;
  o.axis = PhysicalAxis(perm, axis);
  kite_op->options = Lowering::Options(o);
  kite_op->source_node = n.name;
  l.builder().model().operators.push_back(std::move(kite_op));
}

void InferSlice(Graph& g, Node& n) {
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
  n.params.begin = begin;
  n.params.step = step;
  SetOutput(g, n, 0, x.type, shape);
}

bool FoldSlice(Graph& g, Node& n) {
  InferSlice(g, n);
  const Value& a = g.values[n.inputs[0]];
  Value& out = g.values[n.outputs[0]];
  const int64_t rank = static_cast<int64_t>(a.shape.size());
  std::vector<std::vector<int64_t>> picks(rank);
  for (int64_t d = 0; d < rank; ++d) {
    for (int64_t i = 0; i < out.shape[d]; ++i) picks[d].push_back(n.params.begin[d] + i * n.params.step[d]);
  }
  SetConstant(out, a.type, out.shape, Select(Doubles(a), a.shape, picks));
  return true;
}

void LowerSlice(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::SliceOptionsT o;
  for (int64_t p : perm) {
    o.begin.push_back(static_cast<int32_t>(n.params.begin[p]));
    o.step.push_back(static_cast<int32_t>(n.params.step[p]));
  }
  l.Emit(n, schema::OpCode_SLICE, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void InferPad(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const std::string mode = n.String("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") {
    throw ConversionError(n, "mode '" + mode + "' is not supported (constant, edge and reflect are)");
  }
  std::vector<int64_t> pads = n.has("pads") ? n.Ints("pads") : ConstInts(g, n, 1, "pads");
  float value = n.Float("value", 0.0f);
  if (n.has_input(2)) {
    const auto v = ConstFloats(g, n, 2, "constant_value");
    if (v.size() != 1) throw ConversionError(n, "constant_value must be one value");
    value = v[0];
  }
  const size_t rank = x.shape.size();
  if (n.has_input(3)) {
    const auto axes = ConstInts(g, n, 3, "axes");
    if (pads.size() != 2 * axes.size()) throw ConversionError(n, "pads must have 2 entries per axis");
    std::vector<int64_t> full(2 * rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t d = NormalizeAxis(n, axes[i], static_cast<int64_t>(rank));
      full[d] = pads[i];
      full[d + rank] = pads[i + axes.size()];
    }
    pads = full;
  }
  if (pads.size() != 2 * rank) throw ConversionError(n, "pads must have 2 x rank entries");
  for (size_t d = 0; mode != "constant" && d < rank; ++d) {
    // Reflect mirrors without the edge element: at most length - 1.
    const int64_t limit = mode == "reflect" ? x.shape[d] - 1 : int64_t{1} << 24;
    if (pads[d] < 0 || pads[d + rank] < 0 || pads[d] > limit || pads[d + rank] > limit) {
      throw ConversionError(n, mode + " pads of dimension " + std::to_string(d) + " must be in [0, " +
                                   std::to_string(limit) + "]");
    }
  }
  Shape64 shape = x.shape;
  for (size_t d = 0; d < rank; ++d) shape[d] += pads[d] + pads[d + rank];
  n.params.pads = pads;
  n.params.value = value;
  SetOutput(g, n, 0, x.type, shape);
}

// Edge and reflect padding, one axis at a time: Concat(the first element
// `begin` times, or the `begin` elements after it reversed; x; likewise at
// the end), the pieces Slices of x (a step of -1 reverses).
void LowerMirrorPad(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: AddIntermediate moves the graph's values
  const bool reflect = n.String("mode", "constant") == "reflect";
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const size_t rank = perm.size();
  const auto& pads = n.params.pads;
  Shape64 shape = l.value(n.inputs[0]).shape;
  std::vector<size_t> axes;
  for (size_t d = 0; d < rank; ++d) if (pads[d] + pads[d + rank] > 0) axes.push_back(d);
  if (axes.empty()) return LowerAsReshape(l, n);
  int current = n.inputs[0];
  for (size_t k = 0; k < axes.size(); ++k) {
    const size_t d = axes[k];
    const int64_t length = shape[d];
    const auto piece = [&](int64_t begin, int64_t step, int64_t count, const char* what) {
      Shape64 s = shape;
      s[d] = count;
      const int v = l.AddIntermediate(out, out.name + "/" + what + std::to_string(d), s);
      schema::SliceOptionsT o;
      for (int64_t p : perm) {
        o.begin.push_back(p == static_cast<int64_t>(d) ? static_cast<int32_t>(begin) : 0);
        o.step.push_back(p == static_cast<int64_t>(d) ? static_cast<int32_t>(step) : 1);
      }
      l.Emit(n, schema::OpCode_SLICE, {l.Tensor(current, perm)}, v, perm, Lowering::Options(o));
      return l.Tensor(v, perm);
    };
    std::vector<int32_t> inputs;
    if (pads[d] > 0) {
      if (reflect) inputs.push_back(piece(pads[d], -1, pads[d], "before"));
      else inputs.insert(inputs.end(), static_cast<size_t>(pads[d]), piece(0, 1, 1, "before"));
    }
    inputs.push_back(l.Tensor(current, perm));
    if (pads[d + rank] > 0) {
      if (reflect) inputs.push_back(piece(length - 2, -1, pads[d + rank], "after"));
      else inputs.insert(inputs.end(), static_cast<size_t>(pads[d + rank]), piece(length - 1, 1, 1, "after"));
    }
    shape[d] += pads[d] + pads[d + rank];
    const int next = k + 1 == axes.size() ? n.outputs[0] : l.AddIntermediate(out, out.name + "/padded" + std::to_string(d), shape);
    schema::ConcatOptionsT o;
    o.axis = PhysicalAxis(perm, static_cast<int64_t>(d));
    l.Emit(n, schema::OpCode_CONCAT, inputs, next, perm, Lowering::Options(o));
    current = next;
  }
}

void LowerPad(Lowering& l, const Node& n) {
  if (n.String("mode", "constant") != "constant") return LowerMirrorPad(l, n);
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const auto& pads = n.params.pads;
  const size_t rank = perm.size();
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) throw ConversionError(n, "negative pads are not supported");
  schema::PadOptionsT o;
  for (int64_t p : perm) {
    o.pads_begin.push_back(static_cast<int32_t>(pads[p]));
    o.pads_end.push_back(static_cast<int32_t>(pads[p + rank]));
  }
  o.value = n.params.value;
  l.Emit(n, schema::OpCode_PAD, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

// Trilu: the upper or lower triangle of the last two dimensions, k (a
// constant) diagonals up or down.
void InferTrilu(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  if (x.shape.size() < 2) throw ConversionError(n, "the input must have rank 2 or more");
  n.params.k = 0;
  if (n.has_input(1)) {
    const std::vector<int64_t> k = ConstInts(g, n, 1, "k");
    if (k.size() != 1) throw ConversionError(n, "k must be a scalar");
    n.params.k = k[0];
  }
  SetOutput(g, n, 0, x.type, x.shape);
}

void LowerTrilu(Lowering& l, const Node& n) {
  const Perm identity = IdentityPerm(l.value(n.inputs[0]).shape.size());
  schema::TriluOptionsT o;
  o.upper = n.Int("upper", 1) != 0;
  o.k = n.params.k;
  l.Emit(n, schema::OpCode_TRILU, {l.Tensor(n.inputs[0], identity)}, n.outputs[0], identity, Lowering::Options(o));
}

// DepthToSpace and SpaceToDepth: a Reshape to 6-D, a Transpose, a Reshape
// back (ONNX's own definition), all moves.
void InferDepthToSpace(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  const int64_t b = n.Int("blocksize", 0);
  if (b < 1 || b > (int64_t{1} << 16)) throw ConversionError(n, "blocksize must be positive");
  const std::string mode = n.String("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") throw ConversionError(n, "mode must be DCR or CRD");
  if (x.shape[1] % (b * b) != 0) throw ConversionError(n, "the channels are not a multiple of blocksize^2");
  SetOutput(g, n, 0, x.type, {x.shape[0], x.shape[1] / (b * b), x.shape[2] * b, x.shape[3] * b});
}

void InferSpaceToDepth(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  const int64_t b = n.Int("blocksize", 0);
  if (b < 1 || b > (int64_t{1} << 16)) throw ConversionError(n, "blocksize must be positive");
  if (x.shape[2] % b != 0 || x.shape[3] % b != 0) throw ConversionError(n, "H and W are not multiples of blocksize");
  SetOutput(g, n, 0, x.type, {x.shape[0], x.shape[1] * b * b, x.shape[2] / b, x.shape[3] / b});
}

void LowerBlockRearrangement(Lowering& l, const Node& n) {
  const Value x = l.value(n.inputs[0]);  // a copy: adding values moves the graph's
  const int64_t b = n.Int("blocksize", 1), N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  Shape64 split;
  std::vector<int32_t> perm;
  if (n.op_type == "SpaceToDepth") {
    split = {N, C, H / b, b, W / b, b};
    perm = {0, 3, 5, 1, 2, 4};
  } else if (n.String("mode", "DCR") == "DCR") {
    split = {N, b, b, C / (b * b), H, W};
    perm = {0, 3, 4, 1, 5, 2};
  } else {
    split = {N, C / (b * b), b, b, H, W};
    perm = {0, 1, 4, 2, 5, 3};
  }
  Shape64 moved(6);
  for (size_t d = 0; d < 6; ++d) moved[d] = split[perm[d]];
  const int six = l.AddIntermediate(x, x.name + "/blocks", split);
  const int rearranged = l.AddIntermediate(x, x.name + "/blocks_moved", moved);
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(n.inputs[0], IdentityPerm(4))}, six, IdentityPerm(6),
         Lowering::Options(schema::ReshapeOptionsT{}));
  schema::TransposeOptionsT o;
  o.perm = perm;
  l.Emit(n, schema::OpCode_TRANSPOSE, {l.PlacedTensor(six)}, rearranged, IdentityPerm(6), Lowering::Options(o));
  l.Emit(n, schema::OpCode_RESHAPE, {l.PlacedTensor(rearranged)}, n.outputs[0], IdentityPerm(4),
         Lowering::Options(schema::ReshapeOptionsT{}));
}

void ExportTranspose(QdqEmitter& q, const Node& n, const std::string& out) {
  QdqEmitter::SetInts(q.AddNode("Transpose", n.name, {q.Read(n.inputs[0])}, {out}), "perm", n.Ints("perm"));
}

void ExportConcat(QdqEmitter& q, const Node& n, const std::string& out) {
  std::vector<std::string> in;
  for (int v : n.inputs) in.push_back(q.Read(v));
  QdqEmitter::SetInt(q.AddNode("Concat", n.name, in, {out}), "axis", n.Int("axis", 0));
}

// Every output under the name its readers use: `out` is the first's.
void ExportSplit(QdqEmitter& q, const Node& n, const std::string& out) {
  const Graph& g = q.graph();
  int64_t axis = n.Int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(g.values[n.inputs[0]].shape.size());
  std::vector<int64_t> sizes;
  std::vector<std::string> outs;
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    sizes.push_back(g.values[n.outputs[i]].shape[axis]);
    outs.push_back(i == 0 ? out : q.Written(n.outputs[i]));
  }
  QdqEmitter::SetInt(q.AddNode("Split", n.name, {q.Read(n.inputs[0]), q.IntsConstant(n.name + "/split", sizes)}, outs), "axis", axis);
}

void ExportSlice(QdqEmitter& q, const Node& n, const std::string& out) {
  const Shape64& out_shape = q.graph().values[n.outputs[0]].shape;
  const auto& begin = n.params.begin;
  const auto& step = n.params.step;
  std::vector<int64_t> ends, axes;
  for (size_t d = 0; d < begin.size(); ++d) {
    const int64_t end = begin[d] + out_shape[d] * step[d];
    ends.push_back(end < 0 ? INT64_MIN : end);  // a negative end would count from the back
    axes.push_back(static_cast<int64_t>(d));
  }
  q.AddNode("Slice", n.name, {q.Read(n.inputs[0]), q.IntsConstant(n.name + "/starts", begin), q.IntsConstant(n.name + "/ends", ends),
                              q.IntsConstant(n.name + "/axes", axes), q.IntsConstant(n.name + "/steps", step)}, {out});
}

void ExportPad(QdqEmitter& q, const Node& n, const std::string& out) {
  q.AddNode("Pad", n.name, {q.Read(n.inputs[0]), q.IntsConstant(n.name + "/pads", n.params.pads),
                            q.FloatConstant(n.name + "/value", {}, {n.params.value})}, {out});
}

}  // namespace

const std::vector<OpRule>& DataMovementOps() {
  static const std::vector<OpRule> rules = {
      {"Reshape", InferReshape, FoldReshape, LowerAsReshape, ExportAsReshape},
      {"Flatten", InferFlatten, FoldReshape, LowerAsReshape, ExportAsReshape},
      {"Trilu", InferTrilu, nullptr, LowerTrilu},
      {"DepthToSpace", InferDepthToSpace, nullptr, LowerBlockRearrangement},
      {"SpaceToDepth", InferSpaceToDepth, nullptr, LowerBlockRearrangement},
      {"Squeeze", InferSqueeze, FoldReshape, LowerSizeOneReshape, ExportAsReshape},
      {"Unsqueeze", InferUnsqueeze, FoldReshape, LowerSizeOneReshape, ExportAsReshape},
      {"Transpose", InferTranspose, FoldTranspose, LowerTranspose, ExportTranspose},
      {"Concat", InferConcat, FoldConcat, LowerConcat, ExportConcat},
      {"Split", InferSplit, FoldSplit, LowerSplit, ExportSplit},
      {"Slice", InferSlice, FoldSlice, LowerSlice, ExportSlice},
      {"Pad", InferPad, nullptr, LowerPad, ExportPad},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

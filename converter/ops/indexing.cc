// Indexing ops that run on computed values as well as fold on constants:
// Gather (an embedding lookup, a token picked from a sequence),
// GatherElements, Where (a mask's choice), Expand (broadcasting to a shape),
// Tile, and CumSum (position ids from a mask).
#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

// Gather: data[..., indices..., ...] along `axis`.
Shape64 GatherShape(const Value& data, const Value& indices, int64_t axis) {
  Shape64 shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  return shape;
}

void InferGather(Graph& g, Node& n) {
  const Value& data = In(g, n, 0);
  const Value& indices = In(g, n, 1);
  if (data.shape.empty()) throw ConversionError(n, "the data is a scalar");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(data.shape.size()));
  if (indices.is_constant()) {
    for (int64_t i : IntsOf(indices)) {
      if (i < -data.shape[axis] || i >= data.shape[axis]) {
        throw ConversionError(n, "index " + std::to_string(i) + " is out of range for dimension " +
                                     std::to_string(data.shape[axis]));
      }
    }
  }
  n.params.axes = {axis};
  SetOutput(g, n, 0, data.type, GatherShape(data, indices, axis));
}

bool FoldGather(Graph& g, Node& n) {
  RequireInputs(n, 2);
  const Value& a = g.values[n.inputs[0]];
  const Value& idx = g.values[n.inputs[1]];
  const int64_t rank = static_cast<int64_t>(a.shape.size());
  if (rank == 0) throw ConversionError(n, "the data is a scalar");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), rank);
  std::vector<std::vector<int64_t>> picks(rank);
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis) {
      for (int64_t i : IntsOf(idx)) {
        if (i < -a.shape[d] || i >= a.shape[d]) {
          throw ConversionError(n, "index " + std::to_string(i) + " is out of range for dimension " + std::to_string(a.shape[d]));
        }
        picks[d].push_back(i < 0 ? i + a.shape[d] : i);
      }
    } else {
      for (int64_t i = 0; i < a.shape[d]; ++i) picks[d].push_back(i);
    }
  }
  SetConstant(g.values[n.outputs[0]], a.type, GatherShape(a, idx, axis), Select(Doubles(a), a.shape, picks));
  return true;
}

// In the data's row-major layout (the axis is a logical one).
void LowerGather(Lowering& l, const Node& n) {
  const size_t rank = l.value(n.inputs[0]).shape.size();
  schema::GatherOptionsT o;
  o.axis = static_cast<int32_t>(n.params.axes.at(0));
  l.Emit(n, schema::OpCode_GATHER, {l.Tensor(n.inputs[0], IdentityPerm(rank)), l.IndexTensor(n.inputs[1])},
         n.outputs[0], IdentityPerm(l.value(n.outputs[0]).shape.size()), Lowering::Options(o));
}

// GatherElements: data[..., indices[i, j, ...], ...] along `axis`, the
// output of the indices' shape.
void InferGatherElements(Graph& g, Node& n) {
  const Value& data = In(g, n, 0);
  const Value& indices = In(g, n, 1);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) throw ConversionError(n, "the data is a scalar");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), rank);
  bool fits = static_cast<int64_t>(indices.shape.size()) == rank;
  for (int64_t d = 0; fits && d < rank; ++d) fits = d == axis || indices.shape[d] == data.shape[d];
  if (!fits) {
    throw ConversionError(n, "indices " + ShapeString(indices.shape) + " must match the data " + ShapeString(data.shape) +
                                 " but along axis " + std::to_string(axis));
  }
  n.params.axes = {axis};
  SetOutput(g, n, 0, data.type, indices.shape);
}

void LowerGatherElements(Lowering& l, const Node& n) {
  const size_t rank = l.value(n.inputs[0]).shape.size();
  schema::GatherOptionsT o;
  o.axis = static_cast<int32_t>(n.params.axes.at(0));
  l.Emit(n, schema::OpCode_GATHER_ELEMENTS, {l.Tensor(n.inputs[0], IdentityPerm(rank)), l.IndexTensor(n.inputs[1])},
         n.outputs[0], IdentityPerm(rank), Lowering::Options(o));
}

// Tile: x repeated along each axis (constant repeats), as a Concat of copies
// per repeated axis, in x's layout.
void InferTile(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const std::vector<int64_t> repeats = ConstInts(g, n, 1, "repeats");
  if (repeats.size() != x.shape.size()) {
    throw ConversionError(n, std::to_string(repeats.size()) + " repeats for an input of rank " + std::to_string(x.shape.size()));
  }
  Shape64 shape = x.shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 1) throw ConversionError(n, "repeats must be at least 1 (an empty output is not supported)");
    shape[d] *= repeats[d];
  }
  SetOutput(g, n, 0, x.type, shape);
}

bool FoldTile(Graph& g, Node& n) {
  RequireInputs(n, 2);
  InferTile(g, n);  // the output shape is the rule's, never one the model declared
  const Value& x = g.values[n.inputs[0]];
  const Shape64 shape = g.values[n.outputs[0]].shape;
  FoldedElements(n, shape);
  std::vector<std::vector<int64_t>> picks(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    for (int64_t i = 0; i < shape[d]; ++i) picks[d].push_back(i % x.shape[d]);
  }
  SetConstant(g.values[n.outputs[0]], x.type, shape, Select(Doubles(x), x.shape, picks));
  return true;
}

void LowerTile(Lowering& l, const Node& n) {
  const Value out = l.value(n.outputs[0]);  // a copy: AddIntermediate moves the graph's values
  const Perm perm = l.LayoutOf(n.inputs[0]);
  Shape64 shape = l.value(n.inputs[0]).shape;
  std::vector<size_t> axes;
  for (size_t d = 0; d < shape.size(); ++d) if (out.shape[d] != shape[d]) axes.push_back(d);
  if (axes.empty()) return LowerAsReshape(l, n);
  int current = n.inputs[0];
  for (size_t k = 0; k < axes.size(); ++k) {
    const size_t d = axes[k];
    const int64_t repeats = out.shape[d] / shape[d];
    shape[d] = out.shape[d];
    const int next = k + 1 == axes.size() ? n.outputs[0]
                                          : l.AddIntermediate(out, out.name + "/tile" + std::to_string(d), shape);
    schema::ConcatOptionsT o;
    o.axis = PhysicalAxis(perm, static_cast<int64_t>(d));
    l.Emit(n, schema::OpCode_CONCAT, std::vector<int32_t>(static_cast<size_t>(repeats), l.Tensor(current, perm)), next, perm,
           Lowering::Options(o));
    current = next;
  }
}

// CumSum: running sums along a constant axis.
void InferCumSum(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const std::vector<int64_t> axis = ConstInts(g, n, 1, "axis");
  if (axis.size() != 1) throw ConversionError(n, "axis must hold one value");
  n.params.axes = {NormalizeAxis(n, axis[0], static_cast<int64_t>(x.shape.size()))};
  SetOutput(g, n, 0, x.type, x.shape);
}

void LowerCumSum(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::CumSumOptionsT o;
  o.axis = PhysicalAxis(perm, n.params.axes.at(0));
  o.exclusive = n.Int("exclusive", 0) != 0;
  o.reverse = n.Int("reverse", 0) != 0;
  l.Emit(n, schema::OpCode_CUMSUM, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

// Where: condition ? x : y, broadcast.
void InferWhere(Graph& g, Node& n) {
  const Value& c = In(g, n, 0);
  const Value& x = In(g, n, 1);
  const Value& y = In(g, n, 2);
  SetOutput(g, n, 0, x.type, Broadcast(n, Broadcast(n, c.shape, x.shape), y.shape));
}

bool FoldWhere(Graph& g, Node& n) {
  RequireInputs(n, 3);
  const Value& a = g.values[n.inputs[0]];
  const Value& x = g.values[n.inputs[1]];
  const Value& y = g.values[n.inputs[2]];
  const Shape64 shape = Broadcast(n, Broadcast(n, a.shape, x.shape), y.shape);
  FoldedElements(n, shape);
  const auto ic = BroadcastIndices(a.shape, shape), ix = BroadcastIndices(x.shape, shape), iy = BroadcastIndices(y.shape, shape);
  const auto c = Doubles(a), dx = Doubles(x), dy = Doubles(y);
  std::vector<double> data;
  for (size_t i = 0; i < ic.size(); ++i) data.push_back(c[ic[i]] != 0 ? dx[ix[i]] : dy[iy[i]]);
  SetConstant(g.values[n.outputs[0]], x.type, shape, data);
  return true;
}

// In the layout of a full-rank activation input, as binary ops are.
void LowerWhere(Lowering& l, const Node& n) {
  const size_t rank = l.value(n.outputs[0]).shape.size();
  Perm perm = IdentityPerm(rank);
  for (int v : n.inputs) {
    if (l.IsActivation(v) && l.value(v).shape.size() == rank) {
      perm = l.LayoutOf(v);
      break;
    }
  }
  std::vector<int32_t> inputs;
  for (int v : n.inputs) inputs.push_back(l.TensorPadded(v, rank, perm));
  l.Emit(n, schema::OpCode_WHERE, std::move(inputs), n.outputs[0], perm);
}

// Expand: x broadcast to (x's shape broadcast with) a constant shape.
void InferExpand(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  SetOutput(g, n, 0, x.type, Broadcast(n, x.shape, ConstInts(g, n, 1, "shape")));
}

bool FoldExpand(Graph& g, Node& n) {
  RequireInputs(n, 2);
  const Value& a = g.values[n.inputs[0]];
  const Shape64 shape = Broadcast(n, a.shape, IntsOf(g.values[n.inputs[1]]));
  FoldedElements(n, shape);
  const auto idx = BroadcastIndices(a.shape, shape);
  const auto d = Doubles(a);
  std::vector<double> data;
  for (int64_t i : idx) data.push_back(d[i]);
  SetConstant(g.values[n.outputs[0]], a.type, shape, data);
  return true;
}

// x + 0, the zeros spanning only the dimensions x is broadcast along: Add
// broadcasts (and has an int8 form), and the constant stays output / x.
void LowerExpand(Lowering& l, const Node& n) {
  const Value x = l.value(n.inputs[0]);  // a copy: AddConstant may move the graph's values
  const Shape64 out = l.value(n.outputs[0]).shape;
  if (x.shape == out) return LowerAsReshape(l, n);
  Shape64 zeros_shape(out.size(), 1);
  const size_t lead = out.size() - x.shape.size();
  for (size_t d = 0; d < out.size(); ++d) {
    const int64_t xd = d < lead ? 1 : x.shape[d - lead];
    if (xd == 1) zeros_shape[d] = out[d];
  }
  const int zeros = l.AddConstant(n.name + "/zeros", zeros_shape,
                                  std::vector<float>(static_cast<size_t>(ShapeElements(zeros_shape)), 0.0f));
  LowerBinary(l, n, schema::OpCode_ADD, n.inputs[0], zeros, n.outputs[0], {-INFINITY, INFINITY});
}

void ExportGather(QdqEmitter& q, const Node& n, const std::string& out) {
  QdqEmitter::SetInt(q.AddNode(n.op_type, n.name, {q.Read(n.inputs[0]), q.Read(n.inputs[1])}, {out}), "axis", n.Int("axis", 0));
}

}  // namespace

const std::vector<OpRule>& IndexingOps() {
  static const std::vector<OpRule> rules = {
      {"Gather", InferGather, FoldGather, LowerGather, ExportGather},
      {"Where", InferWhere, FoldWhere, LowerWhere},
      {"Expand", InferExpand, FoldExpand, LowerExpand},
      {"GatherElements", InferGatherElements, nullptr, LowerGatherElements, ExportGather},
      {"Tile", InferTile, FoldTile, LowerTile},
      {"CumSum", InferCumSum, nullptr, LowerCumSum},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

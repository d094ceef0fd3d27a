#include "lower/lower_to_kite.h"

#include <algorithm>
#include <climits>
#include <numeric>

#include "loader/model.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"

namespace kite {
namespace converter {

Perm IdentityPerm(size_t rank) {
  Perm p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

const Perm kNhwc = {0, 2, 3, 1};

std::vector<int32_t> To32(const Shape64& s) {
  bool ok = s.size() <= KITE_MAX_RANK;
  for (int64_t d : s) ok = ok && d >= 1 && d <= INT32_MAX;
  if (!ok || static_cast<uint64_t>(ShapeElements(s)) * sizeof(float) > kMaxTensorBytes) {
    throw ConversionError("a tensor of shape " + ShapeString(s) +
                          " cannot be a Kite tensor (rank 0 to 6, dimensions at least 1, at most 2 GiB)");
  }
  return std::vector<int32_t>(s.begin(), s.end());
}

Shape64 Physical(const Shape64& logical, const Perm& perm) {
  Shape64 s;
  for (int64_t p : perm) s.push_back(logical[p]);
  return s;
}

int32_t PhysicalAxis(const Perm& perm, int64_t logical_axis) {
  return static_cast<int32_t>(std::find(perm.begin(), perm.end(), logical_axis) - perm.begin());
}


LoweringStats Lowering::Run() {
  for (int in : g_.inputs) {
    const Value& v = g_.values[in];
    if (v.type != ElementType::kFloat) throw ConversionError("graph input '" + v.name + "' is not float32");
    Place(in, b_.Input(v.name, schema::DataType_FLOAT32, To32(v.shape)), IdentityPerm(v.shape.size()));
  }
  for (const Node& n : g_.nodes) {
    if (!n.removed) Lower(n);
  }
  std::vector<int> used;
  for (const auto& entry : b_.model().inputs) used.push_back(entry->tensor);
  for (size_t i = 0; i < g_.outputs.size(); ++i) {
    const int out = g_.outputs[i];
    const Value& v = g_.values[out];
    const std::string& name = i < g_.output_names.size() ? g_.output_names[i] : v.name;
    // An int64 constant output (a folded Shape or Size) keeps its type.
    const bool int64_constant = v.is_constant() && v.type == ElementType::kInt64;
    const schema::DataType type = v.type == ElementType::kInt64 ? schema::DataType_INT64 : schema::DataType_FLOAT32;
    int t = int64_constant ? b_.Constant(v.name, type, To32(v.shape), v.constant->ints)
                           : Tensor(out, IdentityPerm(v.shape.size()));
    // A graph output must be computed into its own tensor: copy one that is
    // a constant (a fully folded graph), a graph input or another output.
    if (v.is_constant() || std::find(used.begin(), used.end(), t) != used.end()) {
      const int copy = b_.Tensor(name, type, To32(v.shape));
      b_.Op(schema::OpCode_RESHAPE, {t}, {copy}, schema::ReshapeOptionsT{}, name + "/copy");
      t = copy;
    }
    used.push_back(t);
    b_.model().tensors[t]->name = name;
    b_.Output(t);
  }
  return stats_;
}

void Lowering::Lower(const Node& n) {
  const OpRule* rule = FindOpRule(n.op_type);
  if (rule == nullptr || rule->lower == nullptr) throw ConversionError(n, "operator " + n.op_type + " is not supported by Kite");
  rule->lower(*this, n);
}

void Lowering::Place(int value, int tensor, const Perm& perm) {
  primary_[value] = {tensor, perm};
  variants_[{value, perm}] = tensor;
}

Perm Lowering::LayoutOf(int value) const {
  auto it = primary_.find(value);
  return it != primary_.end() ? it->second.perm : IdentityPerm(g_.values[value].shape.size());
}

int Lowering::NewActivation(int value, const Perm& perm, const std::string& suffix) {
  const Value& v = g_.values[value];
  // Computed values are float32, but for indices (ArgMax); a boolean is
  // computed as float 0/1 (Equal).
  const schema::DataType type = v.type == ElementType::kInt64 ? schema::DataType_INT64 : schema::DataType_FLOAT32;
  return b_.Tensor(v.name + suffix, type, To32(Physical(v.shape, perm)));
}

int Lowering::Tensor(int value, const Perm& perm) {
  auto it = variants_.find({value, perm});
  if (it != variants_.end()) return it->second;
  const Value& v = g_.values[value];
  int t;
  if (v.is_constant()) {
    if (v.type != ElementType::kFloat) {
      throw ConversionError("constant '" + v.name + "' is not float32 where Kite needs its data");
    }
    t = b_.Constant(v.name, schema::DataType_FLOAT32, To32(Physical(v.shape, perm)),
                    TransposeData(v.constant->floats, v.shape, perm));
  } else {
    auto from = primary_.find(value);
    if (from == primary_.end()) throw ConversionError("value '" + v.name + "' is read before it is computed");
    schema::TransposeOptionsT o;
    for (int64_t p : perm) o.perm.push_back(PhysicalAxis(from->second.perm, p));
    t = NewActivation(value, perm, "/transposed");
    b_.Op(schema::OpCode_TRANSPOSE, {from->second.tensor}, {t}, o, v.name + "/layout");
    ++stats_.transposes_inserted;
  }
  variants_[{value, perm}] = t;
  return t;
}

int Lowering::TensorPadded(int value, size_t rank, const Perm& perm) {
  const Value& v = g_.values[value];
  if (v.shape.size() == rank) return Tensor(value, perm);
  if (perm == IdentityPerm(rank)) return Tensor(value, IdentityPerm(v.shape.size()));  // numpy broadcasting aligns right
  // Give the value the full rank first (a reshape), then lay it out.
  Value padded = v;
  padded.name = v.name + "/rank" + std::to_string(rank);
  padded.shape.insert(padded.shape.begin(), rank - v.shape.size(), 1);
  padded.producer = -1;
  const int id = g_.AddValue(padded);
  if (IsActivation(value)) {
    const int t = b_.Tensor(padded.name, schema::DataType_FLOAT32, To32(padded.shape));
    b_.Op(schema::OpCode_RESHAPE, {Tensor(value, IdentityPerm(v.shape.size()))}, {t}, schema::ReshapeOptionsT{},
          padded.name);
    Place(id, t, IdentityPerm(rank));
  }
  return Tensor(id, perm);
}

int Lowering::AddConstant(const std::string& name, Shape64 shape, std::vector<float> data) {
  Value v;
  v.name = name;
  v.shape = std::move(shape);
  v.shape_known = true;
  v.constant = ConstantData{std::move(data), {}};
  return g_.AddValue(std::move(v));
}

int Lowering::AddIntermediate(const Value& like, const std::string& name, Shape64 shape) {
  Value v = like;
  v.name = name;
  v.shape = std::move(shape);
  v.constant.reset();
  v.producer = -1;
  return g_.AddValue(std::move(v));
}

void Lowering::Emit(const Node& n, schema::OpCode op, std::vector<int32_t> inputs, int out_value, const Perm& perm,
                    schema::OpOptionsUnion options) {
  const int t = NewActivation(out_value, perm);
  auto kite_op = std::make_unique<schema::OperatorT>();
  kite_op->opcode = op;
  kite_op->inputs = std::move(inputs);
  kite_op->outputs = {t};
  kite_op->options = std::move(options);
  kite_op->source_node = n.name;
  b_.model().operators.push_back(std::move(kite_op));
  Place(out_value, t, perm);
}

void LowerBinary(Lowering& l, const Node& n, schema::OpCode opcode, int a, int b, int out, std::pair<float, float> act) {
  const size_t rank = l.value(out).shape.size();
  Perm perm = IdentityPerm(rank);
  for (int v : {a, b}) {
    if (l.IsActivation(v) && l.value(v).shape.size() == rank) {
      perm = l.LayoutOf(v);
      break;
    }
  }
  schema::BinaryOptionsT o;
  o.activation_min = act.first;
  o.activation_max = act.second;
  l.Emit(n, opcode, {l.TensorPadded(a, rank, perm), l.TensorPadded(b, rank, perm)}, out, perm, Lowering::Options(o));
}

// Same data, new shape: Identity, Dropout, Cast to float, Reshape and friends.
void LowerAsReshape(Lowering& l, const Node& n) {
  const size_t rank = l.value(n.inputs[0]).shape.size();
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(n.inputs[0], IdentityPerm(rank))}, n.outputs[0],
         IdentityPerm(l.value(n.outputs[0]).shape.size()), Lowering::Options(schema::ReshapeOptionsT{}));
}

// Squeeze and Unsqueeze only add or drop dimensions of size 1: the bytes of
// the input in its layout are the output's in a layout that keeps the other
// dimensions' physical order, so the Reshape needs no Transpose before it.
// Prefers NHWC for rank 4, then the identity; constant inputs and other
// reshapes go through LowerAsReshape.
void LowerSizeOneReshape(Lowering& l, const Node& n) {
  const Value& x = l.value(n.inputs[0]);
  const Shape64& out = l.value(n.outputs[0]).shape;
  std::vector<int64_t> in_big, out_big;  // the dimensions other than 1, logical order
  for (size_t d = 0; d < x.shape.size(); ++d) if (x.shape[d] != 1) in_big.push_back(static_cast<int64_t>(d));
  for (size_t d = 0; d < out.size(); ++d) if (out[d] != 1) out_big.push_back(static_cast<int64_t>(d));
  bool same = in_big.size() == out_big.size() && !x.is_constant();
  for (size_t k = 0; same && k < in_big.size(); ++k) same = x.shape[in_big[k]] == out[out_big[k]];
  if (!same) return LowerAsReshape(l, n);
  const Perm in_perm = l.LayoutOf(n.inputs[0]);
  // The output's big dimensions in the input's physical order.
  std::vector<int64_t> order;
  for (int64_t logical : in_perm) {
    const auto it = std::find(in_big.begin(), in_big.end(), logical);
    if (it != in_big.end()) order.push_back(out_big[it - in_big.begin()]);
  }
  const auto keeps_order = [&](const Perm& p) {
    std::vector<int64_t> big;
    for (int64_t logical : p) if (out[logical] != 1) big.push_back(logical);
    return big == order;
  };
  Perm perm = IdentityPerm(out.size());
  if (out.size() == 4 && keeps_order(kNhwc)) {
    perm = kNhwc;
  } else if (!keeps_order(perm)) {
    perm.clear();
    for (size_t d = 0; d < out.size(); ++d) if (out[d] == 1) perm.push_back(static_cast<int64_t>(d));
    perm.insert(perm.end(), order.begin(), order.end());
  }
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(n.inputs[0], in_perm)}, n.outputs[0], perm,
         Lowering::Options(schema::ReshapeOptionsT{}));
}

LoweringStats LowerToKite(const Graph& graph, ModelBuilder& builder) {
  return Lowering(graph, builder).Run();
}

}  // namespace converter
}  // namespace kite

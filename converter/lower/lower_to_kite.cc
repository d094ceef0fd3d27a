#include "lower/lower_to_kite.h"

#include <algorithm>
#include <climits>
#include <numeric>

#include "loader/model.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {

Perm IdentityPerm(size_t rank) {
  Perm p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

const Perm kNhwc = {0, 2, 3, 1};

std::vector<int32_t> To32(const Shape64& s, schema::DataType type) {
  bool ok = s.size() <= KITE_MAX_RANK;
  for (int64_t d : s) ok = ok && d >= 1 && d <= INT32_MAX;
  if (!ok || static_cast<uint64_t>(ShapeElements(s)) * DtypeBytes(type) > kMaxTensorBytes) {
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


namespace {

bool IsNative(schema::DataType type) {
  return type == schema::DataType_INT32 || type == schema::DataType_INT64 || type == schema::DataType_UINT8 ||
         type == schema::DataType_BOOL;
}

// The Kite dtype of a graph input or output: its declared ONNX type, else
// how the converter computes it. Throws for the types Kite has no tensor of.
schema::DataType EdgeType(const Value& v, const char* what) {
  switch (v.onnx_type) {
    case onnx_type::kUndefined: break;
    case onnx_type::kFloat:
    case onnx_type::kDouble: return schema::DataType_FLOAT32;  // double is fed as float32 (kite run converts)
    case onnx_type::kUint8: return schema::DataType_UINT8;
    case onnx_type::kInt32: return schema::DataType_INT32;
    case onnx_type::kInt64: return schema::DataType_INT64;
    case onnx_type::kBool: return schema::DataType_BOOL;
    default:
      throw ConversionError(std::string(what) + " '" + v.name + "' has ONNX data type " + std::to_string(v.onnx_type) +
                            "; Kite's graph inputs and outputs are float32, uint8, int32, int64 or bool");
  }
  if (v.type == ElementType::kInt64) return schema::DataType_INT64;
  if (v.type == ElementType::kBool) return schema::DataType_BOOL;
  return schema::DataType_FLOAT32;
}

}  // namespace

LoweringStats Lowering::Run() {
  for (int in : g_.inputs) {
    const Value& v = g_.values[in];
    const schema::DataType type = EdgeType(v, "graph input");
    Place(in, b_.Input(v.name, type, To32(v.shape, type)), IdentityPerm(v.shape.size()));
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
    const schema::DataType type = EdgeType(v, "graph output");
    int t;
    if (v.is_constant() && type != schema::DataType_FLOAT32) {  // a folded Shape or Size, a constant mask
      std::vector<int64_t> ints = v.constant->ints;
      if (v.type == ElementType::kFloat) for (float f : v.constant->floats) ints.push_back(CheckedInt64(f, "graph output '" + name + "'"));
      t = type == schema::DataType_INT64 ? b_.Constant(v.name, type, To32(v.shape, type), ints)
          : type == schema::DataType_INT32 ? b_.Constant(v.name, type, To32(v.shape, type), std::vector<int32_t>(ints.begin(), ints.end()))
                                           : b_.Constant(v.name, type, To32(v.shape, type), std::vector<uint8_t>(ints.begin(), ints.end()));
    } else {
      t = type == schema::DataType_FLOAT32 ? Tensor(out, IdentityPerm(v.shape.size())) : CastTo(out, type, name);
    }
    // A graph output must be computed into its own tensor: copy one that is
    // a constant (a fully folded graph), a graph input or another output.
    if (v.is_constant() || std::find(used.begin(), used.end(), t) != used.end()) {
      const int copy = b_.Tensor(name, type, To32(v.shape, type));
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
  if (IsNative(b_.model().tensors[tensor]->type)) {
    native_[value] = {tensor, perm};
    return;
  }
  primary_[value] = {tensor, perm};
  variants_[{value, perm}] = tensor;
}

Perm Lowering::LayoutOf(int value) const {
  auto it = primary_.find(value);
  if (it != primary_.end()) return it->second.perm;
  it = native_.find(value);
  return it != native_.end() ? it->second.perm : IdentityPerm(g_.values[value].shape.size());
}

int Lowering::NewActivation(int value, const Perm& perm, const std::string& suffix, schema::DataType type) {
  const Value& v = g_.values[value];
  return b_.Tensor(v.name + suffix, type, To32(Physical(v.shape, perm), type));
}

int Lowering::Tensor(int value, const Perm& perm) {
  auto it = variants_.find({value, perm});
  if (it != variants_.end()) return it->second;
  const Value& v = g_.values[value];
  const auto native = native_.find(value);
  if (!v.is_constant() && primary_.count(value) == 0 && native != native_.end()) {
    // The float32 form of a native integer value, cast once in its layout.
    const int f = NewActivation(value, native->second.perm, "/float");
    b_.Op(schema::OpCode_CAST, {native->second.tensor}, {f}, nullptr, v.name + "/cast");
    Place(value, f, native->second.perm);
    return Tensor(value, perm);
  }
  int t;
  if (v.is_constant()) {
    std::vector<float> data = v.constant->floats;
    if (v.type != ElementType::kFloat) {
      // Integers and booleans computed as float32 are exact up to 2^24.
      for (int64_t x : v.constant->ints) {
        if (x > (int64_t{1} << 24) || x < -(int64_t{1} << 24)) {
          throw ConversionError("constant '" + v.name + "' holds the integer " + std::to_string(x) +
                                ", which float32 does not hold exactly (Kite computes integers as float32)");
        }
        data.push_back(static_cast<float>(x));
      }
    }
    t = b_.Constant(v.name, schema::DataType_FLOAT32, To32(Physical(v.shape, perm)), TransposeData(data, v.shape, perm));
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

int Lowering::IndexTensor(int value) {
  const Value& v = g_.values[value];
  const Perm identity = IdentityPerm(v.shape.size());
  if (v.is_constant() && v.type == ElementType::kInt64) {
    return b_.Constant(v.name, schema::DataType_INT64, To32(v.shape, schema::DataType_INT64), v.constant->ints);
  }
  const auto native = native_.find(value);
  if (native != native_.end() && native->second.perm == identity) {
    const schema::DataType type = b_.model().tensors[native->second.tensor]->type;
    if (type == schema::DataType_INT32 || type == schema::DataType_INT64) return native->second.tensor;
  }
  return Tensor(value, identity);
}

int Lowering::CastTo(int value, schema::DataType type, const std::string& name) {
  const Value& v = g_.values[value];
  const Perm identity = IdentityPerm(v.shape.size());
  const auto native = native_.find(value);
  int from;
  if (native != native_.end() && native->second.perm == identity) {
    from = native->second.tensor;
    if (b_.model().tensors[from]->type == type) return from;
  } else {
    from = Tensor(value, identity);
  }
  const int t = b_.Tensor(name + "/" + schema::EnumNameDataType(type), type, To32(v.shape, type));
  b_.Op(schema::OpCode_CAST, {from}, {t}, nullptr, name + "/cast");
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
                    schema::OpOptionsUnion options, schema::DataType type) {
  const int t = NewActivation(out_value, perm, "", type);
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

// Reductions over a set of axes: ReduceMean runs in int8 too, the others in
// float (their int8 form is not specified); ArgMax and ArgMin.
#include <algorithm>

#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

void InferReduce(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> axes = AxesParam(g, n, 1);
  if (rank == 0) throw ConversionError(n, "the input is a scalar: Kite reduces tensors of rank 1 to 6");
  if (axes.empty() && n.Int("noop_with_empty_axes", 0) != 0) {  // an identity
    n.params.axes.clear();
    return SetOutput(g, n, 0, x.type, x.shape);
  }
  if (axes.empty()) for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  for (auto& a : axes) a = NormalizeAxis(n, a, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());  // ONNX lists each axis once
  n.params.axes = axes;
  Shape64 shape;
  const bool keep = n.Int("keepdims", 1) != 0;
  for (int64_t d = 0; d < rank; ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!reduced) shape.push_back(x.shape[d]);
    else if (keep) shape.push_back(1);
  }
  SetOutput(g, n, 0, x.type, shape);
}

template <schema::OpCode kCode>
void LowerReduce(Lowering& l, const Node& n) {
  if (n.params.axes.empty()) return LowerAsReshape(l, n);  // noop_with_empty_axes
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const bool keep = n.Int("keepdims", 1) != 0;
  const Perm layout = keep ? perm : IdentityPerm(perm.size());
  schema::ReduceOptionsT o;
  for (int64_t a : n.params.axes) o.axes.push_back(PhysicalAxis(layout, a));
  l.Emit(n, kCode, {l.Tensor(n.inputs[0], layout)}, n.outputs[0],
         keep ? layout : IdentityPerm(l.value(n.outputs[0]).shape.size()), Lowering::Options(o));
}

// ArgMax, ArgMin: int64 indices along one axis.
void InferArg(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) throw ConversionError(n, "the input is a scalar");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), rank);
  n.params.axes = {axis};
  Shape64 shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis) shape.push_back(x.shape[d]);
    else if (n.Int("keepdims", 1) != 0) shape.push_back(1);
  }
  SetOutput(g, n, 0, ElementType::kInt64, shape);
}

template <schema::OpCode kCode>
void LowerArg(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  const bool keep = n.Int("keepdims", 1) != 0;
  const Perm layout = keep ? perm : IdentityPerm(perm.size());
  schema::ArgOptionsT o;
  o.axis = PhysicalAxis(layout, n.params.axes[0]);
  o.select_last_index = n.Int("select_last_index", 0) != 0;
  l.Emit(n, kCode, {l.Tensor(n.inputs[0], layout)}, n.outputs[0],
         keep ? layout : IdentityPerm(l.value(n.outputs[0]).shape.size()), Lowering::Options(o), schema::DataType_INT64);
}

void ExportArg(QdqEmitter& q, const Node& n, const std::string& out) {
  onnx::NodeProto* node = q.AddNode(n.op_type, n.name, {q.Read(n.inputs[0])}, {out});
  QdqEmitter::SetInt(node, "axis", n.Int("axis", 0));
  QdqEmitter::SetInt(node, "keepdims", n.Int("keepdims", 1));
  QdqEmitter::SetInt(node, "select_last_index", n.Int("select_last_index", 0));
}

void ExportReduceMean(QdqEmitter& q, const Node& n, const std::string& out) {
  onnx::NodeProto* node = q.AddNode("ReduceMean", n.name, {q.Read(n.inputs[0])}, {out});
  QdqEmitter::SetInts(node, "axes", n.params.axes);
  QdqEmitter::SetInt(node, "keepdims", n.Int("keepdims", 1));
}

}  // namespace

const std::vector<OpRule>& ReduceOps() {
  static const std::vector<OpRule> rules = {
      {"ArgMax", InferArg, nullptr, LowerArg<schema::OpCode_ARG_MAX>, ExportArg},
      {"ArgMin", InferArg, nullptr, LowerArg<schema::OpCode_ARG_MIN>, ExportArg},
      {"ReduceMean", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_MEAN>, ExportReduceMean},
      {"ReduceMax", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_MAX>},
      {"ReduceMin", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_MIN>},
      {"ReduceSum", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_SUM>},
      {"ReduceProd", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_PROD>},
      {"ReduceL1", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_L1>},
      {"ReduceL2", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_L2>},
      {"ReduceSumSquare", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_SUM_SQUARE>},
      {"ReduceLogSum", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_LOG_SUM>},
      {"ReduceLogSumExp", InferReduce, nullptr, LowerReduce<schema::OpCode_REDUCE_LOG_SUM_EXP>},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

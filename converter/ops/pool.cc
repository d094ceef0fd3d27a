// MaxPool, AveragePool and GlobalAveragePool over 2-D NCHW inputs (1-D ones
// are lifted to 2-D: passes/lift_1d.cc): Kite's pools run in NHWC.
// GlobalMaxPool of any rank is a REDUCE_MAX.
#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

void InferPool(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  if (n.op_type == "MaxPool" && OutputIsRead(g, n, 1)) throw ConversionError(n, "the Indices output is not supported");
  if (n.Int("storage_order", 0) != 0) throw ConversionError(n, "storage_order 1 is not supported");
  const auto kernel = n.Ints("kernel_shape");
  if (kernel.size() != 2) throw ConversionError(n, "kernel_shape must have 2 entries");
  auto [oh, ow] = WindowOutput(n, x.shape[2], x.shape[3], kernel[0], kernel[1], n.Int("ceil_mode", 0) != 0);
  SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], x.shape[1], oh, ow});
}

void LowerPool(Lowering& l, const Node& n) {
  const auto kernel = n.Ints("kernel_shape");
  const NodeParams& p = n.params;
  schema::Pool2DOptionsT o;
  o.kernel_h = kernel[0]; o.kernel_w = kernel[1];
  o.stride_h = p.strides[0]; o.stride_w = p.strides[1];
  o.dilation_h = p.dilations[0]; o.dilation_w = p.dilations[1];
  o.pad_top = p.pads[0]; o.pad_left = p.pads[1]; o.pad_bottom = p.pads[2]; o.pad_right = p.pads[3];
  o.count_include_pad = n.Int("count_include_pad", 0) != 0;
  if (o.count_include_pad && n.Int("ceil_mode", 0) != 0) {
    throw ConversionError(n, "count_include_pad with ceil_mode is not supported");
  }
  l.Emit(n, n.op_type == "MaxPool" ? schema::OpCode_MAX_POOL_2D : schema::OpCode_AVERAGE_POOL_2D,
         {l.Tensor(n.inputs[0], kNhwc)}, n.outputs[0], kNhwc, Lowering::Options(o));
}

void InferGlobalAveragePool(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], x.shape[1], 1, 1});
}

void LowerGlobalAveragePool(Lowering& l, const Node& n) {
  l.Emit(n, schema::OpCode_GLOBAL_AVERAGE_POOL, {l.Tensor(n.inputs[0], kNhwc)}, n.outputs[0], kNhwc);
}

// GlobalMaxPool over the spatial axes of [N, C, D1, ...]: a REDUCE_MAX that
// keeps them as 1 (float; any rank from 3).
void InferGlobalMaxPool(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  if (x.shape.size() < 3) throw ConversionError(n, "the input must have rank 3 or more ([N, C, D1, ...])");
  n.params.axes.clear();
  Shape64 shape = x.shape;
  for (size_t d = 2; d < shape.size(); ++d) {
    n.params.axes.push_back(static_cast<int64_t>(d));
    shape[d] = 1;
  }
  SetOutput(g, n, 0, x.type, shape);
}

void LowerGlobalMaxPool(Lowering& l, const Node& n) {
  const Perm perm = l.LayoutOf(n.inputs[0]);
  schema::ReduceOptionsT o;
  for (int64_t a : n.params.axes) o.axes.push_back(PhysicalAxis(perm, a));
  l.Emit(n, schema::OpCode_REDUCE_MAX, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
}

void ExportPool(QdqEmitter& q, const Node& n, const std::string& out) {
  onnx::NodeProto* node = q.AddNode(n.op_type, n.name, {q.Read(n.inputs[0])}, {out});
  QdqEmitter::SetInts(node, "kernel_shape", n.Ints("kernel_shape"));
  QdqEmitter::SetInts(node, "strides", n.params.strides);
  QdqEmitter::SetInts(node, "pads", n.params.pads);
  if (n.op_type == "AveragePool") QdqEmitter::SetInt(node, "count_include_pad", n.Int("count_include_pad", 0));
}

}  // namespace

const std::vector<OpRule>& PoolOps() {
  static const std::vector<OpRule> rules = {
      {"MaxPool", InferPool, nullptr, LowerPool, ExportPool},
      {"AveragePool", InferPool, nullptr, LowerPool, ExportPool},
      {"GlobalAveragePool", InferGlobalAveragePool, nullptr, LowerGlobalAveragePool, ExportSameOp},
      {"GlobalMaxPool", InferGlobalMaxPool, nullptr, LowerGlobalMaxPool},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

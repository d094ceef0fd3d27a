// BatchNormalization that no Conv absorbed (a per-channel Mul and Add),
// LayerNormalization and InstanceNormalization (Kite's NORMALIZE), Softmax
// and LogSoftmax.
#include <cmath>

#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

// y = x * scale + shift, per channel (dimension 1).
void LowerBatchNorm(Lowering& l, const Node& n) {
  for (int i = 1; i <= 4; ++i) {
    if (!n.has_input(i) || !l.value(n.inputs[i]).is_constant() || l.value(n.inputs[i]).type != ElementType::kFloat) {
      throw ConversionError(n, "scale, bias, mean and variance must be float constants");
    }
  }
  const auto& gamma = l.value(n.inputs[1]).constant->floats;
  const auto& beta = l.value(n.inputs[2]).constant->floats;
  const auto& mean = l.value(n.inputs[3]).constant->floats;
  const auto& var = l.value(n.inputs[4]).constant->floats;
  const size_t rank = l.value(n.inputs[0]).shape.size();
  const int64_t channels = rank > 1 ? l.value(n.inputs[0]).shape[1] : 1;
  for (const auto* p : {&gamma, &beta, &mean, &var}) {
    if (static_cast<int64_t>(p->size()) != channels) throw ConversionError(n, "the parameters must have one value per channel");
  }
  const float eps = Epsilon(n, 1e-5f);
  std::vector<float> scale(gamma.size()), shift(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    scale[c] = gamma[c] / std::sqrt(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  Shape64 shape(rank, 1);
  if (rank > 1) shape[1] = channels;
  const int s = l.AddConstant(n.name + "/scale", shape, scale);
  const int h = l.AddConstant(n.name + "/shift", shape, shift);
  const Value& out = l.value(n.outputs[0]);
  const int mid = l.AddIntermediate(out, out.name + "/scaled", out.shape);
  LowerBinary(l, n, schema::OpCode_MUL, n.inputs[0], s, mid, {-INFINITY, INFINITY});
  LowerBinary(l, n, schema::OpCode_ADD, mid, h, n.outputs[0], {-INFINITY, INFINITY});
}

// True when output value v exists and a node or the graph reads it.
bool Needed(const Graph& g, int v) {
  if (v < 0) return false;
  return !g.Consumers(v).empty() || g.IsGraphOutput(v);
}

// LayerNormalization: over the axes from `axis` on; scale and bias broadcast
// to x; outputs 1 and 2 the mean and 1 / sqrt(var + epsilon).
void InferLayerNorm(Graph& g, Node& n) {
  RequireInputs(n, 2);
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) throw ConversionError(n, "the input is a scalar");
  if (x.type != ElementType::kFloat) throw ConversionError(n, "the input must be float32");
  if (n.Int("stash_type", 1) != 1) throw ConversionError(n, "only stash_type 1 (float32 statistics) is supported");
  const int64_t axis = NormalizeAxis(n, n.Int("axis", -1), rank);
  n.params.axes.clear();
  for (int64_t d = axis; d < rank; ++d) n.params.axes.push_back(d);
  for (size_t i = 1; i <= 2; ++i) {
    if (n.has_input(i) && Broadcast(n, x.shape, In(g, n, i).shape) != x.shape) {
      throw ConversionError(n, std::string(i == 1 ? "the scale" : "the bias") + " does not broadcast to the input's shape");
    }
  }
  Shape64 stats = x.shape;
  for (int64_t d = axis; d < rank; ++d) stats[d] = 1;
  SetOutput(g, n, 0, x.type, x.shape);
  SetOutput(g, n, 1, x.type, stats);
  SetOutput(g, n, 2, x.type, stats);
}

// InstanceNormalization: x is [N, C, D1, ...]; over D1...; scale and bias
// hold one value per channel.
void InferInstanceNorm(Graph& g, Node& n) {
  RequireInputs(n, 3);
  const Value& x = In(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank < 3) throw ConversionError(n, "the input must have rank 3 or more ([N, C, D1, ...])");
  if (x.type != ElementType::kFloat) throw ConversionError(n, "the input must be float32");
  for (size_t i = 1; i <= 2; ++i) {
    if (In(g, n, i).shape != Shape64{x.shape[1]}) {
      throw ConversionError(n, std::string(i == 1 ? "the scale" : "the bias") + " must hold one value per channel");
    }
  }
  n.params.axes.clear();
  for (int64_t d = 2; d < rank; ++d) n.params.axes.push_back(d);
  SetOutput(g, n, 0, x.type, x.shape);
}

// Kite's NORMALIZE of x with `scale` and `bias` (value ids, bias -1 when
// absent; each of x's rank or broadcasting as numpy does).
void EmitNormalize(Lowering& l, const Node& n, int scale, int bias, float epsilon) {
  const int x = n.inputs[0];
  const Perm perm = l.LayoutOf(x);
  const size_t rank = perm.size();
  schema::NormalizeOptionsT o;
  for (int64_t a : n.params.axes) o.axes.push_back(PhysicalAxis(perm, a));
  o.epsilon = epsilon;
  auto op = std::make_unique<schema::OperatorT>();
  op->opcode = schema::OpCode_NORMALIZE;
  op->inputs = {l.Tensor(x, perm), l.TensorPadded(scale, rank, perm)};
  if (bias >= 0) op->inputs.push_back(l.TensorPadded(bias, rank, perm));
  const bool stats = n.outputs.size() == 3 && (Needed(l.graph(), n.outputs[1]) || Needed(l.graph(), n.outputs[2]));
  for (size_t i = 0; i < (stats ? 3u : 1u); ++i) {
    int v = n.outputs[i];
    if (v < 0) {  // an omitted statistic: computed into a tensor nobody reads
      Shape64 shape = l.value(x).shape;
      for (int64_t a : n.params.axes) shape[a] = 1;
      v = l.AddIntermediate(l.value(x), n.name + (i == 1 ? "/mean" : "/inv_std_dev"), shape);
    }
    const int t = l.NewActivation(v, perm);
    op->outputs.push_back(t);
    l.Place(v, t, perm);
  }
  op->options = Lowering::Options(o);
  op->source_node = n.name;
  l.builder().model().operators.push_back(std::move(op));
}

void LowerLayerNorm(Lowering& l, const Node& n) {
  EmitNormalize(l, n, n.inputs[1], n.has_input(2) ? n.inputs[2] : -1, Epsilon(n, 1e-5f));
}

// The per-channel scale and bias as [C, 1, ...] so they broadcast along
// dimension 1 of x: constants are reshaped offline, activations by a Reshape.
int PerChannel(Lowering& l, const Node& n, int v, size_t rank) {
  const Value& value = l.value(v);
  Shape64 shape(rank - 1, 1);
  shape[0] = value.shape[0];
  if (value.is_constant()) {
    if (value.type != ElementType::kFloat) throw ConversionError(n, "the scale and bias must be float32");
    return l.AddConstant(value.name + "/per_channel", shape, value.constant->floats);
  }
  const int out = l.AddIntermediate(value, value.name + "/per_channel", shape);
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(v, IdentityPerm(1))}, out, IdentityPerm(shape.size()),
         Lowering::Options(schema::ReshapeOptionsT{}));
  return out;
}

void LowerInstanceNorm(Lowering& l, const Node& n) {
  const size_t rank = l.value(n.inputs[0]).shape.size();
  EmitNormalize(l, n, PerChannel(l, n, n.inputs[1], rank), PerChannel(l, n, n.inputs[2], rank), Epsilon(n, 1e-5f));
}

// Softmax and LogSoftmax.
template <schema::OpCode kCode>
void LowerSoftmax(Lowering& l, const Node& n) {
  const Value& x = l.value(n.inputs[0]);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t opset = l.graph().opset;
  const int64_t axis = NormalizeAxis(n, n.Int("axis", opset >= 13 ? -1 : 1), rank);
  if (opset >= 13 || axis == rank - 1) {
    const Perm perm = l.LayoutOf(n.inputs[0]);
    schema::SoftmaxOptionsT o;
    o.axis = PhysicalAxis(perm, axis);
    return l.Emit(n, kCode, {l.Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Lowering::Options(o));
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  const int64_t outer = Product(Shape64(x.shape.begin(), x.shape.begin() + axis));
  const Shape64 flat_shape = {outer, x.elements() / outer};
  const std::string name = x.name;
  const int flat = l.AddIntermediate(x, name + "/2d", flat_shape);
  l.Emit(n, schema::OpCode_RESHAPE, {l.Tensor(n.inputs[0], IdentityPerm(rank))}, flat, IdentityPerm(2),
         Lowering::Options(schema::ReshapeOptionsT{}));
  const int soft = l.AddIntermediate(l.value(flat), name + "/softmax2d", flat_shape);
  schema::SoftmaxOptionsT o;
  o.axis = 1;
  l.Emit(n, kCode, {l.PlacedTensor(flat)}, soft, IdentityPerm(2), Lowering::Options(o));
  l.Emit(n, schema::OpCode_RESHAPE, {l.PlacedTensor(soft)}, n.outputs[0], IdentityPerm(rank),
         Lowering::Options(schema::ReshapeOptionsT{}));
}

// BatchNormalization (where a pass did not fold it), LayerNormalization and
// InstanceNormalization with their inputs and epsilon.
void ExportNormalization(QdqEmitter& q, const Node& n, const std::string& out) {
  if (n.outputs.size() > 1) throw ConversionError(n, "--emit-qdq cannot write the mean and deviation outputs");
  std::vector<std::string> in;
  for (int v : n.inputs) in.push_back(v >= 0 ? q.Read(v) : "");
  onnx::NodeProto* node = q.AddNode(n.op_type, n.name, in, {out});
  if (n.op_type == "LayerNormalization") QdqEmitter::SetInt(node, "axis", n.Int("axis", -1));
  QdqEmitter::SetFloat(node, "epsilon", n.Float("epsilon", 1e-5f));
}

void ExportSoftmax(QdqEmitter& q, const Node& n, const std::string& out) {
  const int64_t rank = static_cast<int64_t>(q.graph().values[n.outputs[0]].shape.size());
  const int64_t opset = q.graph().opset;
  int64_t axis = n.Int("axis", opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (opset < 13 && axis != rank - 1) throw ConversionError(n, "--emit-qdq: a pre-opset-13 Softmax over several axes");
  QdqEmitter::SetInt(q.AddNode("Softmax", n.name, {q.Read(n.inputs[0])}, {out}), "axis", axis);
}

}  // namespace

const std::vector<OpRule>& NormalizationOps() {
  static const std::vector<OpRule> rules = {
      {"BatchNormalization", InferSameShape, nullptr, LowerBatchNorm, ExportNormalization},
      {"LayerNormalization", InferLayerNorm, nullptr, LowerLayerNorm, ExportNormalization},
      {"InstanceNormalization", InferInstanceNorm, nullptr, LowerInstanceNorm, ExportNormalization},
      {"Softmax", InferSameShape, nullptr, LowerSoftmax<schema::OpCode_SOFTMAX>, ExportSoftmax},
      {"LogSoftmax", InferSameShape, nullptr, LowerSoftmax<schema::OpCode_LOG_SOFTMAX>},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

// Fusions that remove whole ops before lowering.
#include <algorithm>
#include <cmath>

#include "passes/passes.h"

#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

void ReplaceUses(Graph& g, int from, int to) {
  // Quantization parameters a QDQ model gave `from` now describe `to`.
  auto params = g.qdq_activation_params.find(g.values[from].name);
  if (params != g.qdq_activation_params.end()) {
    const auto p = params->second;
    g.qdq_activation_params.erase(params);
    g.qdq_activation_params[g.values[to].name] = p;
  }
  for (Node& n : g.nodes) {
    if (n.removed) continue;
    for (int& in : n.inputs) {
      if (in == from) in = to;
    }
  }
  for (int& out : g.outputs) {
    if (out == from) out = to;
  }
}

// The live node that produces v, if v has exactly one reader (`reader`) and
// is not a graph output.
Node* SoleProducer(Graph& g, int v, int reader) {
  const Value& value = g.values[v];
  if (value.producer < 0 || g.IsGraphOutput(v)) return nullptr;
  Node& p = g.nodes[value.producer];
  if (p.removed) return nullptr;
  const auto readers = g.Consumers(v);
  if (readers.size() != 1 || readers[0] != reader) return nullptr;
  return &p;
}

int AddConstant(Graph& g, const std::string& name, std::vector<int64_t> shape, std::vector<float> data) {
  Value v;
  v.name = name;
  v.type = ElementType::kFloat;
  v.shape = std::move(shape);
  v.shape_known = true;
  v.constant = ConstantData{std::move(data), {}};
  return g.AddValue(std::move(v));
}

const std::vector<float>& Floats(const Graph& g, int v) { return g.values[v].constant->floats; }

bool IsConstFloat(const Graph& g, const Node& n, size_t i) {
  return n.has_input(i) && g.values[n.inputs[i]].is_float_constant();
}

void DropIdentities(Graph& g) {
  for (Node& n : g.nodes) {
    if (n.removed || (n.op_type != "Identity" && n.op_type != "Dropout")) continue;
    const int in = n.inputs[0], out = n.outputs[0];
    if (g.IsGraphOutput(out) && (g.IsGraphOutput(in) || std::find(g.inputs.begin(), g.inputs.end(), in) != g.inputs.end())) {
      continue;  // an output that is another output or an input: keep a copy
    }
    n.removed = true;
    ReplaceUses(g, out, in);
  }
}

// Multiplies each output channel o of conv weights by scale[o]: Conv weights
// [O, I/g, kh, kw], ConvTranspose [I, O/g, kh, kw].
void ScaleOutputChannels(const std::vector<int64_t>& shape, bool transpose, int64_t groups,
                         const std::vector<float>& scale, std::vector<float>* weights) {
  std::vector<float>& w = *weights;
  if (!transpose) {
    const int64_t per_out = static_cast<int64_t>(w.size()) / shape[0];
    for (int64_t o = 0; o < shape[0]; ++o)
      for (int64_t j = 0; j < per_out; ++j) w[o * per_out + j] *= scale[o];
    return;
  }
  const int64_t kernel = shape[2] * shape[3], in_c = shape[0], out_per_group = shape[1], in_per_group = in_c / groups;
  for (int64_t ic = 0; ic < in_c; ++ic)
    for (int64_t o = 0; o < out_per_group; ++o)
      for (int64_t k = 0; k < kernel; ++k) w[(ic * out_per_group + o) * kernel + k] *= scale[(ic / in_per_group) * out_per_group + o];
}

void FoldBatchNorm(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& bn = g.nodes[i];
    if (bn.removed || bn.op_type != "BatchNormalization") continue;
    for (size_t k = 1; k <= 4; ++k) {
      if (!IsConstFloat(g, bn, k)) throw ConversionError(bn, "scale, bias, mean and variance must be constants");
    }
    Node* conv = SoleProducer(g, bn.inputs[0], static_cast<int>(i));
    if (conv == nullptr || (conv->op_type != "Conv" && conv->op_type != "ConvTranspose") || !IsConstFloat(g, *conv, 1) ||
        (conv->has_input(2) && !IsConstFloat(g, *conv, 2))) {
      continue;  // lowered as a per-channel multiply-add
    }
    const float eps = Epsilon(bn, 1e-5f);
    const auto &gamma = Floats(g, bn.inputs[1]), &beta = Floats(g, bn.inputs[2]), &mean = Floats(g, bn.inputs[3]),
               &var = Floats(g, bn.inputs[4]);
    const Value& w = g.values[conv->inputs[1]];
    std::vector<float> weights = w.constant->floats;
    const int64_t groups = conv->Int("group", 1);
    const bool transpose = conv->op_type == "ConvTranspose";
    // Output channels: Conv weights [O, I/g, kh, kw]; ConvTranspose [I, O/g, kh, kw].
    const int64_t out_c = transpose ? w.shape[1] * groups : w.shape[0];
    std::vector<float> bias(out_c, 0.0f);
    if (conv->has_input(2)) bias = Floats(g, conv->inputs[2]);
    std::vector<float> scale(out_c);
    for (int64_t c = 0; c < out_c; ++c) {
      scale[c] = gamma[c] / std::sqrt(var[c] + eps);
      bias[c] = (bias[c] - mean[c]) * scale[c] + beta[c];
    }
    ScaleOutputChannels(w.shape, transpose, groups, scale, &weights);
    const std::vector<int64_t> w_shape = w.shape;
    conv->inputs[1] = AddConstant(g, g.values[conv->inputs[1]].name + "_bn", w_shape, std::move(weights));
    const int b = AddConstant(g, bn.name + "_bias", {out_c}, std::move(bias));
    if (conv->inputs.size() < 3) conv->inputs.resize(3, -1);
    conv->inputs[2] = b;
    bn.removed = true;
    ReplaceUses(g, bn.outputs[0], conv->outputs[0]);
  }
}

void FuseActivations(Graph& g) {
  static const char* kFusable[] = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div"};
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& act = g.nodes[i];
    if (act.removed || (act.op_type != "Relu" && act.op_type != "Clip")) continue;
    Node* p = SoleProducer(g, act.inputs[0], static_cast<int>(i));
    if (p == nullptr || std::none_of(std::begin(kFusable), std::end(kFusable), [&](const char* op) { return p->op_type == op; })) {
      continue;
    }
    // Only a MatMul that becomes FullyConnected (constant 2-D right side) has a fused clamp.
    if (p->op_type == "MatMul" && !(g.values[p->inputs[1]].is_constant() && g.values[p->inputs[1]].shape.size() == 2)) continue;
    float lo = 0.0f, hi = INFINITY;
    if (act.op_type == "Clip") {
      lo = act.params.min;
      hi = act.params.max;
    }
    std::pair<float, float> range = p->params.activation.value_or(std::pair<float, float>{-INFINITY, INFINITY});
    range.first = std::max(range.first, lo);
    range.second = std::min(range.second, hi);
    p->params.activation = range;
    act.removed = true;
    ReplaceUses(g, act.outputs[0], p->outputs[0]);
  }
}

void FuseHardSwish(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& mul = g.nodes[i];
    if (mul.removed || mul.op_type != "Mul") continue;
    for (int side = 0; side < 2; ++side) {
      Node* hs = SoleProducer(g, mul.inputs[side], static_cast<int>(i));
      if (hs == nullptr || hs->op_type != "HardSigmoid" || hs->inputs[0] != mul.inputs[1 - side]) continue;
      if (std::fabs(hs->Float("alpha", 0.2f) - 1.0f / 6.0f) > 1e-6f || std::fabs(hs->Float("beta", 0.5f) - 0.5f) > 1e-6f) continue;
      hs->removed = true;
      mul.op_type = "HardSwish";
      mul.inputs = {hs->inputs[0]};
      break;
    }
  }
}

// A constant that scales or shifts each output channel of an NCHW conv: one
// value, or out_c values along dimension 1 (shape [out_c, 1, 1], [1, out_c, 1, 1]).
bool PerChannelConstant(const Graph& g, int v, int64_t out_c, std::vector<float>* per_channel) {
  const Value& c = g.values[v];
  if (!c.is_constant() || c.type != ElementType::kFloat) return false;
  const std::vector<float>& f = c.constant->floats;
  if (f.size() == 1) {
    per_channel->assign(out_c, f[0]);
    return true;
  }
  std::vector<int64_t> shape = c.shape;
  while (shape.size() < 4) shape.insert(shape.begin(), 1);
  if (shape.size() != 4 || shape[0] != 1 || shape[1] != out_c || shape[2] != 1 || shape[3] != 1) return false;
  *per_channel = f;
  return true;
}

// Conv or ConvTranspose followed by a multiply and/or an add by per-channel
// constants (a "learnable affine" block, PP-LCNetV3's; a transposed conv's
// bias exported as an Add, PP-OCR det's head) folds into the conv's weights
// and bias, exactly as BatchNormalization does: one op, and in int8 no
// requantization of the tensor before it (det's head: its transposed conv
// spans -190 to 107 before the bias brings it to the sigmoid's range).
void FoldAffineIntoConv(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.removed || (conv.op_type != "Conv" && conv.op_type != "ConvTranspose") || conv.params.activation ||
        !IsConstFloat(g, conv, 1) || (conv.has_input(2) && !IsConstFloat(g, conv, 2))) continue;
    const Value& w = g.values[conv.inputs[1]];
    const bool transpose = conv.op_type == "ConvTranspose";
    const int64_t groups = conv.Int("group", 1);
    // Output channels: Conv weights [O, I/g, kh, kw]; ConvTranspose [I, O/g, kh, kw].
    const int64_t out_c = transpose ? w.shape[1] * groups : w.shape[0];
    for (bool changed = true; changed;) {
      changed = false;
      const auto consumers = g.Consumers(conv.outputs[0]);
      if (consumers.size() != 1 || g.IsGraphOutput(conv.outputs[0])) break;
      Node& next = g.nodes[consumers[0]];
      if (next.op_type != "Mul" && next.op_type != "Add") break;
      const int other = next.inputs[0] == conv.outputs[0] ? next.inputs[1] : next.inputs[0];
      std::vector<float> k;
      if (!PerChannelConstant(g, other, out_c, &k) || g.values[next.outputs[0]].shape != g.values[conv.outputs[0]].shape) break;
      std::vector<float> bias(out_c, 0.0f);
      if (conv.has_input(2)) bias = Floats(g, conv.inputs[2]);
      if (next.op_type == "Mul") {
        std::vector<float> weights = g.values[conv.inputs[1]].constant->floats;
        ScaleOutputChannels(g.values[conv.inputs[1]].shape, transpose, groups, k, &weights);
        for (int64_t o = 0; o < out_c; ++o) bias[o] *= k[o];
        const std::vector<int64_t> w_shape = g.values[conv.inputs[1]].shape;
        conv.inputs[1] = AddConstant(g, g.values[conv.inputs[1]].name + "_scaled", w_shape, std::move(weights));
      } else {
        for (int64_t o = 0; o < out_c; ++o) bias[o] += k[o];
      }
      const int b = AddConstant(g, next.name + "_bias", {out_c}, std::move(bias));
      if (conv.inputs.size() < 3) conv.inputs.resize(3, -1);
      conv.inputs[2] = b;
      next.removed = true;
      ReplaceUses(g, next.outputs[0], conv.outputs[0]);
      changed = true;
    }
  }
}

// A zero Pad of H and W whose only reader is a Conv becomes the Conv's own
// padding (TensorFlow exports write SAME padding of strided convs this way:
// one more row and column at the end). The same function, and one pass over
// the activation less; int8 too: the Conv pads with the input zero point,
// which is what the Pad's 0 quantizes to.
void FusePadIntoConv(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.removed || conv.op_type != "Conv" || !conv.has_input(0) || conv.params.pads.size() != 4) continue;
    Node* pad = SoleProducer(g, conv.inputs[0], static_cast<int>(i));
    if (pad == nullptr || pad->op_type != "Pad") continue;
    const std::vector<int64_t> p = pad->params.pads;  // NCHW begins, then ends
    if (p.size() != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0 || pad->params.value != 0.0f ||
        std::any_of(p.begin(), p.end(), [](int64_t v) { return v < 0; })) {
      continue;
    }
    std::vector<int64_t> pads = conv.params.pads;  // top, left, bottom, right
    pads[0] += p[2];
    pads[1] += p[3];
    pads[2] += p[6];
    pads[3] += p[7];
    // Only padding every window still overlaps the input with, as convs are
    // usually padded: a wider Pad stays a Pad.
    const std::vector<int64_t>& w = g.values[conv.inputs[1]].shape;
    const std::vector<int64_t>& dilations = conv.params.dilations;
    const int64_t reach_h = (w[2] - 1) * dilations[0], reach_w = (w[3] - 1) * dilations[1];
    if (pads[0] > reach_h || pads[2] > reach_h || pads[1] > reach_w || pads[3] > reach_w) continue;
    conv.params.pads = pads;
    conv.inputs[0] = pad->inputs[0];
    pad->removed = true;
  }
}

// A single constant equal to `value` (any shape of one element).
bool IsScalar(const Graph& g, int v, float value) {
  if (v < 0) return false;
  const Value& c = g.values[v];
  return c.is_constant() && c.type == ElementType::kFloat && c.constant->floats.size() == 1 &&
         std::fabs(c.constant->floats[0] - value) <= 1e-6f * std::max(1.0f, std::fabs(value));
}

// Paddle's hard-swish, x * Clip(x + 3, 0, 6) / 6 (Div by 6 or Mul by 1/6),
// becomes one HardSwish: in int8 the three intermediates would each be
// quantized, and the product's range is wide.
void FusePaddleHardSwish(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& scale = g.nodes[i];
    if (scale.removed || !(scale.op_type == "Div" && IsScalar(g, scale.inputs[1], 6.0f)) &&
                             !(scale.op_type == "Mul" && IsScalar(g, scale.inputs[1], 1.0f / 6.0f))) continue;
    Node* mul = SoleProducer(g, scale.inputs[0], static_cast<int>(i));
    if (mul == nullptr || mul->op_type != "Mul") continue;
    for (int side = 0; side < 2; ++side) {
      Node* clip = SoleProducer(g, mul->inputs[side], static_cast<int>(mul - g.nodes.data()));
      if (clip == nullptr || clip->op_type != "Clip" || clip->params.min != 0.0f || clip->params.max != 6.0f) continue;
      Node* add = SoleProducer(g, clip->inputs[0], static_cast<int>(clip - g.nodes.data()));
      if (add == nullptr || add->op_type != "Add" || add->params.activation) continue;
      const int x = mul->inputs[1 - side];
      if (!((add->inputs[0] == x && IsScalar(g, add->inputs[1], 3.0f)) || (add->inputs[1] == x && IsScalar(g, add->inputs[0], 3.0f)))) continue;
      add->removed = clip->removed = mul->removed = true;
      scale.op_type = "HardSwish";
      scale.inputs = {x};
      break;
    }
  }
}

// The node reading v, if it is v's only reader and v is not a graph output.
Node* SoleReader(Graph& g, int v) {
  if (g.IsGraphOutput(v)) return nullptr;
  const auto readers = g.Consumers(v);
  if (readers.size() != 1 || g.nodes[readers[0]].removed) return nullptr;
  return &g.nodes[readers[0]];
}

// n's input other than `v` when n reads v once and a scalar `value` (either
// side), else -1.
int OtherOperand(const Graph& g, const Node& n, int v) {
  if (n.inputs.size() != 2 || n.params.activation) return -1;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return -1;
}

// An exported GELU, 0.5 * x * (1 + Erf(x / sqrt(2))) (Div by sqrt(2) or Mul
// by its inverse; the 0.5 applied to x or to the product), becomes one Gelu:
// five ops and four intermediates fewer, and in int8 one rounding instead of
// five (the product's range is wide).
void FuseGelu(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& erf = g.nodes[i];
    if (erf.removed || erf.op_type != "Erf") continue;
    Node* scale = SoleProducer(g, erf.inputs[0], static_cast<int>(i));
    if (scale == nullptr || scale->params.activation) continue;
    const int x = scale->inputs[0];
    if (!(scale->op_type == "Div" && IsScalar(g, scale->inputs[1], 1.41421356f)) &&
        !(scale->op_type == "Mul" && IsScalar(g, scale->inputs[1], 0.70710678f))) continue;
    Node* add = SoleReader(g, erf.outputs[0]);
    if (add == nullptr || add->op_type != "Add" || !IsScalar(g, OtherOperand(g, *add, erf.outputs[0]) , 1.0f)) continue;
    Node* product = SoleReader(g, add->outputs[0]);
    if (product == nullptr || product->op_type != "Mul") continue;
    const int other = OtherOperand(g, *product, add->outputs[0]);
    if (other < 0) continue;
    Node* result = nullptr;
    Node* half = nullptr;
    if (other == x) {  // (x * (1 + erf)) * 0.5
      Node* last = SoleReader(g, product->outputs[0]);
      if (last != nullptr && last->op_type == "Mul" && IsScalar(g, OtherOperand(g, *last, product->outputs[0]), 0.5f)) result = last;
    } else {  // (x * 0.5) * (1 + erf)
      half = SoleProducer(g, other, static_cast<int>(product - g.nodes.data()));
      if (half != nullptr && half->op_type == "Mul" && OtherOperand(g, *half, x) >= 0 && IsScalar(g, OtherOperand(g, *half, x), 0.5f)) result = product;
    }
    if (result == nullptr) continue;
    for (Node* n : {scale, &erf, add, product, half}) {
      if (n != nullptr && n != result) n->removed = true;
    }
    result->op_type = "Gelu";
    result->inputs = {x};
  }
}

// Equal followed by Cast to float becomes one Equal with a float output.
void FuseEqualCast(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& cast = g.nodes[i];
    if (cast.removed || cast.op_type != "Cast" || cast.Int("to", 1) != 1) continue;
    Node* eq = SoleProducer(g, cast.inputs[0], static_cast<int>(i));
    if (eq == nullptr || eq->op_type != "Equal") continue;
    eq->outputs[0] = cast.outputs[0];
    g.values[cast.outputs[0]].producer = eq - g.nodes.data();
    cast.removed = true;
  }
}

}  // namespace

int FoldQdqPairs(Graph& g) {
  int pairs = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& dq = g.nodes[i];
    if (dq.removed || dq.op_type != "DequantizeLinear") continue;
    const int q_out = dq.inputs[0];
    const int qi = g.values[q_out].producer;
    if (qi < 0 || g.nodes[qi].removed || g.nodes[qi].op_type != "QuantizeLinear") {
      throw ConversionError(dq, "a DequantizeLinear of a computed value must follow a QuantizeLinear");
    }
    Node& q = g.nodes[qi];
    const Value& scale = g.values[q.inputs[1]];
    if (!scale.is_constant() || scale.constant->floats.size() != 1) {
      throw ConversionError(q, "only constant per-tensor activation scales are supported");
    }
    // ONNX's default output type, without a zero point, is uint8.
    const bool uint8 = !q.has_input(2) || g.values[q.inputs[2]].onnx_type == onnx_type::kUint8;
    if (q.has_input(2) && (!g.values[q.inputs[2]].is_constant() || g.values[q.inputs[2]].constant->ints.size() != 1)) {
      throw ConversionError(q, "only a constant per-tensor zero point is supported");
    }
    const int64_t zp = q.has_input(2) ? g.values[q.inputs[2]].constant->ints[0] : 0;
    const int x = q.inputs[0];
    dq.removed = true;
    ReplaceUses(g, dq.outputs[0], x);
    g.qdq_activation_params[g.values[x].name] = {scale.constant->floats[0], uint8 ? zp - 128 : zp};
    bool used = false;
    for (int c : g.Consumers(q_out)) used = used || !g.nodes[c].removed;
    if (!used) q.removed = true;
    ++pairs;
  }
  return pairs;
}

void FuseNodes(Graph& graph) {
  FuseEqualCast(graph);
  DropIdentities(graph);
  FoldBatchNorm(graph);
  FoldAffineIntoConv(graph);
  FusePadIntoConv(graph);
  FuseHardSwish(graph);
  FusePaddleHardSwish(graph);
  FuseGelu(graph);
  FuseActivations(graph);
}

}  // namespace converter
}  // namespace kite

// Conv and ConvTranspose (2-D, constant weights): Kite's CONV_2D and
// CONV_TRANSPOSE_2D in NHWC with [out, kh, kw, in / groups] weights.
#include <utility>

#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

// The input and the constant weights, both rank 4, and the bias: float32
// (ONNX's Conv takes no integer tensors; passes read the weights as floats).
std::pair<const Value&, const Value&> ConvOperands(const Graph& g, const Node& n) {
  const Value& x = In(g, n, 0);
  const Value& w = In(g, n, 1);
  RequireRank(n, x, 4);
  RequireRank(n, w, 4);
  if (!w.is_constant()) throw ConversionError(n, "weights must be constant");
  if (x.type != ElementType::kFloat || w.type != ElementType::kFloat ||
      (n.has_input(2) && In(g, n, 2).type != ElementType::kFloat)) {
    throw ConversionError(n, "the input, weights and bias must be float32");
  }
  return {x, w};
}

void InferConv(Graph& g, Node& n) {
  const auto [x, w] = ConvOperands(g, n);
  const int64_t groups = n.Int("group", 1);
  if (groups < 1 || groups > x.shape[1] || w.shape[0] % groups != 0 || w.shape[1] * groups != x.shape[1]) {
    throw ConversionError(n, "weights do not match the input channels and groups");
  }
  if (n.has_input(2) && g.values[n.inputs[2]].shape != Shape64{w.shape[0]}) {
    throw ConversionError(n, "bias must have shape [" + std::to_string(w.shape[0]) + "]");
  }
  auto [oh, ow] = WindowOutput(n, x.shape[2], x.shape[3], w.shape[2], w.shape[3], false);
  SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], w.shape[0], oh, ow});
}

void InferConvTranspose(Graph& g, Node& n) {
  const auto [x, w] = ConvOperands(g, n);
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
  CheckWindowRange(n, "strides", strides, 1);
  CheckWindowRange(n, "dilations", dilations, 1);
  CheckWindowRange(n, "pads", pads, 0);
  CheckWindowRange(n, "output_padding", out_pad, 0);
  CheckWindowRange(n, "output_shape", output_shape, 1);
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
  n.params.pads = pads;
  n.params.strides = strides;
  n.params.dilations = dilations;
  n.params.output_padding = out_pad;
  SetOutput(g, n, 0, ElementType::kFloat, {x.shape[0], w.shape[1] * groups, out[0], out[1]});
}

// Kite weights are [out, kh, kw, in / groups].
std::vector<float> KiteWeights(const Value& w, int64_t groups, bool transpose, Shape64* shape) {
  if (!transpose) {
    *shape = {w.shape[0], w.shape[2], w.shape[3], w.shape[1]};
    return TransposeData(w.constant->floats, w.shape, {0, 2, 3, 1});
  }
  // ONNX [in, out / groups, kh, kw] -> [out, kh, kw, in / groups].
  const int64_t in_c = w.shape[0], out_g = w.shape[1], kh = w.shape[2], kw = w.shape[3], in_g = in_c / groups;
  *shape = {out_g * groups, kh, kw, in_g};
  std::vector<float> weights(w.constant->floats.size());
  for (int64_t ic = 0; ic < in_c; ++ic)
    for (int64_t o = 0; o < out_g; ++o)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          const int64_t g = ic / in_g, oc = g * out_g + o;
          weights[((oc * kh + y) * kw + x) * in_g + ic % in_g] = w.constant->floats[((ic * out_g + o) * kh + y) * kw + x];
        }
  return weights;
}

template <bool kTranspose>
void LowerConv(Lowering& l, const Node& n) {
  const Value& w = l.value(n.inputs[1]);
  const int64_t groups = n.Int("group", 1);
  Shape64 shape;
  const std::vector<float> weights = KiteWeights(w, groups, kTranspose, &shape);
  std::vector<int32_t> inputs = {l.Tensor(n.inputs[0], kNhwc),
                                 l.builder().Constant(w.name, schema::DataType_FLOAT32, To32(shape), weights)};
  if (n.has_input(2)) inputs.push_back(l.Tensor(n.inputs[2], {0}));
  const NodeParams& p = n.params;
  const std::pair<float, float> act = Lowering::Activation(n);  // a lambda cannot capture a structured binding in C++17
  auto set_window = [&](auto& o) {
    o.stride_h = p.strides[0]; o.stride_w = p.strides[1];
    o.dilation_h = p.dilations[0]; o.dilation_w = p.dilations[1];
    o.pad_top = p.pads[0]; o.pad_left = p.pads[1]; o.pad_bottom = p.pads[2]; o.pad_right = p.pads[3];
    o.groups = groups; o.activation_min = act.first; o.activation_max = act.second;
  };
  if (!kTranspose) {
    schema::Conv2DOptionsT o;
    set_window(o);
    l.Emit(n, schema::OpCode_CONV_2D, inputs, n.outputs[0], kNhwc, Lowering::Options(o));
  } else {
    schema::ConvTranspose2DOptionsT o;
    set_window(o);
    o.output_padding_h = p.output_padding[0]; o.output_padding_w = p.output_padding[1];
    l.Emit(n, schema::OpCode_CONV_TRANSPOSE_2D, inputs, n.outputs[0], kNhwc, Lowering::Options(o));
  }
}

// The int8 weights and bias as Kite rounded them (the export's own).
void ExportConv(QdqEmitter& q, const Node& n, const std::string& out) { q.Conv(n, out); }

}  // namespace

const std::vector<OpRule>& ConvOps() {
  static const std::vector<OpRule> rules = {
      {"Conv", InferConv, nullptr, LowerConv<false>, ExportConv},
      {"ConvTranspose", InferConvTranspose, nullptr, LowerConv<true>, ExportConv},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

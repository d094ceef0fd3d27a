// 3-D windows through Kite's 2-D kernels.
//
// MaxPool and AveragePool are separable: the max (or mean) over a D x H x W
// box is the max (mean) over D of the max (mean) over H x W; with
// count_include_pad = 0 the valid part of a box is a product of intervals,
// so its count is a product too. [N, C, D, H, W] is pooled over (H, W) as
// [N, C*D, H, W], then over D as [N, C, D, H'*W'] with a (kd, 1) window, and
// reshaped back to [N, C, D', H', W'].
//
// Conv is not separable: its depth taps become channels. The input, padded
// along D, is sliced once per (group, depth tap): the slice for tap i holds
// depths i*dd, i*dd + sd, ... (one per output depth). Concatenated along C
// (group-major, so each group's channels stay together), moved to
// [N*D', kd*C, H, W], they feed a 2-D Conv whose weights hold the taps as
// input channels: W2[m, i*C/g + c] = W[m, c, i]. The input is read kd times
// over; the MACs are the 3-D conv's.
#include <algorithm>
#include <string>

#include "ops/op_support.h"
#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

int IntConstant(Graph& g, const std::string& name, const Shape64& shape) {
  Value v;
  v.name = name;
  v.type = ElementType::kInt64;
  v.shape = {static_cast<int64_t>(shape.size())};
  v.shape_known = true;
  v.constant = ConstantData{{}, shape};
  return g.AddValue(std::move(v));
}

Node Reshape(Graph& g, const std::string& name, int in, const Shape64& shape, int out) {
  Node r;
  r.name = name;
  r.op_type = "Reshape";
  r.inputs = {in, IntConstant(g, name + "/shape", shape)};
  r.outputs = {out};
  return r;
}

int NewValue(Graph& g, const std::string& name, ElementType type) {
  Value v;
  v.name = name;
  v.type = type;
  return g.AddValue(std::move(v));
}

// The 2-D pool of `n` over the two axes whose attributes are at `first` and
// `second` of its 3-D ones (-1: a window of 1 with no padding).
Node Pool2d(const Node& n, const std::string& name, int first, int second) {
  Node p;
  p.name = name;
  p.op_type = n.op_type;
  for (const auto& [key, value] : n.attributes) {
    if (key != "kernel_shape" && key != "strides" && key != "dilations" && key != "pads") p.attributes[key] = value;
  }
  const auto pick = [&](const char* key, int64_t fallback, int64_t unit) {
    const std::vector<int64_t> v = n.Ints(key, std::vector<int64_t>(3, fallback));
    return Attribute::OfInts({first >= 0 ? v.at(first) : unit, second >= 0 ? v.at(second) : unit});
  };
  p.attributes["kernel_shape"] = pick("kernel_shape", 1, 1);
  p.attributes["strides"] = pick("strides", 1, 1);
  p.attributes["dilations"] = pick("dilations", 1, 1);
  const std::vector<int64_t> pads = n.Ints("pads", std::vector<int64_t>(6, 0));
  const auto pad = [&](int axis, int end) { return axis >= 0 ? pads.at(axis + 3 * end) : 0; };
  p.attributes["pads"] = Attribute::OfInts({pad(first, 0), pad(second, 0), pad(first, 1), pad(second, 1)});
  return p;
}

Node Make(const std::string& op, const std::string& name, std::vector<int> inputs, std::vector<int> outputs) {
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

bool SplitPool(Graph& g, int index) {
  const Node n = g.nodes[index];  // a copy: the graph's nodes move below
  const Value x = g.values[n.inputs[0]];
  if (n.Ints("kernel_shape").size() != 3) throw ConversionError(n, "kernel_shape must have 3 entries for a 3-D input");
  if (OutputIsRead(g, n, 1)) throw ConversionError(n, "the Indices output is not supported");
  for (const char* key : {"strides", "dilations"}) {
    if (n.has(key) && n.Ints(key).size() != 3) throw ConversionError(n, std::string(key) + " must have 3 entries");
  }
  if (n.has("pads") && n.Ints("pads").size() != 6) throw ConversionError(n, "pads must have 6 entries");
  const int64_t batch = x.shape[0], channels = x.shape[1], depth = x.shape[2];
  Node hw = Pool2d(n, n.name + "/hw", 1, 2);
  Node d = Pool2d(n, n.name + "/d", 0, -1);
  // The output sizes, as the 2-D pools will compute them.
  Node probe_hw = hw, probe_d = d;
  const auto [oh, ow] = WindowOutput(probe_hw, x.shape[3], x.shape[4], hw.Ints("kernel_shape")[0],
                                     hw.Ints("kernel_shape")[1], n.Int("ceil_mode", 0) != 0);
  const int64_t od = WindowOutput(probe_d, depth, oh * ow, d.Ints("kernel_shape")[0], 1, n.Int("ceil_mode", 0) != 0).first;

  std::vector<Node> replacement;
  const int folded = NewValue(g, x.name + "/cd_hw", x.type);
  replacement.push_back(Reshape(g, n.name + "/to_2d", n.inputs[0], {batch, channels * depth, x.shape[3], x.shape[4]}, folded));
  hw.inputs = {folded};
  hw.outputs = {NewValue(g, n.name + "/hw_pooled", x.type)};
  replacement.push_back(hw);
  const int by_depth = NewValue(g, n.name + "/d_hw", x.type);
  replacement.push_back(Reshape(g, n.name + "/to_depth", hw.outputs[0], {batch, channels, depth, oh * ow}, by_depth));
  d.inputs = {by_depth};
  d.outputs = {NewValue(g, n.name + "/d_pooled", x.type)};
  replacement.push_back(d);
  replacement.push_back(Reshape(g, n.name + "/to_3d", d.outputs[0], {batch, channels, od, oh, ow}, n.outputs[0]));
  g.ReplaceNode(index, replacement);
  return true;
}

bool SplitConv(Graph& g, int index) {
  const Node n = g.nodes[index];  // a copy: the graph's nodes move below
  const Value x = g.values[n.inputs[0]];
  if (!n.has_input(1) || !g.values[n.inputs[1]].is_constant() || g.values[n.inputs[1]].type != ElementType::kFloat) {
    throw ConversionError(n, "weights must be constant");
  }
  const Value w = g.values[n.inputs[1]];
  if (w.shape.size() != 5) throw ConversionError(n, "3-D weights must have rank 5");
  const int64_t batch = x.shape[0], channels = x.shape[1], depth = x.shape[2], groups = n.Int("group", 1);
  const int64_t out_channels = w.shape[0], kd = w.shape[2];
  if (groups < 1 || out_channels % groups != 0 || w.shape[1] * groups != channels) {
    throw ConversionError(n, "weights do not match the input channels and groups");
  }
  const std::string auto_pad = n.String("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") throw ConversionError(n, "auto_pad " + auto_pad + " on a 3-D Conv");
  const auto three = [&](const char* key, int64_t fallback) {
    std::vector<int64_t> v = n.Ints(key, std::vector<int64_t>(3, fallback));
    if (v.size() != 3 || std::any_of(v.begin(), v.end(), [](int64_t e) { return e < 1 || e > (1 << 24); })) {
      throw ConversionError(n, std::string(key) + " must be 3 values in [1, 2^24]");
    }
    return v;
  };
  const std::vector<int64_t> strides = three("strides", 1), dilations = three("dilations", 1);
  std::vector<int64_t> pads = n.Ints("pads", std::vector<int64_t>(6, 0));
  if (auto_pad == "VALID") pads.assign(6, 0);
  if (pads.size() != 6 || std::any_of(pads.begin(), pads.end(), [](int64_t e) { return e < 0 || e > (1 << 24); })) {
    throw ConversionError(n, "pads must be 6 values in [0, 2^24]");
  }
  const int64_t padded = depth + pads[0] + pads[3], span = dilations[0] * (kd - 1) + 1;
  if (padded < span) throw ConversionError(n, "the window is larger than the padded input");
  const int64_t od = (padded - span) / strides[0] + 1, per_group = channels / groups;

  std::vector<Node> replacement;
  int source = n.inputs[0];
  if (pads[0] + pads[3] > 0) {  // zeros before and after along D
    source = NewValue(g, n.name + "/depth_padded", x.type);
    Node pad = Make("Pad", n.name + "/pad_depth", {n.inputs[0]}, {source});
    pad.attributes["pads"] = Attribute::OfInts({0, 0, pads[0], 0, 0, 0, 0, pads[3], 0, 0});
    replacement.push_back(pad);
  }
  // One slice per (group, tap): [N, C/g, D', H, W].
  std::vector<int> pieces;
  for (int64_t j = 0; j < groups; ++j)
    for (int64_t i = 0; i < kd; ++i) {
      const std::string name = n.name + "/tap" + std::to_string(j) + "_" + std::to_string(i);
      const int64_t first = i * dilations[0];
      const int piece = NewValue(g, name, x.type);
      replacement.push_back(Make("Slice", name,
                                 {source, IntConstant(g, name + "/starts", {j * per_group, first}),
                                  IntConstant(g, name + "/ends", {(j + 1) * per_group, first + (od - 1) * strides[0] + 1}),
                                  IntConstant(g, name + "/axes", {1, 2}), IntConstant(g, name + "/steps", {1, strides[0]})},
                                 {piece}));
      pieces.push_back(piece);
    }
  const int stacked = NewValue(g, n.name + "/taps", x.type);
  Node concat = Make("Concat", n.name + "/taps", pieces, {stacked});
  concat.attributes["axis"] = Attribute::OfInt(1);
  replacement.push_back(concat);
  const int depth_first = NewValue(g, n.name + "/depth_first", x.type);
  Node to_batch = Make("Transpose", n.name + "/depth_first", {stacked}, {depth_first});
  to_batch.attributes["perm"] = Attribute::OfInts({0, 2, 1, 3, 4});
  replacement.push_back(to_batch);
  const int planes = NewValue(g, n.name + "/planes", x.type);
  replacement.push_back(Reshape(g, n.name + "/planes", depth_first, {batch * od, kd * channels, x.shape[3], x.shape[4]}, planes));

  // W2[m, i*C/g + c, y, x] = W[m, c, i, y, x].
  Value w2 = w;
  w2.name = w.name + "/taps_as_channels";
  w2.shape = {out_channels, kd * per_group, w.shape[3], w.shape[4]};
  w2.producer = -1;
  const int64_t plane = w.shape[3] * w.shape[4];
  for (int64_t m = 0; m < out_channels; ++m)
    for (int64_t c = 0; c < per_group; ++c)
      for (int64_t i = 0; i < kd; ++i)
        for (int64_t p = 0; p < plane; ++p) {
          w2.constant->floats[static_cast<size_t>(((m * kd + i) * per_group + c) * plane + p)] =
              w.constant->floats[static_cast<size_t>(((m * per_group + c) * kd + i) * plane + p)];
        }
  Node conv = Make("Conv", n.name + "/2d", {planes, g.AddValue(std::move(w2))}, {NewValue(g, n.name + "/2d", x.type)});
  if (n.has_input(2)) conv.inputs.push_back(n.inputs[2]);
  conv.attributes["strides"] = Attribute::OfInts({strides[1], strides[2]});
  conv.attributes["dilations"] = Attribute::OfInts({dilations[1], dilations[2]});
  conv.attributes["pads"] = Attribute::OfInts({pads[1], pads[2], pads[4], pads[5]});
  conv.attributes["kernel_shape"] = Attribute::OfInts({w.shape[3], w.shape[4]});
  conv.attributes["group"] = Attribute::OfInt(groups);
  replacement.push_back(conv);
  // [N*D', M, H', W'] -> [N, D', M, H', W'] -> [N, M, D', H', W'].
  Node probe = conv;
  const auto [oh, ow] = WindowOutput(probe, x.shape[3], x.shape[4], w.shape[3], w.shape[4], false);
  const int unbatched = NewValue(g, n.name + "/unbatched", x.type);
  replacement.push_back(Reshape(g, n.name + "/unbatched", conv.outputs[0], {batch, od, out_channels, oh, ow}, unbatched));
  Node back = Make("Transpose", n.name + "/channels_first", {unbatched}, {n.outputs[0]});
  back.attributes["perm"] = Attribute::OfInts({0, 2, 1, 3, 4});
  replacement.push_back(back);
  g.ReplaceNode(index, replacement);
  return true;
}

}  // namespace

bool SplitThreeDimensionalWindow(Graph& g, int index) {
  const Node& n = g.nodes[index];
  if ((n.op_type != "MaxPool" && n.op_type != "AveragePool" && n.op_type != "Conv") || n.inputs.empty() ||
      n.inputs[0] < 0 || n.outputs.empty() || n.outputs[0] < 0) {
    return false;
  }
  const Value& x = g.values[n.inputs[0]];
  if (!x.shape_known || x.shape.size() != 5) return false;
  return n.op_type == "Conv" ? SplitConv(g, index) : SplitPool(g, index);
}

}  // namespace converter
}  // namespace kite

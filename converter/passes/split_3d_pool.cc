// 3-D MaxPool and AveragePool as two 2-D pools: both are separable. The max
// (or mean) over a D x H x W box is the max (mean) over D of the max (mean)
// over H x W: with count_include_pad = 0 the valid part of a box is a
// product of intervals, so its count is a product too. [N, C, D, H, W] is
// pooled over (H, W) as [N, C*D, H, W], then over D as [N, C, D, H'*W'] with a
// (kd, 1) window, and reshaped back to [N, C, D', H', W'].
#include <string>

#include "ops/op_support.h"
#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

Attribute Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::kInts;
  a.ints = std::move(v);
  return a;
}

int ShapeConstant(Graph& g, const std::string& name, const Shape64& shape) {
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
  r.inputs = {in, ShapeConstant(g, name + "/shape", shape)};
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
    return Ints({first >= 0 ? v.at(first) : unit, second >= 0 ? v.at(second) : unit});
  };
  p.attributes["kernel_shape"] = pick("kernel_shape", 1, 1);
  p.attributes["strides"] = pick("strides", 1, 1);
  p.attributes["dilations"] = pick("dilations", 1, 1);
  const std::vector<int64_t> pads = n.Ints("pads", std::vector<int64_t>(6, 0));
  const auto pad = [&](int axis, int end) { return axis >= 0 ? pads.at(axis + 3 * end) : 0; };
  p.attributes["pads"] = Ints({pad(first, 0), pad(second, 0), pad(first, 1), pad(second, 1)});
  return p;
}

}  // namespace

bool SplitThreeDimensionalPool(Graph& g, int index) {
  const Node n = g.nodes[index];  // a copy: the graph's nodes move below
  if ((n.op_type != "MaxPool" && n.op_type != "AveragePool") || n.inputs.empty() || n.inputs[0] < 0 ||
      n.outputs.empty() || n.outputs[0] < 0) {
    return false;
  }
  const Value x = g.values[n.inputs[0]];
  if (!x.shape_known || x.shape.size() != 5) return false;
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

  g.nodes.erase(g.nodes.begin() + index);
  g.nodes.insert(g.nodes.begin() + index, replacement.begin(), replacement.end());
  for (size_t i = 0; i < g.nodes.size(); ++i) {  // node indices moved
    for (int o : g.nodes[i].outputs) {
      if (o >= 0) g.values[o].producer = static_cast<int>(i);
    }
  }
  return true;
}

}  // namespace converter
}  // namespace kite

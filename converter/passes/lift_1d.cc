// 1-D windows as 2-D ones: Conv, ConvTranspose, MaxPool, AveragePool and
// GlobalAveragePool on [N, C, L] run on [N, C, 1, L] (Kite's kernels are 2-D),
// between an Unsqueeze and a Squeeze of axis 2; each window attribute gains a
// leading 1 (pads a 0 at each end, output_shape a 1).
#include <algorithm>
#include <string>

#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

bool IsWindowOp(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool";
}

Node AxisTwo(const std::string& op, const std::string& name, int in, int out) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = {in};
  n.outputs = {out};
  Attribute axes;
  axes.kind = Attribute::kInts;
  axes.ints = {2};
  n.attributes["axes"] = axes;
  return n;
}

// `value` as a new value of rank 4 (a 1 inserted at axis 2), computed by an
// Unsqueeze node appended to `before`.
int Unsqueezed(Graph& g, const Node& n, int value, const std::string& suffix, std::vector<Node>* before) {
  Value v;
  v.name = g.values[value].name + suffix;
  v.type = g.values[value].type;
  const int id = g.AddValue(v);
  before->push_back(AxisTwo("Unsqueeze", n.name + suffix, value, id));
  return id;
}

void Widen(Node& n, const char* key, bool pads) {
  auto it = n.attributes.find(key);
  if (it == n.attributes.end() || it->second.kind != Attribute::kInts) return;
  std::vector<int64_t>& v = it->second.ints;
  if (pads && v.size() == 2) v = {0, v[0], 0, v[1]};
  else if (!pads && v.size() == 1) v = {1, v[0]};
}

}  // namespace

bool LiftOneDimensionalWindow(Graph& g, int index) {
  const Node& n = g.nodes[index];
  if (!IsWindowOp(n.op_type) || n.inputs.empty() || n.inputs[0] < 0 || n.outputs.empty() || n.outputs[0] < 0) {
    return false;
  }
  const Value& x = g.values[n.inputs[0]];
  if (!x.shape_known || x.shape.size() != 3) return false;
  Node lifted = n;
  std::vector<Node> before;
  lifted.inputs[0] = Unsqueezed(g, n, n.inputs[0], "/2d", &before);
  const bool weighted = n.op_type == "Conv" || n.op_type == "ConvTranspose";
  if (weighted && n.has_input(1)) lifted.inputs[1] = Unsqueezed(g, n, n.inputs[1], "/weights_2d", &before);
  for (const char* key : {"kernel_shape", "strides", "dilations", "output_padding", "output_shape"}) Widen(lifted, key, false);
  Widen(lifted, "pads", true);
  Value y4;
  y4.name = g.values[n.outputs[0]].name + "/2d";
  const int y = n.outputs[0];
  lifted.outputs[0] = g.AddValue(y4);
  const Node squeeze = AxisTwo("Squeeze", n.name + "/1d", lifted.outputs[0], y);
  std::vector<Node> replacement = before;
  replacement.push_back(lifted);
  replacement.push_back(squeeze);
  g.ReplaceNode(index, replacement);
  return true;
}

}  // namespace converter
}  // namespace kite

// Constant folding and static shape inference, driven by the op rules
// (ops/op_rule.h): a node folds when its rule can evaluate it on constant
// inputs; otherwise its rule infers the outputs' shapes, or the op is
// refused by name.
#include "ops/op_rule.h"
#include "passes/passes.h"

namespace kite {
namespace converter {

bool FoldNode(Graph& g, int index) {
  Node& n = g.nodes[index];
  const OpRule* rule = FindOpRule(n.op_type);
  if (rule == nullptr || rule->fold == nullptr) return false;
  if (!rule->fold_checks_inputs) {
    if (n.inputs.empty()) return false;
    for (int in : n.inputs) {
      if (in >= 0 && !g.values[in].is_constant()) return false;
    }
  }
  if (n.outputs.empty() || n.outputs[0] < 0) throw ConversionError(n, "the node has no output");
  return rule->fold(g, n);
}

void InferNodeShapes(Graph& g, int index) {
  Node& n = g.nodes[index];
  const OpRule* rule = FindOpRule(n.op_type);
  if (rule == nullptr) throw ConversionError(n, "operator " + n.op_type + " is not supported by Kite");
  if (rule->infer == nullptr) {
    std::string why = "operator " + n.op_type + " is supported by Kite on constant inputs only (it is folded)";
    for (int in : n.inputs) {
      if (in >= 0 && !g.values[in].is_constant()) {
        why += "; input '" + g.values[in].name + "' is computed at run time";
        break;
      }
    }
    throw ConversionError(n, why);
  }
  rule->infer(g, n);
}

void FoldConstantsAndInferShapes(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (graph.nodes[i].removed) continue;
    // Node i is then the first of its replacement.
    if (!LiftOneDimensionalWindow(graph, static_cast<int>(i)) && !SplitThreeDimensionalWindow(graph, static_cast<int>(i))) {
      UnrollRecurrent(graph, static_cast<int>(i));
    }
    Node& node = graph.nodes[i];
    if (FoldNode(graph, static_cast<int>(i))) {
      node.removed = true;
      continue;
    }
    InferNodeShapes(graph, static_cast<int>(i));
  }
}

}  // namespace converter
}  // namespace kite

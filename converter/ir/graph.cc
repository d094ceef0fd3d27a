#include "ir/graph.h"

#include <algorithm>

namespace kite {
namespace converter {

std::vector<int> Graph::Consumers(int v) const {
  std::vector<int> result;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].removed) continue;
    if (std::find(nodes[n].inputs.begin(), nodes[n].inputs.end(), v) != nodes[n].inputs.end()) {
      result.push_back(static_cast<int>(n));
    }
  }
  return result;
}

bool Graph::IsGraphOutput(int v) const {
  return std::find(outputs.begin(), outputs.end(), v) != outputs.end();
}

void Graph::ReplaceNode(int index, const std::vector<Node>& with) {
  nodes.erase(nodes.begin() + index);
  nodes.insert(nodes.begin() + index, with.begin(), with.end());
  for (size_t i = 0; i < nodes.size(); ++i) {  // node indices moved
    for (int o : nodes[i].outputs) {
      if (o >= 0) values[o].producer = static_cast<int>(i);
    }
  }
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t ShapeElements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ConversionError("shape " + ShapeString(shape) + " has a negative dimension");
    // Each dimension too (a 0 elsewhere would hide it): dims reach int32 tensors.
    if (d > kMaxElements || (d != 0 && n > kMaxElements / d)) {
      throw ConversionError("shape " + ShapeString(shape) + " has a dimension or more elements than 2^31");
    }
    n *= d;
  }
  return n;
}

int64_t Value::elements() const {
  try {
    return ShapeElements(shape);
  } catch (const ConversionError& e) {
    throw ConversionError("value '" + name + "': " + e.what());
  }
}

}  // namespace converter
}  // namespace kite

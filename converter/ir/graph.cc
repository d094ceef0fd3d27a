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

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace converter
}  // namespace kite

#include <algorithm>
#include <cmath>

#include "passes/passes.h"

namespace kite {
namespace converter {

int EqualizeDepthwisePairs(Graph& g) {
  int pairs = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& dw = g.nodes[i];
    if (dw.removed || dw.op_type != "Conv" || dw.params.activation || dw.outputs.size() != 1) continue;
    const int out = dw.outputs[0];
    Value& w1 = g.values[dw.inputs[1]];
    if (!w1.is_float_constant() || w1.shape.size() != 4 || w1.shape[1] != 1) continue;
    const int64_t channels = w1.shape[0];
    if (dw.Int("group", 1) != channels || g.IsGraphOutput(out)) continue;
    const std::vector<int> consumers = g.Consumers(out);
    if (consumers.size() != 1) continue;
    Node& pw = g.nodes[consumers[0]];
    if (pw.op_type != "Conv" || pw.Int("group", 1) != 1 || pw.inputs[0] != out) continue;
    Value& w2 = g.values[pw.inputs[1]];
    if (!w2.is_float_constant() || w2.shape.size() != 4 || w2.shape[1] != channels) continue;
    // Weights shared with another node cannot be rescaled for this pair alone.
    if (g.Consumers(dw.inputs[1]).size() != 1 || g.Consumers(pw.inputs[1]).size() != 1) continue;
    if (dw.has_input(2) && (g.Consumers(dw.inputs[2]).size() != 1 || !g.values[dw.inputs[2]].is_float_constant() ||
                            g.values[dw.inputs[2]].constant->floats.size() != static_cast<size_t>(channels))) {
      continue;
    }

    const int64_t per1 = w1.elements() / channels;
    const int64_t outs2 = w2.shape[0], per2 = w2.shape[2] * w2.shape[3];
    std::vector<float>& a = w1.constant->floats;
    std::vector<float>& b = w2.constant->floats;
    for (int64_t c = 0; c < channels; ++c) {
      float r1 = 0, r2 = 0;
      for (int64_t k = 0; k < per1; ++k) r1 = std::max(r1, std::fabs(a[c * per1 + k]));
      for (int64_t o = 0; o < outs2; ++o)
        for (int64_t k = 0; k < per2; ++k) r2 = std::max(r2, std::fabs(b[(o * channels + c) * per2 + k]));
      if (!(r1 > 0) || !(r2 > 0)) continue;
      const float s = std::sqrt(r1 * r2) / r2;
      for (int64_t k = 0; k < per1; ++k) a[c * per1 + k] /= s;
      if (dw.has_input(2)) g.values[dw.inputs[2]].constant->floats[c] /= s;
      for (int64_t o = 0; o < outs2; ++o)
        for (int64_t k = 0; k < per2; ++k) b[(o * channels + c) * per2 + k] *= s;
    }
    ++pairs;
  }
  return pairs;
}

}  // namespace converter
}  // namespace kite

#include "analysis/layer_compare.h"

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "quantize/traced_run.h"

namespace kite {
namespace converter {

void ErrorStats::Add(const float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i], e = x - y;
    signal += x * x;
    noise += e * e;
    dot += x * y;
    norm_b += y * y;
    max_error = std::max(max_error, std::fabs(e));
  }
  elements += n;
}

double ErrorStats::sqnr_db() const {
  if (noise == 0) return std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double ErrorStats::cosine() const {
  if (signal == 0 || norm_b == 0) return signal == norm_b ? 1.0 : 0.0;
  return dot / std::sqrt(signal * norm_b);
}

namespace {

// Output tensors per ONNX node name, in execution order.
struct Layer {
  std::string key;
  std::string op;
  int32_t tensor;
};

std::vector<Layer> Layers(const TracedRun& run) {
  std::vector<Layer> layers;
  const schema::Model& m = run.model();
  for (uint32_t i = 0; i < m.operators()->size(); ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    if (op->opcode() == schema::OpCode_QUANTIZE || op->opcode() == schema::OpCode_DEQUANTIZE) continue;
    const std::string node = op->source_node() ? op->source_node()->str() : std::to_string(i);
    for (uint32_t k = 0; k < op->outputs()->size(); ++k) {
      layers.push_back({op->outputs()->size() == 1 ? node : node + ":" + std::to_string(k),
                        schema::EnumNameOpCode(op->opcode()), op->outputs()->Get(k)});
    }
  }
  return layers;
}

}  // namespace

CompareResult CompareModels(const std::vector<uint8_t>& a_bytes, const std::vector<uint8_t>& b_bytes,
                            const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                            const std::function<void(size_t, size_t)>& progress) {
  TracedRun a(a_bytes), b(b_bytes);
  if (a.inputs().size() != b.inputs().size()) throw std::runtime_error("the models have different numbers of inputs");
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    if (a.inputs()[i].name != b.inputs()[i].name || a.inputs()[i].shape != b.inputs()[i].shape) {
      throw std::runtime_error("input '" + a.inputs()[i].name + "' differs between the models");
    }
  }
  const std::vector<Layer> layers_a = Layers(a);
  std::map<std::string, int32_t> tensor_b;
  for (const Layer& l : Layers(b)) tensor_b[l.key] = l.tensor;
  std::map<int32_t, size_t> layer_of_tensor;  // A's tensor -> position in layers_a
  CompareResult result;
  for (size_t i = 0; i < layers_a.size(); ++i) {
    const Layer& l = layers_a[i];
    auto other = tensor_b.find(l.key);
    if (other == tensor_b.end()) continue;  // fused away or float-only in one model
    if (a.interpreter().tensor(l.tensor).elements() != b.interpreter().tensor(other->second).elements()) continue;
    layer_of_tensor[l.tensor] = result.layers.size();
    LayerError e;
    e.node = l.key;
    e.op = l.op;
    e.index = static_cast<int32_t>(i);
    result.layers.push_back(e);
  }
  // Graph outputs match by name.
  const schema::Model& ma = a.model();
  const schema::Model& mb = b.model();
  std::vector<std::pair<int32_t, int32_t>> output_tensors;
  for (uint32_t i = 0; i < ma.outputs()->size(); ++i) {
    const std::string name = ma.outputs()->Get(i)->name()->str();
    for (uint32_t j = 0; j < mb.outputs()->size(); ++j) {
      if (mb.outputs()->Get(j)->name()->str() != name) continue;
      output_tensors.push_back({ma.outputs()->Get(i)->tensor(), mb.outputs()->Get(j)->tensor()});
      LayerError e;
      e.node = name;
      e.is_output = true;
      result.outputs.push_back(e);
    }
  }

  std::map<int32_t, LayerError*> by_tensor_b;
  for (LayerError& e : result.layers) by_tensor_b[tensor_b[e.node]] = &e;
  for (size_t s = 0; s < samples; ++s) {
    const std::vector<std::vector<float>> inputs = sample(s);
    // A's layer outputs, kept until B reaches the same layer.
    std::map<std::string, std::vector<float>> values;
    a.Run(inputs, [&](int32_t op) {
      if (op < 0) return;
      const Node& node = a.interpreter().node(op);
      for (int32_t k = 0; k < node.num_outputs; ++k) {
        auto at = layer_of_tensor.find(node.outputs[k]);
        if (at != layer_of_tensor.end()) values[result.layers[at->second].node] = a.TensorValues(node.outputs[k]);
      }
    });
    std::vector<std::vector<float>> outputs_a;
    for (const auto& o : output_tensors) outputs_a.push_back(a.TensorValues(o.first));
    // B's tensors are overwritten as the arena is reused: compare after each op.
    b.Run(inputs, [&](int32_t op) {
      if (op < 0) return;
      const Node& node = b.interpreter().node(op);
      for (int32_t k = 0; k < node.num_outputs; ++k) {
        auto at = by_tensor_b.find(node.outputs[k]);
        if (at == by_tensor_b.end()) continue;
        const std::vector<float> vb = b.TensorValues(node.outputs[k]);
        const std::vector<float>& va = values[at->second->node];
        at->second->stats.Add(va.data(), vb.data(), va.size());
      }
    });
    for (size_t o = 0; o < output_tensors.size(); ++o) {
      const std::vector<float> vb = b.TensorValues(output_tensors[o].second);
      if (vb.size() == outputs_a[o].size()) result.outputs[o].stats.Add(outputs_a[o].data(), vb.data(), vb.size());
    }
    ++result.samples;
    if (progress) progress(s + 1, samples);
  }
  return result;
}

}  // namespace converter
}  // namespace kite

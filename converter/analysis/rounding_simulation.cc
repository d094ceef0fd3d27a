#include "analysis/rounding_simulation.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "quantize/op_quantization.h"

namespace kite {
namespace converter {
namespace {

std::string OpKey(const schema::Operator* op, uint32_t i, uint32_t k) {
  const std::string node = op->source_node() ? op->source_node()->str() : std::to_string(i);
  return op->outputs()->size() == 1 ? node : node + ":" + std::to_string(k);
}

// An op that only moves int8 values, keeping its input's parameters: its
// values are its input's, rounded already.
bool MovesItsInput(const TracedRun& run, const schema::Operator* op, const Tensor& out) {
  switch (op->opcode()) {
    case schema::OpCode_RESHAPE:
    case schema::OpCode_TRANSPOSE:
    case schema::OpCode_SLICE:
    case schema::OpCode_SPLIT:
    case schema::OpCode_PAD: break;
    default: return false;
  }
  const Tensor& in = run.interpreter().tensor(op->inputs()->Get(0));
  return in.dtype == KITE_INT8 && in.scale == out.scale && in.zero_point == out.zero_point;
}

std::vector<RoundingPoint> FindPoints(const TracedRun& a, const TracedRun& b) {
  const schema::Model& ma = a.model();
  const schema::Model& mb = b.model();
  std::map<std::string, int32_t> a_by_key, a_by_name;
  for (uint32_t i = 0; i < ma.operators()->size(); ++i) {
    const schema::Operator* op = ma.operators()->Get(i);
    for (uint32_t k = 0; k < op->outputs()->size(); ++k) a_by_key[OpKey(op, i, k)] = op->outputs()->Get(k);
  }
  for (uint32_t t = 0; t < ma.tensors()->size(); ++t) a_by_name[ma.tensors()->Get(t)->name()->str()] = static_cast<int32_t>(t);
  std::set<int32_t> graph_inputs;
  for (uint32_t i = 0; i < ma.inputs()->size(); ++i) graph_inputs.insert(ma.inputs()->Get(i)->tensor());

  std::vector<RoundingPoint> points;
  std::set<int32_t> seen;
  for (uint32_t i = 0; i < mb.operators()->size(); ++i) {
    const schema::Operator* op = mb.operators()->Get(i);
    for (uint32_t k = 0; k < op->outputs()->size(); ++k) {
      const Tensor& t = b.interpreter().tensor(op->outputs()->Get(k));
      if (t.dtype != KITE_INT8 || MovesItsInput(b, op, t)) continue;
      int32_t in_a = -1;
      std::string node;
      if (op->opcode() == schema::OpCode_QUANTIZE) {
        // A float value entering int8: the same value in A, by tensor name.
        const std::string name = mb.tensors()->Get(op->inputs()->Get(0))->name()->str();
        auto it = a_by_name.find(name);
        if (it != a_by_name.end()) in_a = it->second;
        node = in_a >= 0 && graph_inputs.count(in_a) ? "input:" + name : name;
      } else {
        node = OpKey(op, i, k);
        auto it = a_by_key.find(node);
        if (it != a_by_key.end()) in_a = it->second;
      }
      if (in_a < 0 || !seen.insert(in_a).second) continue;
      if (a.interpreter().tensor(in_a).dtype != KITE_FLOAT32 || a.interpreter().tensor(in_a).elements() != t.elements()) continue;
      RoundingPoint p;
      p.tensor_float = in_a;
      p.scale = t.scale;
      p.zero_point = t.zero_point;
      p.op_int8 = static_cast<int32_t>(i);
      p.node = node;
      p.op = schema::EnumNameOpCode(op->opcode());
      p.elements = t.elements();
      points.push_back(p);
    }
  }
  return points;
}

std::vector<bool> DiscreteOutputs(const schema::Model& m) {
  std::vector<int32_t> producer(m.tensors()->size(), -1);
  for (uint32_t i = 0; i < m.operators()->size(); ++i) {
    for (int32_t t : *m.operators()->Get(i)->outputs()) producer[t] = static_cast<int32_t>(i);
  }
  std::vector<bool> discrete;
  for (uint32_t o = 0; o < m.outputs()->size(); ++o) {
    std::vector<int32_t> stack = {m.outputs()->Get(o)->tensor()};
    std::set<int32_t> visited;
    bool compares = false;
    while (!stack.empty() && !compares) {
      const int32_t t = stack.back();
      stack.pop_back();
      if (t < 0 || producer[t] < 0 || !visited.insert(t).second) continue;
      const schema::Operator* op = m.operators()->Get(producer[t]);
      compares = op->opcode() == schema::OpCode_EQUAL;
      for (int32_t in : *op->inputs()) stack.push_back(in);
    }
    discrete.push_back(compares);
  }
  return discrete;
}

const flatbuffers::Vector<uint8_t>* ConstantData(const schema::Model& m, int32_t t) {
  if (t < 0 || static_cast<uint32_t>(t) >= m.tensors()->size()) return nullptr;
  const uint32_t b = m.tensors()->Get(t)->buffer();
  if (b == 0 || b >= m.buffers()->size() || m.buffers()->Get(b)->data() == nullptr) return nullptr;
  return m.buffers()->Get(b)->data();
}

std::vector<float> Scales(const schema::Tensor& t) {
  const schema::Quantization* q = t.quantization();
  if (q == nullptr || q->scale() == nullptr) return {};
  return {q->scale()->begin(), q->scale()->end()};
}

// Constant t of the int8 model (int8 or int16 weights, int32 or int64 bias)
// dequantized with `scales`: one for all, or one per row of dimension 0.
std::vector<float> Dequantized(const schema::Model& m, int32_t t, const std::vector<float>& scales) {
  const schema::Tensor& tensor = *m.tensors()->Get(t);
  const flatbuffers::Vector<uint8_t>* data = ConstantData(m, t);
  if (data == nullptr || scales.empty()) return {};
  size_t width = 0;
  switch (tensor.type()) {
    case schema::DataType_INT8: width = 1; break;
    case schema::DataType_INT16: width = 2; break;
    case schema::DataType_INT32: width = 4; break;
    case schema::DataType_INT64: width = 8; break;
    default: return {};
  }
  const size_t n = data->size() / width;
  if (n == 0 || n % scales.size() != 0) return {};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* at = data->data() + i * width;
    double x = 0;
    if (width == 1) {
      x = static_cast<int8_t>(*at);
    } else if (width == 2) {
      int16_t w;
      std::memcpy(&w, at, 2);
      x = w;
    } else if (width == 4) {
      int32_t w;
      std::memcpy(&w, at, 4);
      x = w;
    } else {
      int64_t w;
      std::memcpy(&w, at, 8);
      x = static_cast<double>(w);
    }
    v[i] = static_cast<float>(x * scales[i / (n / scales.size())]);
  }
  return v;
}

// The int8 model's convs/FCs with int8 constant weights, matched to the float
// model's op of the same node whose float weights (and bias) they can replace.
std::vector<WeightRounding> FindWeightOps(const TracedRun& a, const TracedRun& b) {
  const schema::Model& ma = a.model();
  const schema::Model& mb = b.model();
  std::map<std::string, int32_t> a_op_by_key;
  for (uint32_t i = 0; i < ma.operators()->size(); ++i) {
    const schema::Operator* op = ma.operators()->Get(i);
    if (IsConvFamily(op->opcode()) && op->outputs()->size() == 1) a_op_by_key[OpKey(op, i, 0)] = static_cast<int32_t>(i);
  }
  const auto float_constant = [&](const schema::Operator* op, uint32_t slot, size_t elements) {
    if (op->inputs()->size() <= slot) return false;
    const int32_t t = op->inputs()->Get(slot);
    const flatbuffers::Vector<uint8_t>* data = ConstantData(ma, t);
    return data != nullptr && ma.tensors()->Get(t)->type() == schema::DataType_FLOAT32 && data->size() == elements * 4;
  };
  std::vector<WeightRounding> ops;
  for (uint32_t i = 0; i < mb.operators()->size(); ++i) {
    const schema::Operator* op = mb.operators()->Get(i);
    if (!IsConvFamily(op->opcode()) || op->outputs()->size() != 1 || op->inputs()->size() < 2) continue;
    auto it = a_op_by_key.find(OpKey(op, i, 0));
    if (it == a_op_by_key.end()) continue;
    const schema::Operator* fop = ma.operators()->Get(it->second);
    if (fop->opcode() != op->opcode()) continue;
    WeightRounding w;
    w.op_float = it->second;
    w.op_int8 = static_cast<int32_t>(i);
    w.node = OpKey(op, i, 0);
    const std::vector<float> weight_scales = Scales(*mb.tensors()->Get(op->inputs()->Get(1)));
    w.weights = Dequantized(mb, op->inputs()->Get(1), weight_scales);
    if (w.weights.empty() || !float_constant(fop, 1, w.weights.size())) continue;
    if (op->inputs()->size() > 2 && op->inputs()->Get(2) >= 0) {
      // The bias is stored without parameters: its scale is the input's
      // times each channel's weight scale.
      const std::vector<float> in_scale = Scales(*mb.tensors()->Get(op->inputs()->Get(0)));
      std::vector<float> bias_scales = weight_scales;
      for (float& s : bias_scales) s *= in_scale.empty() ? 0.0f : in_scale[0];
      std::vector<float> bias = Dequantized(mb, op->inputs()->Get(2), bias_scales);
      if (!bias.empty() && float_constant(fop, 2, bias.size())) w.bias = std::move(bias);
    }
    ops.push_back(std::move(w));
  }
  return ops;
}

void Round(const RoundingPoint& p, SimulatedRounding r, float* v, int64_t n) {
  if (r == SimulatedRounding::kInt16) {
    for (int64_t i = 0; i < n; ++i) v[i] = std::clamp(std::nearbyint(v[i] / p.int16_scale), -32768.0f, 32767.0f) * p.int16_scale;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float q = std::clamp(std::nearbyint(v[i] / p.scale) + static_cast<float>(p.zero_point), -128.0f, 127.0f);
    v[i] = (q - static_cast<float>(p.zero_point)) * p.scale;
  }
}

}  // namespace

RoundingSimulation::RoundingSimulation(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes)
    : float_bytes_(float_bytes), float_run_(std::make_unique<TracedRun>(float_bytes)), int8_(int8_bytes) {
  const schema::Model& ma = float_().model();
  const schema::Model& mb = int8_.model();
  if (ma.outputs()->size() != mb.outputs()->size()) throw std::runtime_error("the models have different outputs");
  for (uint32_t o = 0; o < ma.outputs()->size(); ++o) {
    const std::string name = ma.outputs()->Get(o)->name()->str();
    out_float_.push_back(ma.outputs()->Get(o)->tensor());
    output_names_.push_back(name);
    for (uint32_t j = 0; j < mb.outputs()->size(); ++j) {
      if (mb.outputs()->Get(j)->name()->str() == name) out_int8_.push_back(mb.outputs()->Get(j)->tensor());
    }
    if (out_int8_.size() != out_float_.size()) throw std::runtime_error("output '" + name + "' is missing from the int8 model");
  }
  points_ = FindPoints(float_(), int8_);
  weight_ops_ = FindWeightOps(float_(), int8_);
  weights_rounded_.assign(weight_ops_.size(), false);
  if (points_.empty()) {
    bool int16 = false;
    for (const schema::Tensor* t : *mb.tensors()) int16 = int16 || t->type() == schema::DataType_INT16;
    throw std::runtime_error(int16 ? "no int8 activation of the second model matches the first: its activations are "
                                     "int16 (a --quantize 16x8 conversion?); the simulation rounds an int8 conversion's "
                                     "(--quantize int8 --target-sqnr 0)"
                                   : "no int8 activation of the second model matches the first: is it an int8 "
                                     "conversion of it?");
  }
  const std::vector<bool> discrete = DiscreteOutputs(ma);
  judged_.resize(discrete.size());
  bool any = false;
  for (size_t o = 0; o < discrete.size(); ++o) any = any || !discrete[o];
  for (size_t o = 0; o < discrete.size(); ++o) judged_[o] = !any || !discrete[o];
}

void RoundingSimulation::RoundWeights(const std::vector<bool>& rounded) {
  if (rounded.size() != weight_ops_.size()) throw std::invalid_argument("RoundWeights: one flag per weight op");
  if (rounded == weights_rounded_) return;
  // Same sizes, same places: the float model's constants are overwritten in
  // a copy of its bytes.
  std::vector<uint8_t> bytes = float_bytes_;
  const schema::Model& m = *schema::GetModel(float_bytes_.data());
  const auto overwrite = [&](int32_t t, const std::vector<float>& values) {
    const flatbuffers::Vector<uint8_t>* data = ConstantData(m, t);
    std::memcpy(bytes.data() + (data->data() - float_bytes_.data()), values.data(), values.size() * 4);
  };
  for (size_t w = 0; w < weight_ops_.size(); ++w) {
    if (!rounded[w]) continue;
    const schema::Operator* op = m.operators()->Get(weight_ops_[w].op_float);
    overwrite(op->inputs()->Get(1), weight_ops_[w].weights);
    if (!weight_ops_[w].bias.empty()) overwrite(op->inputs()->Get(2), weight_ops_[w].bias);
  }
  float_run_ = std::make_unique<TracedRun>(bytes);
  weights_rounded_ = rounded;
}

std::vector<std::vector<float>> RoundingSimulation::Run(const std::vector<std::vector<float>>& inputs,
                                                        const std::function<bool(size_t)>& round) {
  return RunMixed(inputs, [&](size_t p) { return round(p) ? SimulatedRounding::kInt8 : SimulatedRounding::kExact; });
}

std::vector<std::vector<float>> RoundingSimulation::RunMixed(const std::vector<std::vector<float>>& inputs,
                                                             const std::function<SimulatedRounding(size_t)>& rounding) {
  std::map<int32_t, std::pair<size_t, SimulatedRounding>> point_of_tensor;
  for (size_t p = 0; p < points_.size(); ++p) {
    const SimulatedRounding r = rounding(p);
    if (r == SimulatedRounding::kInt16 && !(points_[p].int16_scale > 0)) {
      throw std::runtime_error("no 16x8 scale for '" + points_[p].node + "'");
    }
    if (r != SimulatedRounding::kExact) point_of_tensor[points_[p].tensor_float] = {p, r};
  }
  const auto apply = [&](int32_t tensor) {
    auto it = point_of_tensor.find(tensor);
    if (it == point_of_tensor.end()) return;
    const Tensor& t = float_().interpreter().tensor(tensor);
    Round(points_[it->second.first], it->second.second, t.As<float>(), t.elements());
  };
  float_().Run(inputs, [&](int32_t op) {
    if (op < 0) {
      for (uint32_t i = 0; i < float_().model().inputs()->size(); ++i) apply(float_().model().inputs()->Get(i)->tensor());
      return;
    }
    const Node& node = float_().interpreter().node(op);
    for (int32_t k = 0; k < node.num_outputs; ++k) apply(node.outputs[k]);
  });
  std::vector<std::vector<float>> outputs;
  for (int32_t t : out_float_) outputs.push_back(float_().TensorValues(t));
  return outputs;
}

std::vector<std::vector<float>> RoundingSimulation::RunInt8(const std::vector<std::vector<float>>& inputs) {
  int8_.Run(inputs, [](int32_t) {});
  std::vector<std::vector<float>> outputs;
  for (int32_t t : out_int8_) outputs.push_back(int8_.TensorValues(t));
  return outputs;
}

double RoundingSimulation::Worst(const std::vector<ErrorStats>& per_output) const {
  double worst = std::numeric_limits<double>::infinity();
  for (size_t o = 0; o < per_output.size(); ++o) {
    if (judged_[o]) worst = std::min(worst, per_output[o].sqnr_db());
  }
  return worst;
}

void AccumulateErrors(const std::vector<std::vector<float>>& want, const std::vector<std::vector<float>>& got,
                      std::vector<ErrorStats>* stats) {
  stats->resize(want.size());
  for (size_t o = 0; o < want.size(); ++o) {
    if (got[o].size() == want[o].size()) (*stats)[o].Add(want[o].data(), got[o].data(), got[o].size());
  }
}

}  // namespace converter
}  // namespace kite

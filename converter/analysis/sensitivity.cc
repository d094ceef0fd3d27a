#include "analysis/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "analysis/layer_compare.h"
#include "quantize/traced_run.h"

namespace kite {
namespace converter {
namespace {

// One simulated rounding: a float tensor of model A, the int8 parameters B
// gives the same value.
struct RoundingPoint {
  int32_t tensor_a;
  float scale;
  int32_t zero_point;
  TensorSensitivity info;
};

std::string OpKey(const schema::Operator* op, uint32_t i, uint32_t k) {
  const std::string node = op->source_node() ? op->source_node()->str() : std::to_string(i);
  return op->outputs()->size() == 1 ? node : node + ":" + std::to_string(k);
}

// An op that only moves int8 values, keeping its input's parameters.
bool MovesItsInput(const TracedRun& b, const schema::Operator* op, const Tensor& out) {
  switch (op->opcode()) {
    case schema::OpCode_RESHAPE:
    case schema::OpCode_TRANSPOSE:
    case schema::OpCode_SLICE:
    case schema::OpCode_SPLIT:
    case schema::OpCode_PAD: break;
    default: return false;
  }
  const Tensor& in = b.interpreter().tensor(op->inputs()->Get(0));
  return in.dtype == KITE_INT8 && in.scale == out.scale && in.zero_point == out.zero_point;
}

std::vector<RoundingPoint> RoundingPoints(const TracedRun& a, const TracedRun& b) {
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
      if (t.dtype != KITE_INT8) continue;
      if (MovesItsInput(b, op, t)) continue;  // its values are its input's, rounded already
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
      RoundingPoint p{in_a, t.scale, t.zero_point, {}};
      p.info.node = node;
      p.info.op = schema::EnumNameOpCode(op->opcode());
      p.info.index = static_cast<int32_t>(i);
      p.info.elements = t.elements();
      points.push_back(p);
    }
  }
  return points;
}

// Outputs whose value passes through a comparison (M-LSD's peak test): a
// tiny change flips whole elements, so SQNR does not judge them.
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

void Round(const RoundingPoint& p, float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float q = std::clamp(std::nearbyint(v[i] / p.scale) + static_cast<float>(p.zero_point), -128.0f, 127.0f);
    v[i] = (q - static_cast<float>(p.zero_point)) * p.scale;
  }
}

double Worst(const std::vector<ErrorStats>& per_output, const std::vector<bool>& judged) {
  double worst = std::numeric_limits<double>::infinity();
  for (size_t o = 0; o < per_output.size(); ++o) {
    if (judged[o]) worst = std::min(worst, per_output[o].sqnr_db());
  }
  return worst;
}

}  // namespace

SensitivityResult MeasureSensitivity(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                     const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                     const std::function<void(size_t, size_t)>& progress) {
  TracedRun a(float_bytes), b(int8_bytes);
  const schema::Model& ma = a.model();
  const schema::Model& mb = b.model();
  if (ma.outputs()->size() != mb.outputs()->size()) throw std::runtime_error("the models have different outputs");
  std::vector<int32_t> out_a, out_b;
  for (uint32_t o = 0; o < ma.outputs()->size(); ++o) {
    const std::string name = ma.outputs()->Get(o)->name()->str();
    out_a.push_back(ma.outputs()->Get(o)->tensor());
    for (uint32_t j = 0; j < mb.outputs()->size(); ++j) {
      if (mb.outputs()->Get(j)->name()->str() == name) out_b.push_back(mb.outputs()->Get(j)->tensor());
    }
    if (out_b.size() != out_a.size()) throw std::runtime_error("output '" + name + "' is missing from the int8 model");
  }
  const std::vector<RoundingPoint> points = RoundingPoints(a, b);
  if (points.empty()) throw std::runtime_error("no int8 activation of the second model matches the first: is it an int8 conversion of it?");
  const std::vector<bool> discrete = DiscreteOutputs(ma);
  std::vector<bool> judged(discrete.size());
  SensitivityResult r;
  for (size_t o = 0; o < discrete.size(); ++o) {
    judged[o] = !discrete[o];
    (discrete[o] ? r.discrete_outputs : r.outputs).push_back(ma.outputs()->Get(o)->name()->str());
  }
  if (r.outputs.empty()) judged.assign(judged.size(), true);  // nothing continuous: judge what there is

  std::map<int32_t, size_t> point_of_tensor;
  for (size_t p = 0; p < points.size(); ++p) point_of_tensor[points[p].tensor_a] = p;
  const size_t n_out = out_a.size();
  std::vector<ErrorStats> int8_stats(n_out), all_stats(n_out);
  std::vector<std::vector<ErrorStats>> alone(points.size(), std::vector<ErrorStats>(n_out)), kept = alone;
  const size_t runs_per_sample = 3 + 2 * points.size();
  std::vector<int32_t> graph_inputs;
  for (uint32_t i = 0; i < ma.inputs()->size(); ++i) graph_inputs.push_back(ma.inputs()->Get(i)->tensor());

  for (size_t s = 0; s < samples; ++s) {
    const std::vector<std::vector<float>> inputs = sample(s);
    size_t done = 0;
    const auto step = [&] {
      if (progress) progress(s * runs_per_sample + ++done, samples * runs_per_sample);
    };
    // The float model with the roundings `round(p)` selects.
    const auto run = [&](const std::function<bool(size_t)>& round, std::vector<ErrorStats>* stats,
                         const std::vector<std::vector<float>>* reference) {
      std::vector<std::vector<float>> outputs;
      const auto apply = [&](int32_t tensor) {
        auto it = point_of_tensor.find(tensor);
        if (it == point_of_tensor.end() || !round(it->second)) return;
        const Tensor& t = a.interpreter().tensor(tensor);
        Round(points[it->second], t.As<float>(), t.elements());
      };
      a.Run(inputs, [&](int32_t op) {
        if (op < 0) {
          for (int32_t t : graph_inputs) apply(t);
          return;
        }
        const Node& node = a.interpreter().node(op);
        for (int32_t k = 0; k < node.num_outputs; ++k) apply(node.outputs[k]);
      });
      for (size_t o = 0; o < n_out; ++o) outputs.push_back(a.TensorValues(out_a[o]));
      if (stats != nullptr) {
        for (size_t o = 0; o < n_out; ++o) (*stats)[o].Add((*reference)[o].data(), outputs[o].data(), outputs[o].size());
      }
      step();
      return outputs;
    };
    const std::vector<std::vector<float>> clean = run([](size_t) { return false; }, nullptr, nullptr);
    b.Run(inputs, [](int32_t) {});
    for (size_t o = 0; o < n_out; ++o) {
      const std::vector<float> v = b.TensorValues(out_b[o]);
      if (v.size() == clean[o].size()) int8_stats[o].Add(clean[o].data(), v.data(), v.size());
    }
    step();
    run([](size_t) { return true; }, &all_stats, &clean);
    for (size_t p = 0; p < points.size(); ++p) {
      run([p](size_t q) { return q == p; }, &alone[p], &clean);
      run([p](size_t q) { return q != p; }, &kept[p], &clean);
    }
    ++r.samples;
  }
  r.int8_model_db = Worst(int8_stats, judged);
  r.all_rounded_db = Worst(all_stats, judged);
  for (size_t p = 0; p < points.size(); ++p) {
    TensorSensitivity t = points[p].info;
    t.alone_db = Worst(alone[p], judged);
    t.kept_db = Worst(kept[p], judged);
    r.tensors.push_back(t);
  }
  return r;
}

}  // namespace converter
}  // namespace kite

#include "analysis/sensitivity.h"

#include "analysis/rounding_simulation.h"

namespace kite {
namespace converter {

SensitivityResult MeasureSensitivity(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                     const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                     const std::function<void(size_t, size_t)>& progress) {
  RoundingSimulation sim(float_bytes, int8_bytes);
  const std::vector<RoundingPoint>& points = sim.points();
  SensitivityResult r;
  for (size_t o = 0; o < sim.output_names().size(); ++o) {
    (sim.judged()[o] ? r.outputs : r.discrete_outputs).push_back(sim.output_names()[o]);
  }
  const std::vector<WeightRounding>& weight_ops = sim.weight_ops();
  std::vector<ErrorStats> int8_stats, all_stats, weights_stats, everything_stats;
  std::vector<std::vector<ErrorStats>> alone(points.size()), kept(points.size()), weight_alone(weight_ops.size());
  const size_t total = samples * (5 + 2 * points.size() + weight_ops.size());
  size_t done = 0;
  const auto step = [&] {
    if (progress) progress(++done, total);
  };
  // Activations first, sample by sample; then the weights, op by op (each
  // change of weights prepares the float model again).
  std::vector<std::vector<std::vector<float>>> inputs, clean;
  for (size_t s = 0; s < samples; ++s) {
    inputs.push_back(sample(s));
    clean.push_back(sim.Run(inputs[s], [](size_t) { return false; }));
    step();
    AccumulateErrors(clean[s], sim.RunInt8(inputs[s]), &int8_stats);
    step();
    AccumulateErrors(clean[s], sim.Run(inputs[s], [](size_t) { return true; }), &all_stats);
    step();
    for (size_t p = 0; p < points.size(); ++p) {
      AccumulateErrors(clean[s], sim.Run(inputs[s], [p](size_t q) { return q == p; }), &alone[p]);
      step();
      AccumulateErrors(clean[s], sim.Run(inputs[s], [p](size_t q) { return q != p; }), &kept[p]);
      step();
    }
    ++r.samples;
  }
  for (size_t w = 0; w < weight_ops.size(); ++w) {
    std::vector<bool> only(weight_ops.size(), false);
    only[w] = true;
    sim.RoundWeights(only);
    for (size_t s = 0; s < samples; ++s) {
      AccumulateErrors(clean[s], sim.Run(inputs[s], [](size_t) { return false; }), &weight_alone[w]);
      step();
    }
  }
  sim.RoundWeights(std::vector<bool>(weight_ops.size(), true));
  for (size_t s = 0; s < samples; ++s) {
    AccumulateErrors(clean[s], sim.Run(inputs[s], [](size_t) { return false; }), &weights_stats);
    step();
    AccumulateErrors(clean[s], sim.Run(inputs[s], [](size_t) { return true; }), &everything_stats);
    step();
  }
  r.weights_rounded_db = sim.Worst(weights_stats);
  r.everything_rounded_db = sim.Worst(everything_stats);
  for (size_t w = 0; w < weight_ops.size(); ++w) {
    WeightSensitivity ws;
    ws.node = weight_ops[w].node;
    ws.index = weight_ops[w].op_int8;
    ws.op = schema::EnumNameOpCode(sim.int8_run().model().operators()->Get(ws.index)->opcode());
    ws.alone_db = sim.Worst(weight_alone[w]);
    r.weights.push_back(ws);
  }
  r.int8_model_db = sim.Worst(int8_stats);
  r.all_rounded_db = sim.Worst(all_stats);
  for (size_t p = 0; p < points.size(); ++p) {
    TensorSensitivity t;
    t.node = points[p].node;
    t.op = points[p].op;
    t.index = points[p].op_int8;
    t.elements = points[p].elements;
    t.alone_db = sim.Worst(alone[p]);
    t.kept_db = sim.Worst(kept[p]);
    r.tensors.push_back(t);
  }
  return r;
}

}  // namespace converter
}  // namespace kite

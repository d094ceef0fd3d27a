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
  std::vector<ErrorStats> int8_stats, all_stats;
  std::vector<std::vector<ErrorStats>> alone(points.size()), kept(points.size());
  const size_t runs_per_sample = 3 + 2 * points.size();
  for (size_t s = 0; s < samples; ++s) {
    const std::vector<std::vector<float>> inputs = sample(s);
    size_t done = 0;
    const auto step = [&] {
      if (progress) progress(s * runs_per_sample + ++done, samples * runs_per_sample);
    };
    const std::vector<std::vector<float>> clean = sim.Run(inputs, [](size_t) { return false; });
    step();
    AccumulateErrors(clean, sim.RunInt8(inputs), &int8_stats);
    step();
    AccumulateErrors(clean, sim.Run(inputs, [](size_t) { return true; }), &all_stats);
    step();
    for (size_t p = 0; p < points.size(); ++p) {
      AccumulateErrors(clean, sim.Run(inputs, [p](size_t q) { return q == p; }), &alone[p]);
      step();
      AccumulateErrors(clean, sim.Run(inputs, [p](size_t q) { return q != p; }), &kept[p]);
      step();
    }
    ++r.samples;
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

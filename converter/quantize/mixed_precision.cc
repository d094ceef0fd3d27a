#include "quantize/mixed_precision.h"

#include <algorithm>
#include <numeric>

#include "analysis/op_cost.h"
#include "analysis/rounding_simulation.h"

namespace kite {
namespace converter {
namespace {

// The cost model of the latency budget, in the time of one int8 MAC, from
// kite bench's per-op times on an AMX Xeon: a float MAC costs 10 (XNNPACK's
// float convs 9-35 GMAC/s against the int8 engine's 100-480 on PP-OCR det
// and M-LSD-large-320), an element an op writes 10 in int8 and 30 in float,
// and the Quantize/Dequantize at a float region's edges about 25 more per
// element: 40 extra per element an op moved to float writes.
constexpr double kFloatMacTime = 10.0;
constexpr double kInt8ElementTime = 10.0;
constexpr double kFloatElementExtraTime = 40.0;

bool IsInt8Op(const TracedRun& run, const schema::Operator* op) {
  return op->outputs()->size() > 0 && run.interpreter().tensor(op->outputs()->Get(0)).dtype == KITE_INT8 &&
         op->opcode() != schema::OpCode_QUANTIZE;
}

bool IsMove(schema::OpCode op) {
  return op == schema::OpCode_RESHAPE || op == schema::OpCode_TRANSPOSE || op == schema::OpCode_SLICE ||
         op == schema::OpCode_SPLIT || op == schema::OpCode_PAD;
}

// The int8 ops that must run in float for point p's value to stay exact: its
// producer, and its readers, followed through ops that only move it.
std::vector<int32_t> OpsToFloat(const TracedRun& run, const RoundingPoint& p, const std::vector<std::vector<int32_t>>& readers) {
  const schema::Model& m = run.model();
  std::vector<int32_t> ops;
  const schema::Operator* producer = m.operators()->Get(p.op_int8);
  if (IsInt8Op(run, producer)) ops.push_back(p.op_int8);
  std::vector<int32_t> tensors = {producer->outputs()->Get(0)};
  while (!tensors.empty()) {
    const int32_t t = tensors.back();
    tensors.pop_back();
    for (int32_t r : readers[t]) {
      const schema::Operator* op = m.operators()->Get(r);
      if (!IsInt8Op(run, op) || std::find(ops.begin(), ops.end(), r) != ops.end()) continue;
      ops.push_back(r);
      if (IsMove(op->opcode())) tensors.push_back(op->outputs()->Get(0));
    }
  }
  return ops;
}

}  // namespace

MixedPrecisionChoice ChooseFloatOps(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                    const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                    const MixedPrecisionOptions& options, const std::function<void(size_t, size_t)>& progress) {
  RoundingSimulation sim(float_bytes, int8_bytes);
  const std::vector<RoundingPoint>& points = sim.points();
  const TracedRun& run = sim.int8_run();
  const schema::Model& m = run.model();
  MixedPrecisionChoice choice;
  std::vector<uint64_t> macs(m.operators()->size());
  std::vector<double> extra_time(m.operators()->size());  // what running op i in float adds, in int8 MAC times
  double model_time = 0;
  std::vector<std::vector<int32_t>> readers(m.tensors()->size());
  for (uint32_t i = 0; i < m.operators()->size(); ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    macs[i] = CostOf(m, *op).macs;
    choice.model_macs += macs[i];
    const double elements = static_cast<double>(run.interpreter().tensor(op->outputs()->Get(0)).elements());
    extra_time[i] = (kFloatMacTime - 1) * static_cast<double>(macs[i]) + kFloatElementExtraTime * elements;
    model_time += static_cast<double>(macs[i]) + kInt8ElementTime * elements;
    for (int32_t t : *m.operators()->Get(i)->inputs()) {
      if (t >= 0) readers[t].push_back(static_cast<int32_t>(i));
    }
  }
  std::vector<std::vector<std::vector<float>>> inputs(samples), clean(samples);
  size_t done = 0, total = samples + points.size() + 1;
  const auto step = [&] {
    if (progress) progress(++done, std::max(done, total));
  };
  for (size_t s = 0; s < samples; ++s) {
    inputs[s] = sample(s);
    clean[s] = sim.Run(inputs[s], [](size_t) { return false; });
    step();
  }
  // Simulated worst output SQNR on the first `n` samples with the points
  // `exact` selects kept exact.
  const auto simulate = [&](const std::vector<bool>& exact, size_t n) {
    std::vector<ErrorStats> stats;
    for (size_t s = 0; s < n; ++s) AccumulateErrors(clean[s], sim.Run(inputs[s], [&](size_t p) { return !exact[p]; }), &stats);
    step();
    return sim.Worst(stats);
  };
  // Ranking each rounding alone needs one sample: its order, not its value,
  // is what counts.
  std::vector<double> alone(points.size());
  for (size_t p = 0; p < points.size(); ++p) {
    std::vector<bool> exact(points.size(), true);
    exact[p] = false;
    alone[p] = simulate(exact, 1);
  }
  std::vector<std::vector<int32_t>> needs;
  for (const RoundingPoint& p : points) needs.push_back(OpsToFloat(run, p, readers));
  std::vector<bool> exact(points.size(), false);
  choice.all_int8_db = choice.chosen_db = simulate(exact, samples);
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return alone[a] < alone[b]; });
  std::vector<bool> float_op(m.operators()->size(), false);
  const uint64_t budget = static_cast<uint64_t>(options.max_float_mac_share * static_cast<double>(choice.model_macs));
  const double time_budget = options.max_slowdown * model_time;
  double spent_time = 0;
  // Activations join in groups, most harmful first, judged together (a
  // group is undone when it lowers the SQNR): ~24 judgements, not one per
  // activation.
  const size_t group = std::max<size_t>(1, (points.size() + 23) / 24);
  total = done + (points.size() + group - 1) / group;
  for (size_t next = 0; next < order.size() && choice.chosen_db < options.target_sqnr_db;) {
    std::vector<bool> trial_ops = float_op;
    uint64_t trial_macs = choice.float_macs;
    double trial_time = spent_time;
    for (size_t taken = 0; taken < group && next < order.size(); ++next) {
      const size_t p = order[next];
      if (exact[p] || alone[p] >= options.target_sqnr_db + 20) continue;  // harmless alone: not worth float
      uint64_t cost = 0;
      double time = 0;
      for (int32_t op : needs[p]) {
        cost += trial_ops[op] ? 0 : macs[op];
        time += trial_ops[op] ? 0 : extra_time[op];
      }
      if (trial_macs + cost > budget || trial_time + time > time_budget) continue;
      for (int32_t op : needs[p]) trial_ops[op] = true;
      trial_macs += cost;
      trial_time += time;
      ++taken;
    }
    if (trial_macs == choice.float_macs && trial_ops == float_op) break;
    // Every point whose ops are all float now is exact.
    std::vector<bool> trial = exact;
    for (size_t q = 0; q < points.size(); ++q) {
      const std::vector<int32_t>& need = needs[q];
      trial[q] = trial[q] || (!need.empty() && std::all_of(need.begin(), need.end(), [&](int32_t op) { return trial_ops[op]; }));
    }
    const double db = simulate(trial, samples);
    if (db < choice.chosen_db) continue;
    exact = trial;
    float_op = trial_ops;
    choice.chosen_db = db;
    choice.float_macs = trial_macs;
    spent_time = trial_time;
  }
  choice.estimated_slowdown = model_time > 0 ? spent_time / model_time : 0;
  for (uint32_t i = 0; i < m.operators()->size(); ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    if (float_op[i] && op->source_node()) choice.float_nodes.insert(op->source_node()->str());
  }
  choice.activations_kept = static_cast<int>(std::count(exact.begin(), exact.end(), true));
  return choice;
}

}  // namespace converter
}  // namespace kite

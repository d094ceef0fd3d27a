#include "quantize/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "analysis/op_cost.h"
#include "analysis/rounding_simulation.h"
#include "core/op_kinds.h"
#include "kernels/int8/ukernels.h"
#include "quantize/op_quantization.h"

namespace kite {
namespace converter {
namespace {

// The cost model of the latency budget, in the time of one int8 MAC.
struct Prices {
  double float_mac;                  // a MAC in float
  double int8_element;               // an element an int8 op writes
  double float_element_extra;        // more per element an op moved to float writes (its Quantize/Dequantize)
  double int16_dense_mac_extra;      // more per MAC of a one-group conv or FC in 16x8
  double int16_depthwise_mac_extra;  // more per MAC of a depthwise (grouped) conv in 16x8
  double int16_element_extra;        // more per element a 16x8 op writes
};

// From kite bench's per-op times on an AMX Xeon: a float MAC costs 10
// (XNNPACK's float convs 9-35 GMAC/s against the int8 engine's 100-480 on
// PP-OCR det and M-LSD-large-320), an element an op writes 10 in int8 and 30
// in float, and the Quantize/Dequantize at a float region's edges about 25
// more per element: 40 extra. 16x8 fitted to kite bench of PP-OCR rec
// (--mixed-16x8 --max-slowdown 0.8: 48.6M MACs of one-group convs and FC,
// 23.6M of depthwise convs and 10.5M elements written by the other int16
// ops) on an AVX-512 AMD EPYC, against the same ops' int8 engine rates: a
// one-group conv or FC MAC costs 2 more (the 16x8 GEMM's vpdpwssd against
// vpdpbusd), a depthwise one 9.5 more (Kite's portable 16x8 loops), an int16
// element 30 more. (Fitted before 16x8 depthwise convs ran in runs of
// pixels, 1.7x faster on PP-OCR det on AVX2, and before transposed convs
// with kernel = stride ran as GEMMs: to refit on an AVX-512 machine.)
constexpr Prices kInt8DotPrices = {10.0, 10.0, 40.0, 2.0, 9.5, 30.0};
// From kite bench's per-op times (--runs 15) of PP-OCR det, rec, M-LSD-large-320
// and BlazeFace-back, each all-int8, all-16x8 and float, on an AVX2 AMD EPYC
// (Zen 3), in units of the int8 engine's dense conv MAC (0.023-0.034 ns
// there; no VNNI: vpmaddubsw and vpmaddwd): XNNPACK's float convs 2.0-2.5
// of them; the 16x8 GEMM 0.13-0.31 fewer (0.15; vpmaddwd alone); a 16x8
// depthwise MAC 0.3 more (-0.2 to +0.7 by model); an int16 element 3 more
// (-2 to +7); an element in float about as an int8 one, plus its share of a
// float region's Quantize/Dequantize (~10).
constexpr Prices kAvx2Prices = {2.5, 10.0, 10.0, -0.15, 0.3, 3.0};

const Prices& PricesOf(CostModel model) { return model == CostModel::kAvx2 ? kAvx2Prices : kInt8DotPrices; }

bool IsGroupedConv(const schema::Operator& op) {
  const auto* o = op.options_as_Conv2DOptions();
  return op.opcode() == schema::OpCode_CONV_2D && o != nullptr && o->groups() > 1;
}

bool IsInt8Op(const TracedRun& run, const schema::Operator* op) {
  return op->outputs()->size() > 0 && run.interpreter().tensor(op->outputs()->Get(0)).dtype == KITE_INT8 &&
         op->opcode() != schema::OpCode_QUANTIZE;
}

bool IsMove(schema::OpCode op) {
  return op == schema::OpCode_RESHAPE || op == schema::OpCode_TRANSPOSE || op == schema::OpCode_SLICE ||
         op == schema::OpCode_SPLIT || op == schema::OpCode_PAD;
}

// An op 16x8 can take over: one with a 16x8 kernel, a conv or FC only with
// constant weights (as the quantizer requires).
bool Has16x8Kernel(const TracedRun& run, const schema::Operator* op) {
  const schema::OpCode c = op->opcode();
  if (!HasInt16Kernel(c)) return false;
  if (!IsConvFamily(c)) return true;
  return op->inputs()->size() > 1 && op->inputs()->Get(1) >= 0 && run.interpreter().tensor(op->inputs()->Get(1)).is_constant;
}

// The int8 ops that must be promoted for point p's value to stay exact: its
// producer, and its readers, followed through ops that only move it.
std::vector<int32_t> OpsToPromote(const TracedRun& run, const RoundingPoint& p, const std::vector<std::vector<int32_t>>& readers) {
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

// An op's precision in the search: each step only raises it.
enum Level { kInt8Level = 0, k16x8Level = 1, kFloatLevel = 2 };
using R = SimulatedRounding;

// The search over one int8 model: costs, rankings and the choice so far.
class Search {
 public:
  Search(RoundingSimulation& sim, const std::vector<RangeObserver>& stats, const MixedPrecisionOptions& options,
         const std::function<void(size_t, size_t)>& progress);
  // Samples to judge on, and the float model's outputs on them.
  void AddSample(std::vector<std::vector<float>> input);
  // Ranks each activation's rounding alone (on the first sample).
  void Rank();
  // Promotes activations, most harmful first, in groups kept when the
  // simulated SQNR does not fall: to 16x8 where the ops have a 16x8 kernel
  // (float otherwise), or with `to_float` every op to float (the second
  // pass, for what 16x8 did not fix).
  void Pass(bool to_float);
  MixedPrecisionChoice Finish();
  bool started_from_16x8() const { return start_16x8_; }

 private:
  // Each point's rounding where the ops run at `level`: a point whose ops
  // are all promoted is exact where all are float, 16x8 otherwise.
  std::vector<R> RoundingAt(const std::vector<int>& level) const;
  // The worst output SQNR on the first `samples` samples with activations
  // rounded as `rounding` says and the weights of every op below float
  // rounded.
  double Simulate(const std::vector<R>& rounding, const std::vector<int>& level, size_t samples);
  std::vector<bool> WeightsRounded(const std::vector<int>& level) const;
  void Step() {
    if (progress_) progress_(++done_, std::max(done_, total_));
  }

  RoundingSimulation& sim_;
  const MixedPrecisionOptions& options_;
  std::function<void(size_t, size_t)> progress_;
  size_t done_ = 0, total_ = 0;
  std::vector<uint64_t> macs_;
  std::vector<double> time_16x8_, time_float_;  // what each level adds over int8, in int8 MAC times
  std::vector<bool> has_16x8_;
  double model_time_ = 0;
  // Candidates: the activation points, then the conv/FCs' weights
  // (sim.weight_ops(), point count + w): keeping weights exact takes the op
  // to float.
  size_t activations_ = 0;
  std::vector<std::vector<int32_t>> needs_;  // per candidate: the ops to promote
  std::vector<std::vector<std::vector<float>>> inputs_, clean_;
  std::vector<double> alone_;
  std::vector<size_t> order_;
  // The choice so far.
  std::vector<int> level_;
  std::vector<R> rounding_;
  bool start_16x8_ = false;           // every op with a 16x8 kernel begins in 16x8
  MixedPrecisionChoice choice_;
  double spent_time_ = 0;
};

Search::Search(RoundingSimulation& sim, const std::vector<RangeObserver>& stats, const MixedPrecisionOptions& options,
               const std::function<void(size_t, size_t)>& progress)
    : sim_(sim), options_(options), progress_(progress) {
  const std::vector<RoundingPoint>& points = sim.points();
  // Each value's 16x8 scale, as the quantizer picks it (symmetric min-max
  // with headroom); without statistics (a QDQ model's own parameters), the
  // int8 range's.
  for (size_t p = 0; p < points.size(); ++p) {
    const RoundingPoint& point = points[p];
    const size_t t = static_cast<size_t>(point.tensor_float);
    Range r{point.scale * static_cast<float>(-128 - point.zero_point), point.scale * static_cast<float>(127 - point.zero_point)};
    if (t < stats.size() && !stats[t].empty()) r = MinMaxRange(stats[t]);
    sim.set_int16_scale(p, Int16ActivationScale(r));
  }
  const TracedRun& run = sim.int8_run();
  const schema::Model& m = run.model();
  const size_t n = m.operators()->size();
  const Prices& prices = PricesOf(options.cost_model);
  choice_.cost_model = options.cost_model;
  macs_.resize(n);
  time_16x8_.resize(n);
  time_float_.resize(n);
  has_16x8_.resize(n);
  std::vector<std::vector<int32_t>> readers(m.tensors()->size());
  std::vector<int32_t> producer(m.tensors()->size(), -1);
  for (uint32_t i = 0; i < n; ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    macs_[i] = CostOf(m, *op).macs;
    choice_.model_macs += macs_[i];
    const double elements = static_cast<double>(run.interpreter().tensor(op->outputs()->Get(0)).elements());
    has_16x8_[i] = (options.use_16x8 || options.from_16x8) && Has16x8Kernel(run, op);
    const double mac_extra = IsGroupedConv(*op) ? prices.int16_depthwise_mac_extra : prices.int16_dense_mac_extra;
    time_16x8_[i] = mac_extra * static_cast<double>(macs_[i]) + prices.int16_element_extra * elements;
    time_float_[i] = (prices.float_mac - 1) * static_cast<double>(macs_[i]) + prices.float_element_extra * elements;
    model_time_ += static_cast<double>(macs_[i]) + prices.int8_element * elements;
    for (int32_t t : *op->inputs()) {
      if (t >= 0) readers[t].push_back(static_cast<int32_t>(i));
    }
    for (int32_t t : *op->outputs()) producer[t] = static_cast<int32_t>(i);
  }
  for (const RoundingPoint& p : points) needs_.push_back(OpsToPromote(run, p, readers));
  activations_ = points.size();
  for (const WeightRounding& w : sim.weight_ops()) needs_.push_back({w.op_int8});
  // The whole 16x8 model, as the quantizer's all_int16 makes it (op order:
  // a move follows its input).
  std::vector<int> all_16x8(n, kInt8Level);
  uint64_t all_16x8_float_macs = 0;
  double all_16x8_time = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    if (!IsInt8Op(run, op)) continue;
    const int32_t in = op->inputs()->size() > 0 ? op->inputs()->Get(0) : -1;
    const bool follows = MovesInt16(op->opcode()) && in >= 0 && producer[in] >= 0 && all_16x8[producer[in]] == k16x8Level;
    all_16x8[i] = has_16x8_[i] || follows ? k16x8Level : kFloatLevel;
    all_16x8_time += all_16x8[i] == k16x8Level ? time_16x8_[i] : time_float_[i];
    if (all_16x8[i] == kFloatLevel) all_16x8_float_macs += macs_[i];
  }
  level_.assign(n, kInt8Level);
  // From --quantize 16x8 the budgets count from the 16x8 model; from int8,
  // the whole 16x8 model is the start where it fits them.
  start_16x8_ = options.from_16x8 ||
                (options.use_16x8 && all_16x8_time <= options.max_slowdown * model_time_ &&
                 static_cast<double>(all_16x8_float_macs) <= options.max_float_mac_share * static_cast<double>(choice_.model_macs));
  if (start_16x8_) level_ = all_16x8;
  if (start_16x8_ && !options.from_16x8) {
    spent_time_ = all_16x8_time;
    choice_.float_macs = all_16x8_float_macs;
    choice_.started_from_16x8 = true;
  }
  rounding_ = RoundingAt(level_);
  total_ = (options.from_16x8 ? needs_.size() - activations_ : needs_.size()) + (choice_.started_from_16x8 ? 2 : 1);
}

std::vector<R> Search::RoundingAt(const std::vector<int>& level) const {
  std::vector<R> rounding(activations_, R::kInt8);
  for (size_t q = 0; q < activations_; ++q) {
    const std::vector<int32_t>& need = needs_[q];
    if (need.empty() || !std::all_of(need.begin(), need.end(), [&](int32_t op) { return level[op] > kInt8Level; })) continue;
    rounding[q] = std::all_of(need.begin(), need.end(), [&](int32_t op) { return level[op] == kFloatLevel; }) ? R::kExact
                                                                                                              : R::kInt16;
  }
  return rounding;
}

void Search::AddSample(std::vector<std::vector<float>> input) {
  clean_.push_back(sim_.Run(input, [](size_t) { return false; }));
  inputs_.push_back(std::move(input));
  ++total_;
  Step();
}

std::vector<bool> Search::WeightsRounded(const std::vector<int>& level) const {
  std::vector<bool> rounded;
  for (const WeightRounding& w : sim_.weight_ops()) rounded.push_back(level[w.op_int8] != kFloatLevel);
  return rounded;
}

double Search::Simulate(const std::vector<R>& rounding, const std::vector<int>& level, size_t samples) {
  sim_.RoundWeights(WeightsRounded(level));
  std::vector<ErrorStats> errors;
  for (size_t s = 0; s < samples; ++s) {
    AccumulateErrors(clean_[s], sim_.RunMixed(inputs_[s], [&](size_t p) { return rounding[p]; }), &errors);
  }
  Step();
  return sim_.Worst(errors);
}

void Search::Rank() {
  // Ranking each rounding alone needs one sample: its order, not its value,
  // is what counts. Activations alone with float weights, then each op's
  // weights alone with exact activations.
  const size_t points = rounding_.size();
  const std::vector<int> all_float(level_.size(), kFloatLevel);
  alone_.resize(needs_.size());
  for (size_t p = 0; p < points; ++p) {
    // From --quantize 16x8, activations stay where they are: not candidates.
    // From the whole 16x8 model within int8, each ranks by its 16x8
    // rounding, for the pass to float.
    if (options_.from_16x8 || rounding_[p] == R::kExact) {
      alone_[p] = INFINITY;
      continue;
    }
    std::vector<R> rounding(points, R::kExact);
    rounding[p] = rounding_[p];
    alone_[p] = Simulate(rounding, all_float, 1);
  }
  const std::vector<WeightRounding>& weight_ops = sim_.weight_ops();
  for (size_t w = 0; w < weight_ops.size(); ++w) {
    std::vector<int> level = all_float;
    level[weight_ops[w].op_int8] = kInt8Level;
    alone_[points + w] = Simulate(std::vector<R>(points, R::kExact), level, 1);
  }
  choice_.all_int8_db = choice_.chosen_db = Simulate(rounding_, level_, inputs_.size());
  if (choice_.started_from_16x8) {
    choice_.all_16x8_db = choice_.chosen_db;
    choice_.all_int8_db = Simulate(std::vector<R>(activations_, R::kInt8), std::vector<int>(level_.size(), kInt8Level),
                                   inputs_.size());
  }
  order_.resize(needs_.size());
  std::iota(order_.begin(), order_.end(), 0);
  std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return alone_[a] < alone_[b]; });
}

void Search::Pass(bool to_float) {
  const uint64_t mac_budget = static_cast<uint64_t>(options_.max_float_mac_share * static_cast<double>(choice_.model_macs));
  const double time_budget = options_.max_slowdown * model_time_;
  const auto level_for = [&](int32_t op) -> int { return to_float || !has_16x8_[op] ? kFloatLevel : k16x8Level; };
  const auto time_at = [&](int32_t op, int level) {
    return level == kFloatLevel ? time_float_[op] : level == k16x8Level ? time_16x8_[op] : 0.0;
  };
  // Activations join in groups, most harmful first, judged together (a
  // group is undone when it lowers the SQNR): ~24 judgements per pass, not
  // one per activation.
  const size_t group = std::max<size_t>(1, (order_.size() + 23) / 24);
  total_ += (order_.size() + group - 1) / group;
  for (size_t next = 0; next < order_.size() && choice_.chosen_db < options_.target_sqnr_db;) {
    std::vector<int> trial_level = level_;
    uint64_t trial_macs = choice_.float_macs;
    double trial_time = spent_time_;
    for (size_t taken = 0; taken < group && next < order_.size(); ++next) {
      const size_t p = order_[next];
      // Weights only change in float; an activation is promoted one level.
      const bool eligible = p >= activations_ ? to_float && level_[needs_[p][0]] != kFloatLevel
                            : to_float            ? rounding_[p] != R::kExact
                                                  : rounding_[p] == R::kInt8;
      if (!eligible || alone_[p] >= options_.target_sqnr_db + 20) continue;  // harmless alone: not worth it
      uint64_t macs = 0;
      double time = 0;
      for (int32_t op : needs_[p]) {
        const int to = std::max(trial_level[op], level_for(op));
        if (to == kFloatLevel && trial_level[op] != kFloatLevel) macs += macs_[op];
        time += time_at(op, to) - time_at(op, trial_level[op]);
      }
      if (trial_macs + macs > mac_budget || trial_time + time > time_budget) continue;
      for (int32_t op : needs_[p]) trial_level[op] = std::max(trial_level[op], level_for(op));
      trial_macs += macs;
      trial_time += time;
      ++taken;
    }
    if (trial_level == level_) break;
    const std::vector<R> trial = RoundingAt(trial_level);
    const double db = Simulate(trial, trial_level, inputs_.size());
    if (db < choice_.chosen_db) continue;
    rounding_ = trial;
    level_ = trial_level;
    choice_.chosen_db = db;
    choice_.float_macs = trial_macs;
    spent_time_ = trial_time;
  }
}

MixedPrecisionChoice Search::Finish() {
  const schema::Model& m = sim_.int8_run().model();
  choice_.estimated_slowdown = model_time_ > 0 ? spent_time_ / model_time_ : 0;
  for (uint32_t i = 0; i < m.operators()->size(); ++i) {
    const schema::Operator* op = m.operators()->Get(i);
    if (level_[i] == kInt8Level || !op->source_node()) continue;
    // A 16x8 move follows its input in the quantizer; named, it would not.
    if (level_[i] == k16x8Level && MovesInt16(op->opcode())) continue;
    (level_[i] == k16x8Level ? choice_.int16_nodes : choice_.float_nodes).insert(op->source_node()->str());
    if (level_[i] == k16x8Level) choice_.int16_macs += macs_[i];
  }
  choice_.activations_kept = static_cast<int>(rounding_.size() - std::count(rounding_.begin(), rounding_.end(), R::kInt8));
  for (const WeightRounding& w : sim_.weight_ops()) choice_.weights_kept += level_[w.op_int8] == kFloatLevel ? 1 : 0;
  sim_.RoundWeights(std::vector<bool>(sim_.weight_ops().size(), false));
  return choice_;
}

}  // namespace

const char* CostModelName(CostModel model) { return model == CostModel::kAvx2 ? "avx2" : "int8-dot"; }

CostModel HostCostModel() {
  // The AVX2 variant is the best only where x86 has no VNNI and no AMX.
  return std::strcmp(int8::BestUkernels()->name, "avx2") == 0 ? CostModel::kAvx2 : CostModel::kInt8Dot;
}

MixedPrecisionChoice ChooseFloatOps(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                    const std::vector<RangeObserver>& stats,
                                    const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                    const MixedPrecisionOptions& options, const std::function<void(size_t, size_t)>& progress) {
  RoundingSimulation sim(float_bytes, int8_bytes);
  Search search(sim, stats, options, progress);
  for (size_t s = 0; s < samples; ++s) search.AddSample(sample(s));
  search.Rank();
  if (options.use_16x8 && !search.started_from_16x8()) search.Pass(false);
  search.Pass(true);  // what 16x8 left below the target, and, without 16x8, everything
  return search.Finish();
}

}  // namespace converter
}  // namespace kite

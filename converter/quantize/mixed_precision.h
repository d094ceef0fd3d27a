// Automatic mixed precision: which ops of an int8 model to run in 16x8 or
// float so that its outputs stay within a target SQNR of the float model,
// spending at most a share of the model's multiply-accumulates on float.
//
// Each int8 activation's rounding, and each conv/FC's int8 weights, are
// simulated alone on the first calibration sample
// (analysis/rounding_simulation.h); the most harmful go first. Keeping an
// activation exact means promoting the op computing it and every op reading
// it (through ops that only move it) to float; with use_16x8, first to 16x8
// where the op has a 16x8 kernel (int16 activations, int8 weights, integer
// MACs; simulated at its int16 scale), then a second pass takes what 16x8
// did not fix on to float. Keeping weights exact means float (from_16x8:
// the only move, from the --quantize 16x8 model). Candidates
// join in groups (about 24 judgements per pass); a group is kept when the
// simulated worst output SQNR on all samples, every op below float with its
// int8 weights, does not fall. It stops at the target or when the budgets
// (float MACs, estimated slowdown) are spent.
//
// The slowdown is estimated by a fixed cost model of the CPU class the file
// is for (CostModel), not by timing: the same inputs and class give the same
// file on every machine whose float kernels agree. Where the whole 16x8 model
// fits the budget (CPUs whose int8 engine has no dot-product instructions,
// on which 16x8 keeps pace with int8), the int8 search starts from it, as
// from_16x8 does.
#ifndef KITE_CONVERTER_QUANTIZE_MIXED_PRECISION_H_
#define KITE_CONVERTER_QUANTIZE_MIXED_PRECISION_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "quantize/range_observer.h"

namespace kite {
namespace converter {

// The CPU classes the latency budget is priced for: how fast 16x8 and float
// ops run against the int8 engine differs by class.
enum class CostModel {
  // The int8 engine has dot-product instructions (AVX-512 VNNI, AVX-VNNI,
  // AMX, Arm dotprod), 3x or more the 16x8 GEMM's rate; also every target
  // without a 16x8 GEMM (the other Arm cores, microcontrollers: Kite's
  // portable 16x8 loops).
  kInt8Dot,
  // x86 with AVX2 and no VNNI: the int8 engine and the 16x8 GEMM both
  // multiply int16 pairs (vpmaddwd), at the same pace.
  kAvx2,
};
const char* CostModelName(CostModel model);
// The class of the CPU this process runs on (its int8 engine's variant).
CostModel HostCostModel();

struct MixedPrecisionOptions {
  double target_sqnr_db = 30.0;
  double max_float_mac_share = 0.10;  // of the model's MACs
  // Of the all-int8 model's estimated time, by the fixed cost model of
  // `cost_model` (float and 16x8 MACs and elements against int8 ones,
  // mixed_precision.cc): the same file on every machine.
  double max_slowdown = 0.15;
  CostModel cost_model = CostModel::kInt8Dot;  // kite convert's default: HostCostModel()
  // Promote convs/FCs and element-wise ops to 16x8 first (kite convert's
  // default; off here, for callers that name their choice).
  bool use_16x8 = false;
  // Start where kite convert --quantize 16x8 does: every op with a 16x8
  // kernel in 16x8, the others in float. Only convs/FCs whose int8 weights
  // cost the most then move, to float; the budgets count what that adds.
  bool from_16x8 = false;
};

struct MixedPrecisionChoice {
  std::set<std::string> float_nodes;  // ONNX node names to add to keep_float
  std::set<std::string> int16_nodes;  // ONNX node names to run in 16x8
  double all_int8_db = 0;             // simulated, before (from_16x8: the 16x8 model)
  double chosen_db = 0;               // simulated, with the choice
  uint64_t model_macs = 0;
  uint64_t float_macs = 0;            // MACs of the ops the choice adds to float
  uint64_t int16_macs = 0;            // MACs of the ops it runs in 16x8
  double estimated_slowdown = 0;      // by the cost model, as a share of the all-int8 time
  CostModel cost_model = CostModel::kInt8Dot;  // what the estimate is priced for
  bool started_from_16x8 = false;     // the whole 16x8 model fit the budget: the search began there
  double all_16x8_db = 0;             // simulated, the whole 16x8 model (when it began there)
  int activations_kept = 0;           // in 16x8 or exact
  int weights_kept = 0;               // convs/FCs in float: their weights exact
};

// `float_bytes` and `int8_bytes`: the float model and its all-int8
// conversion; `stats`: the float model's calibration (16x8 scales).
// `sample(s)` gives sample s of `samples` (model input order).
// `progress(done, total)` counts simulated runs.
MixedPrecisionChoice ChooseFloatOps(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes,
                                    const std::vector<RangeObserver>& stats,
                                    const std::function<std::vector<std::vector<float>>(size_t)>& sample, size_t samples,
                                    const MixedPrecisionOptions& options,
                                    const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_MIXED_PRECISION_H_

// The float model run with some of an int8 model's roundings simulated: each
// chosen activation is quantized and dequantized in place, with the int8
// model's scale and zero point for the same value, right after the op
// computing it; a chosen conv/FC takes the int8 model's weights and bias,
// dequantized (its bias correction included). What kite compare
// --sensitivity and the mixed-precision search measure with.
#ifndef KITE_CONVERTER_ANALYSIS_ROUNDING_SIMULATION_H_
#define KITE_CONVERTER_ANALYSIS_ROUNDING_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/layer_compare.h"
#include "quantize/traced_run.h"

namespace kite {
namespace converter {

// One int8 activation of the int8 model, and the float tensor holding the
// same value in the float model.
struct RoundingPoint {
  int32_t tensor_float = -1;
  float scale = 1;
  int32_t zero_point = 0;
  int32_t op_int8 = -1;  // the int8 model's op computing it (a Quantize where a float value enters int8)
  std::string node;      // ONNX node computing it, or "input:NAME" for a graph input
  std::string op;        // that op's Kite name
  int64_t elements = 0;
  // The 16x8 scale the same value would have (symmetric), when known.
  float int16_scale = 0;
};

// How a point's value is simulated: kept exact, or rounded as int8 (the
// int8 model's parameters) or as 16x8 (int16_scale, zero point 0).
enum class SimulatedRounding { kExact, kInt8, kInt16 };

// A conv/FC whose int8 weights can stand in for its float ones.
struct WeightRounding {
  int32_t op_float = -1;
  int32_t op_int8 = -1;
  std::string node;
  std::vector<float> weights, bias;  // dequantized; bias empty when the float op has none
};

class RoundingSimulation {
 public:
  // Throws std::runtime_error when the models do not match (outputs by name,
  // at least one int8 activation in common).
  RoundingSimulation(const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes);

  const std::vector<RoundingPoint>& points() const { return points_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  // Outputs whose value passes through a comparison (M-LSD's peak test): a
  // tiny change flips whole elements, so SQNR does not judge them (unless no
  // output is continuous).
  const std::vector<bool>& judged() const { return judged_; }
  const TracedRun& int8_run() const { return int8_; }
  const std::vector<WeightRounding>& weight_ops() const { return weight_ops_; }

  // Which conv/FCs (by weight_ops() index) run with the int8 weights in the
  // runs that follow; none at first. Changing the set prepares the float
  // model again (its float kernels pack the weights).
  void RoundWeights(const std::vector<bool>& rounded);
  // The float model's outputs with point p rounded where round(p).
  std::vector<std::vector<float>> Run(const std::vector<std::vector<float>>& inputs, const std::function<bool(size_t)>& round);
  // The same with each point rounded as rounding(p) says (kInt16 needs its
  // int16_scale set).
  std::vector<std::vector<float>> RunMixed(const std::vector<std::vector<float>>& inputs,
                                           const std::function<SimulatedRounding(size_t)>& rounding);
  void set_int16_scale(size_t point, float scale) { points_[point].int16_scale = scale; }
  // The int8 model's own outputs, in the float model's output order.
  std::vector<std::vector<float>> RunInt8(const std::vector<std::vector<float>>& inputs);
  // The worst judged output's SQNR of accumulated per-output errors.
  double Worst(const std::vector<ErrorStats>& per_output) const;

 private:
  std::vector<uint8_t> float_bytes_;
  std::unique_ptr<TracedRun> float_run_;
  TracedRun int8_;
  TracedRun& float_() { return *float_run_; }
  std::vector<RoundingPoint> points_;
  std::vector<WeightRounding> weight_ops_;
  std::vector<bool> weights_rounded_;
  std::vector<int32_t> out_float_, out_int8_;
  std::vector<std::string> output_names_;
  std::vector<bool> judged_;
};

// Adds got[o] against want[o] to stats[o] for every output.
void AccumulateErrors(const std::vector<std::vector<float>>& want, const std::vector<std::vector<float>>& got,
                      std::vector<ErrorStats>* stats);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_ANALYSIS_ROUNDING_SIMULATION_H_

// `kite convert`: the command's options as ConvertOptions, checked once for
// the command line and the Python module alike, and the summary it prints.
#include <cstdio>
#include <stdexcept>

#include "cli/commands.h"

namespace kite {
namespace cli {

// The default int8 and 16x8 conversions search for mixed precision up to
// this worst output SQNR, within the budgets: where detectors and OCR keep
// float's answers (README: Does int8 keep the answers?).
constexpr double kDefaultTargetSqnrDb = 30.0;

converter::ConvertOptions ConvertOptionsOf(const ConvertArgs& args) {
  if (args.quantize != "none" && args.quantize != "int8" && args.quantize != "16x8" && args.quantize != "16x16") {
    throw std::runtime_error("--quantize " + args.quantize + ": expected none, int8, 16x8 or 16x16");
  }
  if (args.weight_rounding != "data" && args.weight_rounding != "nearest") {
    throw std::runtime_error("--weight-rounding " + args.weight_rounding + ": expected data or nearest");
  }
  if (args.qdq_activations != "int8" && args.qdq_activations != "uint8") {
    throw std::runtime_error("--qdq-activations " + args.qdq_activations + ": expected int8 or uint8");
  }
  for (const auto& [name, dims] : args.input_shapes) {
    for (int64_t d : dims) {
      if (d < 1) throw std::runtime_error("--input-shape " + name + ": dimensions must be >= 1");
    }
  }
  converter::ConvertOptions options;
  options.import.input_shapes = args.input_shapes;
  options.plan_memory = args.plan;
  options.quantization.equalize = args.equalize;
  converter::QuantizationSettings q = args.q;
  if (args.quantize == "none") {
    if (!q.calibration.empty() || !q.calibration_arrays.empty() || !args.keep_float.empty() ||
        !args.int16_nodes.empty() || !args.int16_weight_nodes.empty() || !q.emit_qdq.empty() || args.target_sqnr) {
      throw std::runtime_error(
          "--calibration, --keep-float, --int16, --int16-weights, --emit-qdq and --target-sqnr need --quantize int8 or 16x8");
    }
    return options;
  }
  if ((args.quantize == "16x8" || args.quantize == "16x16") && !args.int16_nodes.empty()) {
    throw std::runtime_error("--int16 chooses ops for 16x8 within --quantize int8; --quantize " + args.quantize +
                             " takes every op with a 16x8 kernel");
  }
  if (args.quantize == "16x16" && args.target_sqnr.value_or(0.0) > 0) {
    throw std::runtime_error("--target-sqnr: --quantize 16x16 runs no mixed-precision search (every conv already has "
                             "int16 weights); use --quantize 16x8 or int8");
  }
  q.int8 = true;
  q.quantize.all_int16 = args.quantize == "16x8" || args.quantize == "16x16";
  q.quantize.all_int16_weights = args.quantize == "16x16";
  q.equalize = args.equalize;
  q.quantize.bias_correction = args.bias_correction;
  q.quantize.round_weights_with_data = args.weight_rounding == "data";
  q.quantize.pack_weights = args.pack;
  q.qdq_uint8_activations = args.qdq_activations == "uint8";
  if (q.qdq_uint8_activations && q.emit_qdq.empty()) throw std::runtime_error("--qdq-activations needs --emit-qdq");
  q.quantize.method = converter::ParseRangeMethod(args.method);
  q.quantize.keep_float.insert(args.keep_float.begin(), args.keep_float.end());
  q.quantize.int16_ops.insert(args.int16_nodes.begin(), args.int16_nodes.end());
  q.quantize.int16_weight_ops.insert(args.int16_weight_nodes.begin(), args.int16_weight_nodes.end());
  q.mixed_precision.use_16x8 = args.mixed_16x8 && q.emit_qdq.empty();  // QDQ ONNX has no 16x8
  if (args.cost_model == "host") {
    q.mixed_precision.cost_model = converter::HostCostModel();
  } else if (args.cost_model == "int8-dot" || args.cost_model == "avx2") {
    q.mixed_precision.cost_model = args.cost_model == "avx2" ? converter::CostModel::kAvx2 : converter::CostModel::kInt8Dot;
  } else {
    throw std::runtime_error("--cost-model " + args.cost_model + ": expected host, int8-dot or avx2");
  }
  if (q.calibration.empty() && q.calibration_arrays.empty()) {
    throw std::runtime_error("--quantize " + args.quantize + " needs --calibration");
  }
  if (!q.calibration.empty() && !q.calibration_arrays.empty()) {
    throw std::runtime_error("calibration comes from files or from arrays, not both");
  }
  q.target_sqnr_db = args.quantize == "16x16" ? 0.0 : args.target_sqnr.value_or(kDefaultTargetSqnrDb);
  if (q.target_sqnr_db < 0) throw std::runtime_error("--target-sqnr must be >= 0");
  if (q.mixed_precision_samples < 1) throw std::runtime_error("--search-samples must be >= 1");
  if (!(q.mixed_precision.max_float_mac_share >= 0 && q.mixed_precision.max_float_mac_share <= 1)) {
    throw std::runtime_error("--max-float-macs must be in [0, 1]");
  }
  if (!(q.mixed_precision.max_slowdown >= 0 && q.mixed_precision.max_slowdown <= 100)) {
    throw std::runtime_error("--max-slowdown must be in [0, 100]");
  }
  q.progress = [](size_t done, size_t total) { ProgressBar("calibrating", done, total); };
  q.search_progress = [](size_t done, size_t total) { ProgressBar("mixed precision, simulated runs", done, total); };
  options.quantization = q;
  return options;
}

void ConvertModel(const ConvertArgs& args) {
  const converter::ConvertOptions options = ConvertOptionsOf(args);
  std::fprintf(stderr, "kite convert: %s ...\n", args.model.c_str());
  const auto r = converter::ConvertOnnxFile(args.model, args.output, options);
  std::printf("%s: %d ONNX nodes -> %d after folding and fusion -> %d Kite ops (%d transposes); %llu bytes; arena %llu bytes "
              "(lower bound %llu, ratio %.3f); %.2f s\n",
              args.output.c_str(), r.onnx_nodes, r.nodes_after_passes, r.kite_ops, r.transposes_in_kite,
              static_cast<unsigned long long>(r.file_bytes), static_cast<unsigned long long>(r.arena_bytes),
              static_cast<unsigned long long>(r.lower_bound_bytes),
              r.lower_bound_bytes ? static_cast<double>(r.arena_bytes) / r.lower_bound_bytes : 0.0, r.seconds);
  if (!options.quantization.int8 && r.qdq_pairs == 0) return;
  const auto& qr = r.quantization;
  const std::string method = r.qdq_pairs > 0 ? "QDQ model's" : args.method;
  std::printf("%s (%s ranges, calibrated on %s): %d int8 ops (%d with packed weights, %d in 16x8, %d of those 16x16), "
              "%d float ops, %d quantize, %d dequantize\n",
              args.quantize.c_str(), method.c_str(), r.calibration.c_str(), qr.int8_ops, qr.packed_ops,
              qr.int16_ops, qr.int16_weight_ops, qr.float_ops, qr.quantize_ops, qr.dequantize_ops);
  for (const auto& f : qr.kept_float) std::printf("  float: %s (%s): %s\n", f.node.c_str(), f.op.c_str(), f.reason.c_str());
  if (!r.mixed_precision_ran) return;
  const auto& mp = r.mixed_precision;
  const auto& q = options.quantization;
  if (q.quantize.all_int16) {
    std::printf("mixed precision (%s prices): simulated worst output SQNR %.1f dB 16x8 -> %.1f dB (target %.1f) with %zu nodes in "
                "float for their int8 weights (%.1f%% of the MACs, budget %.0f%%), adding an estimated %.0f%% of the "
                "all-int8 time (budget %.0f%%)\n",
                converter::CostModelName(mp.cost_model), mp.all_int8_db, mp.chosen_db, q.target_sqnr_db,
                mp.weights_kept, mp.model_macs ? 100.0 * mp.float_macs / mp.model_macs : 0.0, 100.0 * q.mixed_precision.max_float_mac_share,
                100.0 * mp.estimated_slowdown, 100.0 * q.mixed_precision.max_slowdown);
    return;
  }
  if (mp.started_from_16x8) {
    std::printf("mixed precision (%s prices): the whole 16x8 model fits the budget, the search starts there: "
                "simulated worst output SQNR %.1f dB all-int8, %.1f dB 16x8 -> %.1f dB (target %.1f); %zu nodes in "
                "16x8 (%.1f%% of the MACs), %zu in float (%d convs, %.1f%% of the MACs, budget %.0f%%), estimated time "
                "%+.0f%% against all-int8 (budget +%.0f%%)\n",
                converter::CostModelName(mp.cost_model), mp.all_int8_db, mp.all_16x8_db, mp.chosen_db,
                q.target_sqnr_db, mp.int16_nodes.size(), mp.model_macs ? 100.0 * mp.int16_macs / mp.model_macs : 0.0,
                mp.float_nodes.size(), mp.weights_kept, mp.model_macs ? 100.0 * mp.float_macs / mp.model_macs : 0.0,
                100.0 * q.mixed_precision.max_float_mac_share, 100.0 * mp.estimated_slowdown,
                100.0 * q.mixed_precision.max_slowdown);
    return;
  }
  std::printf("mixed precision (%s prices): simulated worst output SQNR %.1f dB all-int8 -> %.1f dB (target %.1f) with %zu nodes "
              "in 16x8 (%.1f%% of the MACs) and %zu in float (%.1f%% of the MACs, budget %.0f%%), estimated %.0f%% "
              "slower (budget %.0f%%), %d int8 activations promoted\n",
              converter::CostModelName(mp.cost_model), mp.all_int8_db, mp.chosen_db, q.target_sqnr_db,
              mp.int16_nodes.size(), mp.model_macs ? 100.0 * mp.int16_macs / mp.model_macs : 0.0, mp.float_nodes.size(),
              mp.model_macs ? 100.0 * mp.float_macs / mp.model_macs : 0.0, 100.0 * q.mixed_precision.max_float_mac_share,
              100.0 * mp.estimated_slowdown, 100.0 * q.mixed_precision.max_slowdown, mp.activations_kept);
}

}  // namespace cli
}  // namespace kite

#include "convert.h"

#include <chrono>

#include "export/qdq_export.h"
#include "lower/lower_to_kite.h"
#include "passes/passes.h"
#include "quantize/calibrate.h"
#include "writer/model_builder.h"
#include "writer/pack_weights.h"

namespace kite {
namespace converter {
namespace {

int LiveNodes(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.removed ? 0 : 1;
  return n;
}

// Removes nodes whose outputs nothing reads (after folding, whole shape
// computations are dead).
void RemoveDeadNodes(Graph& g) {
  std::vector<bool> needed(g.values.size(), false);
  for (int out : g.outputs) needed[out] = true;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    Node& n = g.nodes[i];
    if (n.removed) continue;
    bool used = false;
    for (int out : n.outputs) used = used || (out >= 0 && needed[out]);
    if (!used) {
      n.removed = true;
      continue;
    }
    for (int in : n.inputs) {
      if (in >= 0) needed[in] = true;
    }
  }
}

// Whether a .kite model computes an int8 activation (a non-constant int8
// tensor): what the mixed-precision search rounds and promotes.
bool HasInt8Activation(const std::vector<uint8_t>& bytes) {
  const schema::Model* m = schema::GetModel(bytes.data());
  for (const schema::Tensor* t : *m->tensors()) {
    if (t->type() == schema::DataType_INT8 && t->buffer() == 0) return true;
  }
  return false;
}

// Everything after import: passes, lowering, calibration and quantization.
std::vector<uint8_t> ConvertGraph(Graph graph, std::chrono::steady_clock::time_point start,
                                  const ConvertOptions& options, ConvertReport* report) {
  ConvertReport r;
  r.onnx_nodes = LiveNodes(graph);
  FoldConstantsAndInferShapes(graph);
  r.qdq_pairs = FoldQdqPairs(graph);
  FuseNodes(graph);
  RemoveDeadNodes(graph);
  // A pre-quantized (QDQ) model is converted to int8 with its own parameters.
  QuantizationSettings q = options.quantization;
  if (r.qdq_pairs > 0) {
    q.int8 = true;
    q.equalize = false;  // its weights and scales belong together
    q.quantize.bias_correction = false;
    q.quantize.method = RangeMethod::kMinMax;  // no auto policy: the model chose what is int8
    for (const auto& [name, p] : graph.qdq_activation_params) q.quantize.activation_params[name] = {p.first, static_cast<int32_t>(p.second)};
    for (const auto& [name, scales] : graph.qdq_weight_scales) q.quantize.weight_scales[name] = scales;
  }
  // Float conversions equalize too: the result is the same function, and the
  // float and int8 models then agree layer by layer (kite compare).
  if (q.equalize) r.equalized_pairs = EqualizeDepthwisePairs(graph);
  r.nodes_after_passes = LiveNodes(graph);
  ModelBuilder builder;
  r.transposes_inserted = LowerToKite(graph, builder).transposes_inserted;
  schema::ModelT& model = builder.model();
  model.producer = "kite convert 0.1";
  model.source_hash = graph.source_hash;
  std::vector<uint8_t> bytes = builder.Build(options.plan_memory);
  if (q.int8) {
    const bool has_samples = !q.calibration.empty() || !q.calibration_arrays.empty();
    if (!has_samples && r.qdq_pairs == 0) throw ConversionError("--quantize int8 needs calibration data (--calibration)");
    std::vector<RangeObserver> stats;
    // The samples, when calibration or the mixed-precision search reads them.
    const bool reuse_stats = q.stats != nullptr && !q.stats->empty();
    std::unique_ptr<CalibrationData> data;
    if (has_samples && (!reuse_stats || q.target_sqnr_db > 0)) {
      TracedRun probe(bytes);
      data = q.calibration.empty() ? std::make_unique<CalibrationData>(q.calibration_arrays, probe.inputs())
                                   : std::make_unique<CalibrationData>(q.calibration, probe.inputs(), q.images);
      r.calibration = data->Describe();
    }
    std::vector<TapMoments> moments;
    if (reuse_stats) {
      stats = *q.stats;
      if (q.tap_moments != nullptr) moments = *q.tap_moments;
    } else if (data) {
      stats = Calibrate(bytes, *data, q.progress, q.max_samples, &moments);
    } else {
      r.calibration = "the model's own QDQ parameters";
      stats.resize(model.tensors.size());
    }
    if (q.stats != nullptr) *q.stats = stats;
    if (q.tap_moments != nullptr) *q.tap_moments = moments;
    q.quantize.tap_moments = &moments;
    const std::vector<uint8_t> float_bytes = bytes;
    bytes = QuantizeKiteModel(float_bytes, stats, q.quantize, &r.quantization);
    // The search simulates an int8 model's roundings: from 16x8 (all_int16),
    // the all-int8 conversion's. Nothing to search where no activation would
    // be int8 (every op named 16x8 or float).
    const bool search = q.target_sqnr_db > 0 && data;
    std::vector<uint8_t> all_int8;
    if (search && q.quantize.all_int16) {
      QuantizeOptions int8_only = q.quantize;
      int8_only.all_int16 = false;
      QuantizeReport unused;
      all_int8 = QuantizeKiteModel(float_bytes, stats, int8_only, &unused);
    }
    const std::vector<uint8_t>& int8_bytes = q.quantize.all_int16 ? all_int8 : bytes;
    if (search && HasInt8Activation(int8_bytes)) {
      // The search judges on calibration samples spread over the set.
      const size_t available = q.max_samples == 0 ? data->size() : std::min(q.max_samples, data->size());
      const size_t n = std::max<size_t>(1, std::min(q.mixed_precision_samples, available));
      MixedPrecisionOptions mp = q.mixed_precision;
      mp.target_sqnr_db = q.target_sqnr_db;
      mp.from_16x8 = q.quantize.all_int16;
      r.mixed_precision = ChooseFloatOps(float_bytes, int8_bytes, stats,
                                         [&](size_t s) { return data->Sample(s * available / n); }, n, mp,
                                         q.search_progress);
      r.mixed_precision_ran = true;
      if (!r.mixed_precision.float_nodes.empty() || !r.mixed_precision.int16_nodes.empty()) {
        QuantizeOptions promoted = q.quantize;
        promoted.mixed_precision_float = r.mixed_precision.float_nodes;
        promoted.int16_ops.insert(r.mixed_precision.int16_nodes.begin(), r.mixed_precision.int16_nodes.end());
        bytes = QuantizeKiteModel(float_bytes, stats, promoted, &r.quantization);
      }
    }
    std::unique_ptr<schema::ModelT> quantized = schema::UnPackModel(bytes.data());
    model = std::move(*quantized);
    if (!q.emit_qdq.empty()) WriteQdqOnnx(graph, model, q.emit_qdq, q.qdq_expose_activations, q.qdq_uint8_activations);
  }
  r.kite_ops = static_cast<int>(model.operators.size());
  for (const auto& op : model.operators) r.transposes_in_kite += op->opcode == schema::OpCode_TRANSPOSE ? 1 : 0;
  if (model.plan) {
    r.arena_bytes = model.plan->arena_size;
    r.lower_bound_bytes = model.plan->lower_bound;
  }
  r.file_bytes = bytes.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (report != nullptr) *report = r;
  return bytes;
}

}  // namespace

std::vector<uint8_t> ConvertOnnx(const std::string& onnx_path, const ConvertOptions& options, ConvertReport* report) {
  const auto start = std::chrono::steady_clock::now();
  return ConvertGraph(ImportOnnx(onnx_path, options.import), start, options, report);
}

std::vector<uint8_t> ConvertOnnxBytes(const std::string& onnx_bytes, const ConvertOptions& options,
                                      ConvertReport* report) {
  const auto start = std::chrono::steady_clock::now();
  return ConvertGraph(ImportOnnxBytes(onnx_bytes, "the ONNX bytes", options.import), start, options, report);
}

std::vector<uint8_t> QuantizeKiteModel(const std::vector<uint8_t>& float_model, const std::vector<RangeObserver>& stats,
                                       const QuantizeOptions& options, QuantizeReport* report) {
  std::unique_ptr<schema::ModelT> model = schema::UnPackModel(float_model.data());
  const bool planned = model->plan != nullptr;
  QuantizeReport r = QuantizeModel(*model, stats, options);
  if (options.pack_weights) r.packed_ops = PackInt8Weights(*model);
  if (report != nullptr) *report = r;
  if (planned) PlanMemory(*model);
  return SerializeModel(*model);
}

ConvertReport ConvertOnnxFile(const std::string& onnx_path, const std::string& out_path, const ConvertOptions& options) {
  ConvertReport report;
  const std::vector<uint8_t> bytes = ConvertOnnx(onnx_path, options, &report);
  WriteFileAtomically(out_path, bytes);
  return report;
}

}  // namespace converter
}  // namespace kite

// kite.convert, kite.compare and kite.bench: the `kite` commands, with the
// same options, the same checks and the same reports (as dicts).
#include <filesystem>
#include <fstream>
#include <iterator>

#include <pybind11/stl.h>

#include "bindings.h"
#include "cli/commands.h"
#include "convert.h"

namespace kite {
namespace python {
namespace {

nlohmann::json ConvertReportJson(const converter::ConvertReport& r, const cli::ConvertArgs& args) {
  nlohmann::json j = {{"output", args.output},
                      {"onnx_nodes", r.onnx_nodes},
                      {"nodes_after_passes", r.nodes_after_passes},
                      {"kite_ops", r.kite_ops},
                      {"transposes", r.transposes_in_kite},
                      {"file_bytes", r.file_bytes},
                      {"arena_bytes", r.arena_bytes},
                      {"arena_lower_bound_bytes", r.lower_bound_bytes},
                      {"seconds", r.seconds}};
  if (args.quantize != "none" || r.qdq_pairs > 0) {
    const converter::QuantizeReport& q = r.quantization;
    nlohmann::json floats = nlohmann::json::array();
    for (const auto& f : q.kept_float) floats.push_back({{"node", f.node}, {"op", f.op}, {"reason", f.reason}});
    j["int8"] = {{"method", r.qdq_pairs > 0 ? std::string("qdq") : args.method},
                 {"calibration", r.calibration},
                 {"int8_ops", q.int8_ops},
                 {"packed_ops", q.packed_ops},
                 {"int16_ops", q.int16_ops},
                 {"int16_weight_ops", q.int16_weight_ops},
                 {"float_ops", q.float_ops},
                 {"quantize_ops", q.quantize_ops},
                 {"dequantize_ops", q.dequantize_ops},
                 {"qdq_pairs", r.qdq_pairs},
                 {"float", floats}};
    if (r.mixed_precision_ran) {
      const converter::MixedPrecisionChoice& mp = r.mixed_precision;
      j["mixed_precision"] = {{"cost_model", converter::CostModelName(mp.cost_model)},
                              {"started_from_16x8", mp.started_from_16x8},
                              {"all_16x8_db", mp.all_16x8_db},
                              {"all_int8_db", mp.all_int8_db},
                              {"chosen_db", mp.chosen_db},
                              {"float_nodes", mp.float_nodes},
                              {"int16_nodes", mp.int16_nodes},
                              {"float_macs", mp.float_macs},
                              {"int16_macs", mp.int16_macs},
                              {"model_macs", mp.model_macs},
                              {"estimated_slowdown", mp.estimated_slowdown},
                              {"activations_promoted", mp.activations_kept},
                              {"weights_kept_float", mp.weights_kept}};
    }
  }
  return j;
}

py::object Convert(const py::object& onnx_path, const py::object& output_path, const py::object& input_shapes,
                   const py::object& quantize, const py::object& calibration, const std::string& method,
                   const std::vector<std::string>& keep_float, const std::vector<std::string>& int16,
                   const std::vector<std::string>& int16_weights,
                   const py::object& emit_qdq, const std::string& qdq_activations, bool per_tensor, double percentile,
                   const std::string& weight_rounding, bool equalize, bool bias_correction, bool pack,
                   const py::object& target_sqnr, bool mixed_16x8, double max_float_macs, double max_slowdown,
                   const std::string& cost_model, size_t search_samples, const py::object& max_samples, const py::object& mean, const py::object& std,
                   float alpha, const py::object& layout, const py::object& resize, bool plan) {
  cli::ConvertArgs args;
  args.model = PathOf(onnx_path);
  args.output = PathOf(output_path);
  if (!std::filesystem::is_regular_file(args.model)) throw py::value_error("'" + args.model + "' is not a file");
  if (!input_shapes.is_none()) {
    args.input_shapes = input_shapes.cast<std::map<std::string, std::vector<int64_t>>>();
  }
  args.plan = plan;
  args.quantize = quantize.is_none() ? "none" : quantize.cast<std::string>();
  args.method = method;
  args.weight_rounding = weight_rounding;
  args.qdq_activations = qdq_activations;
  args.keep_float = keep_float;
  args.int16_nodes = int16;
  args.int16_weight_nodes = int16_weights;
  args.equalize = equalize;
  args.bias_correction = bias_correction;
  args.pack = pack;
  args.mixed_16x8 = mixed_16x8;
  args.cost_model = cost_model;
  converter::QuantizationSettings& q = args.q;
  q.images = ImageOptions(mean, std, alpha, layout, resize);
  if (!calibration.is_none()) {
    if (IsPath(calibration)) {
      q.calibration = PathOf(calibration);
    } else if (py::isinstance<py::dict>(calibration)) {
      for (const auto& [key, value] : calibration.cast<py::dict>()) {
        const std::string name = py::str(key);
        q.calibration_arrays[name] = ToNpy(value, "calibration for input '" + name + "'");
      }
      if (q.calibration_arrays.empty()) throw py::value_error("calibration: the dict is empty");
    } else {
      q.calibration_arrays[""] = ToNpy(calibration, "calibration");
    }
  }
  if (!emit_qdq.is_none()) q.emit_qdq = PathOf(emit_qdq);
  q.quantize.per_tensor_weights = per_tensor;
  q.quantize.percentile = percentile;
  if (!target_sqnr.is_none()) args.target_sqnr = target_sqnr.cast<double>();
  q.mixed_precision.max_float_mac_share = max_float_macs;
  q.mixed_precision.max_slowdown = max_slowdown;
  q.mixed_precision_samples = search_samples;
  if (!max_samples.is_none()) q.max_samples = max_samples.cast<size_t>();
  const converter::ConvertOptions options = cli::ConvertOptionsOf(args);
  converter::ConvertReport report;
  {
    py::gil_scoped_release release;
    report = converter::ConvertOnnxFile(args.model, args.output, options);
  }
  nlohmann::json j = ConvertReportJson(report, args);
  const std::shared_ptr<LoadedModel> written = ModelOf(py::str(args.output));
  j["ops"] = cli::InspectReport(written->name(), written->data(), written->size(), "optimized")["operators"];
  return ToPython(j);
}

// A model to compare: a kite.Model, bytes of one, or a path (.onnx converted
// to float32 with `input_shapes`, .kite read).
std::vector<uint8_t> ModelBytes(const py::object& model, const std::map<std::string, std::vector<int64_t>>& input_shapes) {
  if (IsPath(model)) return cli::CompareModelBytes(PathOf(model), input_shapes);
  return ModelOf(model)->bytes();
}

std::string NameOf(const py::object& model) {
  if (IsPath(model)) return PathOf(model);
  return ModelOf(model)->name();
}

}  // namespace

void DefineTools(py::module_& m) {
  m.def("convert", &Convert, R"doc(
Converts an ONNX model to a .kite file, as `kite convert` does, and returns
the report: op counts, the ops, the arena and file sizes, and with quantize="int8" (or
"16x8": int16 activations wherever an op has a 16x8 kernel) the calibration, each op kept in float and why, and mixed precision's choice.
quantize="int8" searches for mixed precision by default (target_sqnr 30 dB,
16x8 before float, within max_float_macs and max_slowdown); target_sqnr=0
gives every op that can be int8 in int8. quantize="16x8" searches too, for
the convs whose int8 weights to keep in float; target_sqnr=0: none.
quantize="16x16" is 16x8 with int16 weights in every conv and Gemm/MatMul, no search.

calibration: an ndarray (a one-input model's samples, stacked along the first
dimension), a dict {input name: ndarray}, or a path (.npy file, folder of
NAME.npy, folder of images; mean/std/alpha/layout/resize preprocess images).
The other options are `kite convert`'s (see `kite convert --help`):
input_shapes={name: shape}, method, keep_float, int16 and int16_weights (ONNX node names),
emit_qdq (a path), qdq_activations, per_tensor, percentile, weight_rounding,
equalize, bias_correction, pack, target_sqnr, mixed_16x8, max_float_macs,
max_slowdown, cost_model ("host", "int8-dot" or "avx2"), search_samples, max_samples, plan.
Raises kite.Error naming the node and op the converter cannot handle.)doc",
        py::arg("onnx_path"), py::arg("output_path"), py::kw_only(), py::arg("input_shapes") = py::none(),
        py::arg("quantize") = py::none(), py::arg("calibration") = py::none(), py::arg("method") = "auto",
        py::arg("keep_float") = std::vector<std::string>(), py::arg("int16") = std::vector<std::string>(),
        py::arg("int16_weights") = std::vector<std::string>(),
        py::arg("emit_qdq") = py::none(), py::arg("qdq_activations") = "int8", py::arg("per_tensor") = false,
        py::arg("percentile") = 99.99, py::arg("weight_rounding") = "data", py::arg("equalize") = true,
        py::arg("bias_correction") = true, py::arg("pack") = true, py::arg("target_sqnr") = py::none(),
        py::arg("mixed_16x8") = true, py::arg("max_float_macs") = 0.1, py::arg("max_slowdown") = 0.15,
        py::arg("cost_model") = "host", py::arg("search_samples") = 2, py::arg("max_samples") = py::none(), py::arg("mean") = py::none(),
        py::arg("std") = py::none(), py::arg("alpha") = 1.0f, py::arg("layout") = py::none(),
        py::arg("resize") = py::none(), py::arg("plan") = true);

  m.def(
      "compare",
      [](const py::object& a, const py::object& b, const py::object& inputs, const py::object& input_shapes,
         size_t max_samples, const py::object& mean, const py::object& std, float alpha, const py::object& layout) {
        std::map<std::string, std::vector<int64_t>> shapes;
        if (!input_shapes.is_none()) shapes = input_shapes.cast<std::map<std::string, std::vector<int64_t>>>();
        const std::vector<uint8_t> a_bytes = ModelBytes(a, shapes);
        const std::vector<uint8_t> b_bytes = ModelBytes(b, shapes);
        const auto data = SamplesOf(inputs, a_bytes, ImageOptions(mean, std, alpha, layout, py::none()));
        const std::string a_name = NameOf(a), b_name = NameOf(b);
        nlohmann::json j;
        {
          py::gil_scoped_release release;
          j = cli::CompareReport(a_name, b_name, a_bytes, b_bytes, *data, max_samples);
        }
        return ToPython(j);
      },
      R"doc(
Compares two versions of a model layer by layer on the same inputs and returns
what `kite compare --json` prints: per layer (matched by ONNX node, worst
first) the SQNR in dB, cosine similarity and max error, the same for each
output, and the median layer SQNR.

a, b: kite.Model, bytes, or paths (.onnx is converted to float32 first).
inputs: an ndarray (samples stacked along the first dimension), a dict
{input name: ndarray}, or a path as kite compare --input takes.)doc",
      py::arg("a"), py::arg("b"), py::arg("inputs"), py::kw_only(), py::arg("input_shapes") = py::none(),
      py::arg("max_samples") = 0, py::arg("mean") = py::none(), py::arg("std") = py::none(), py::arg("alpha") = 1.0f,
      py::arg("layout") = py::none());

  m.def(
      "bench",
      [](const py::object& model, int threads, int runs, int warmup, double min_time, uint32_t seed,
         const std::string& kernels, const std::string& int8_variant) {
        const std::shared_ptr<LoadedModel> loaded = ModelOf(model);
        cli::BenchArgs args;
        args.model = loaded->name();
        args.model_bytes = loaded->data();
        args.model_size = loaded->size();
        args.threads = threads;
        args.runs = runs;
        args.warmup = warmup;
        args.min_time_s = min_time;
        args.seed = seed;
        args.kernels = kernels;
        args.int8_variant = int8_variant;
        nlohmann::json j;
        {
          py::gil_scoped_release release;
          j = cli::BenchReport(args);
        }
        return ToPython(j);
      },
      R"doc(
Times a model as `kite bench --json` does and returns its dict: init time,
arena bytes, latency (min, median, p90, max, every run) and a per-operator
profile. Inputs are seeded random values.)doc",
      py::arg("model"), py::kw_only(), py::arg("threads") = 1, py::arg("runs") = 10, py::arg("warmup") = 3,
      py::arg("min_time") = 0.0, py::arg("seed") = 0, py::arg("kernels") = "optimized", py::arg("int8_variant") = "");
}

}  // namespace python
}  // namespace kite

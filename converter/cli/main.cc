// The `kite` command line.
#include <cstdio>
#include <exception>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "convert.h"

namespace {

std::pair<std::string, std::vector<int64_t>> ParseInputShape(const std::string& spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::runtime_error("--input-shape '" + spec + "' is not NAME:D0,D1,...");
  std::vector<int64_t> dims;
  std::stringstream ss(spec.substr(colon + 1));
  std::string d;
  while (std::getline(ss, d, ',')) {
    try {
      dims.push_back(std::stoll(d));
    } catch (const std::exception&) {
      throw std::runtime_error("--input-shape '" + spec + "': '" + d + "' is not a number");
    }
    if (dims.back() < 1) throw std::runtime_error("--input-shape '" + spec + "': dimensions must be >= 1");
  }
  return {spec.substr(0, colon), dims};
}

// "0.5,0.5,0.5" or one value for all three channels.
void ParseTriple(const std::string& option, const std::string& text, float out[3]) {
  std::vector<float> v;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      v.push_back(std::stof(part));
    } catch (const std::exception&) {
      throw std::runtime_error(option + " '" + text + "': '" + part + "' is not a number");
    }
  }
  if (v.size() != 1 && v.size() != 3) throw std::runtime_error(option + " '" + text + "' needs 1 or 3 values");
  for (int c = 0; c < 3; ++c) out[c] = v[v.size() == 1 ? 0 : c];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kite: convert ONNX models to .kite (float32 or int8), inspect, run, benchmark and compare them"};
  app.require_subcommand(1);

  kite::cli::ConvertArgs convert_args;
  kite::converter::QuantizationSettings& q = convert_args.q;
  std::vector<std::string> input_shapes;
  bool no_plan = false;
  auto* convert = app.add_subcommand("convert", "Convert an ONNX model to a .kite file: float32, or int8 (--quantize int8 or 16x8) (memory planned offline)");
  convert->add_option("model", convert_args.model, "ONNX model")->required()->check(CLI::ExistingFile);
  convert->add_option("-o,--output", convert_args.output, "the .kite file to write (written atomically)")->required();
  convert->add_option("--input-shape", input_shapes, "fix a graph input's shape, NAME:D0,D1,... (repeatable)");
  convert->add_flag("--no-plan", no_plan, "leave memory planning to the runtime");
  std::string resize, mean, stddev;
  convert->add_option("--quantize", convert_args.quantize,
                      "int8: post-training quantization calibrated on --calibration, with the ops whose int8 rounding "
                      "costs the most promoted to 16x8 or float within a time budget (--target-sqnr; 0 turns the "
                      "search off), or, where the whole 16x8 model fits that budget (--cost-model avx2: CPUs without "
                      "int8 dot products), every op with a 16x8 kernel in 16x8 and the worst rest in float; 16x8: int16 activations (symmetric, the calibrated range widened 4x) and int8 weights "
                      "wherever an op has a 16x8 kernel (Conv, ConvTranspose, Gemm/MatMul with constant weights, "
                      "Add/Sub/Mul, element-wise functions), float where it has none, and the convs whose int8 weights "
                      "cost the most in float (--target-sqnr); 16x16: as 16x8 with int16 weights (12-bit levels) in "
                      "every conv and Gemm/MatMul with constant weights, no search (default: none, float32)")
      ->check(CLI::IsMember({"none", "int8", "16x8", "16x16"}));
  convert->add_option("--calibration", q.calibration,
                      "calibration inputs: a .npy file (samples stacked along the first dimension), a folder with "
                      "one NAME.npy per input, or a folder of PNG/JPEG images");
  convert->add_option("--method", convert_args.method,
                      "activation ranges: minmax, percentile, entropy (KL), mse, or auto (default: min-max for inputs and "
                      "for values that reach an output, elsewhere the lowest estimated error per tensor; a conv/FC "
                      "computing an output stays float)")
      ->check(CLI::IsMember({"minmax", "percentile", "entropy", "mse", "auto"}));
  convert->add_option("--percentile", q.quantize.percentile, "the percentile method's quantile (default 99.99)");
  convert->add_flag("--per-tensor", q.quantize.per_tensor_weights, "one weight scale per tensor instead of per output channel");
  convert->add_option("--keep-float", convert_args.keep_float, "run this ONNX node in float (repeatable)");
  convert->add_option("--int16", convert_args.int16_nodes,
                      "run this ONNX node in 16x8: int16 activations (symmetric, the calibrated range widened 4x), int8 "
                      "weights; a Conv, ConvTranspose or Gemm/MatMul with constant weights, Add/Sub/Mul or an element-wise function; "
                      "others run in float (repeatable)");
  convert->add_option("--int16-weights", convert_args.int16_weight_nodes,
                      "run this Conv, ConvTranspose or Gemm/MatMul (constant weights) in 16x16: as --int16, with int16 "
                      "weights (12-bit levels, rounded as int8 weights are) instead of int8: on x86 the 16x8 GEMM "
                      "runs them with shorter int32 sums, ~1.4x 16x8's time; elsewhere the reference (repeatable)");
  convert->add_option("--emit-qdq", q.emit_qdq,
                      "also write the int8 model as a QDQ ONNX model (QuantizeLinear/DequantizeLinear), which ONNX "
                      "Runtime runs with exactly Kite's quantization. A QDQ model given as input converts to int8 with "
                      "its own parameters, without calibration");
  convert->add_option("--qdq-activations", convert_args.qdq_activations,
                      "the type of the activations in --emit-qdq's model: int8 (Kite's), or uint8 with each zero "
                      "point + 128, the same values in ONNX Runtime's preferred x86 form (default: int8)")
      ->check(CLI::IsMember({"int8", "uint8"}));
  bool no_equalize = false, no_bias_correction = false, no_pack = false;
  convert->add_option("--weight-rounding", convert_args.weight_rounding,
                      "how int8 weights round: data (each conv/FC output channel's weights, each rounded down or up, "
                      "chosen to minimize its output error over the calibration patches where the fused activation "
                      "does not clip; grouped, transposed and convs of more than 1024 taps round to nearest) or "
                      "nearest (default: data)")
      ->check(CLI::IsMember({"data", "nearest"}));
  convert->add_flag("--no-equalize", no_equalize,
                    "skip cross-layer equalization of depthwise -> conv pairs (rescales channels so int8 ranges fit)");
  convert->add_flag("--no-bias-correction", no_bias_correction,
                    "skip correcting each conv/FC bias for the mean shift its weight rounding causes");
  convert->add_flag("--no-pack", no_pack,
                    "do not pack int8 conv/FC weights for Kite's int8 engine (the runtime then runs them with XNNPACK "
                    "or the reference kernels from the plain weights)");
  double target_sqnr = 0;
  auto* target_sqnr_option = convert->add_option(
      "--target-sqnr", target_sqnr,
      "mixed precision (--quantize int8): promote the ops whose int8 activations cost the most, until the worst "
      "output's SQNR against float (simulated on calibration samples) reaches DB, within --max-float-macs and "
      "--max-slowdown: the op computing each and its readers go to 16x8 where they have a 16x8 kernel, then to float; "
      "and the convs whose int8 weights cost the most go to float. With --quantize 16x8, only the latter (default 30; "
      "0: no search, every op that can be int8 (16x8) is)");
  convert->add_flag("--mixed-16x8,!--no-mixed-16x8", convert_args.mixed_16x8,
                    "mixed precision: promote convs and element-wise ops to 16x8 before float (the default, but "
                    "float only with --emit-qdq, whose QDQ ONNX has no 16x8; --no-mixed-16x8: float only)");
  convert->add_option("--max-float-macs", q.mixed_precision.max_float_mac_share,
                      "mixed precision: at most this share of the model's MACs in float (default 0.1)")
      ->check(CLI::Range(0.0, 1.0));
  convert->add_option("--max-slowdown", q.mixed_precision.max_slowdown,
                      "mixed precision: at most this much slower than all-int8, by the fixed cost model of "
                      "--cost-model, not a timing, so the choice does not depend on the machine's load; where the "
                      "whole 16x8 model fits, the search starts from it (default 0.15)")
      ->check(CLI::Range(0.0, 100.0));
  convert->add_option("--cost-model", convert_args.cost_model,
                      "mixed precision: the CPUs --max-slowdown is priced for: int8-dot (the int8 engine has dot-product "
                      "instructions, AVX-512 VNNI, AVX-VNNI, AMX or Arm dotprod, and any CPU without a 16x8 GEMM: a "
                      "float MAC costs 10 int8 MACs, a 16x8 MAC 3 in a one-group conv or FC, 10.5 in a depthwise "
                      "conv), avx2 (x86 without VNNI, where int8 and 16x8 both multiply int16 pairs: a float MAC costs 2.5 int8 MACs, a 16x8 MAC 0.85 in a one-group conv or FC, 1.3 in a depthwise conv), "
                      "or host: this machine's (the file then depends on it; name one for another target) "
                      "(default: host)")
      ->check(CLI::IsMember({"host", "int8-dot", "avx2"}));
  convert->add_option("--search-samples", q.mixed_precision_samples,
                      "mixed precision: judge on this many calibration samples, evenly spaced (default 2); the ranking "
                      "costs one float run per int8 activation (on the first), each of ~24 judgements one run per sample")
      ->check(CLI::PositiveNumber);
  convert->add_option("--max-samples", q.max_samples, "calibrate on at most this many samples (default: all)");
  convert->add_option("--resize", resize, "images: WxH, must match the model input (default: the input's size)");
  convert->add_option("--mean", mean, "images: value = (pixel / 255 - mean) / std; 1 or 3 values (default 0)");
  convert->add_option("--std", stddev, "images: see --mean (default 1)");
  convert->add_option("--alpha", q.images.alpha, "images: the value of a 4th input channel (RGBA models; default 1)");
  convert->add_option("--layout", q.images.layout, "images: nchw or nhwc (default: inferred from the input shape)");

  kite::cli::RunArgs run_args;
  auto* run = app.add_subcommand("run", "Run a .kite model on .npy inputs (or seeded random ones) and write .npy outputs");
  run->add_option("model", run_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  run->add_option("--input", run_args.inputs,
                  "NAME=FILE.npy (repeatable); k samples stacked along the first dimension run one after another; a "
                  "float32 input also takes float16/64, integer and bool arrays, a uint8, int32, int64 or bool input "
                  "any numeric array whose values are whole numbers it holds (converted, with a note; any other value "
                  "is an error naming it); a scalar input takes a 0-d array");
  run->add_option("--seed", run_args.seed, "seed for inputs not given as files (uniform in [-1, 1])");
  run->add_option("--output-dir", run_args.output_dir, "folder for one <output name>.npy per graph output")->required();
  run->add_option("--kernels", run_args.kernels,
                  "optimized (default: Kite's int8 engine, XNNPACK and Kite's other kernels where they apply), "
                  "reference (the portable reference kernels only) or portable (what a microcontroller build runs: "
                  "Kite's portable kernels and the reference)")
      ->check(CLI::IsMember({"optimized", "reference", "portable"}));

  kite::cli::InspectArgs inspect_args;
  auto* inspect = app.add_subcommand("inspect", "Show a .kite model's ops, tensors, kernels and memory plan");
  inspect->add_option("model", inspect_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  inspect->add_flag("--json", inspect_args.json, "machine-readable output");
  inspect->add_flag("--kernel-shapes", inspect_args.kernel_shapes,
                    "one line per distinct Conv2D/FC/Add/pool/Resize/Concat configuration, for benchmarks/kernels");
  inspect->add_option("--kernels", inspect_args.kernels,
                      "the kernels to show: optimized (default), reference or portable, as kite run and kite bench "
                      "choose them")
      ->check(CLI::IsMember({"optimized", "reference", "portable"}));

  kite::cli::BenchArgs bench_args;
  auto* bench = app.add_subcommand("bench", "Time a .kite model: init, arena, latency min/median/p90 and a per-operator profile");
  bench->add_option("model", bench_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  bench->add_option("--threads", bench_args.threads,
                    "threads for the ops XNNPACK and Kite's int8 engine run (default 1; Kite's other kernels use one)");
  bench->add_option("--warmup", bench_args.warmup, "untimed runs first (default 3)");
  bench->add_option("--runs", bench_args.runs, "timed runs (default 10)");
  bench->add_option("--min-time", bench_args.min_time_s, "keep running until this many seconds have passed too");
  bench->add_option("--top", bench_args.top, "operators shown in the profile (0: all; default 20)");
  bench->add_option("--seed", bench_args.seed, "seed of the random inputs");
  bench->add_flag("--json", bench_args.json, "machine-readable output (all operators)");
  bench->add_option("--kernels", bench_args.kernels,
                    "optimized (default: Kite's int8 engine, XNNPACK and Kite's other kernels where they apply), "
                    "reference (the portable reference kernels only, to see what the optimized ones gain) or portable "
                    "(what a microcontroller build runs: Kite's portable kernels and the reference)")
      ->check(CLI::IsMember({"optimized", "reference", "portable"}));
  bench->add_option("--int8-variant", bench_args.int8_variant,
                    "the int8 engine's microkernel variant instead of the best this CPU runs: avx512amx, avx512vnni, "
                    "avxvnni, avx2 (x86-64), neondot, neon (aarch64) or scalar; an error if this CPU cannot run it");

  kite::cli::CompareArgs compare_args;
  std::vector<std::string> compare_shapes;
  std::string compare_mean, compare_std;
  auto* compare = app.add_subcommand("compare", "Compare two versions of a model layer by layer (SQNR, cosine, max error per ONNX node)");
  compare->add_option("a", compare_args.a, "reference: the .onnx model or a .kite file")->required()->check(CLI::ExistingFile);
  compare->add_option("b", compare_args.b, "compared: a .kite file (float or int8) or .onnx")->required()->check(CLI::ExistingFile);
  compare->add_option("--input", compare_args.input,
                      "inputs: a .npy file (samples stacked along the first dimension), a folder with one NAME.npy per "
                      "input, a folder of PNG/JPEG images, or one image")->required();
  compare->add_option("--input-shape", compare_shapes, "fix an .onnx model's input shape, NAME:D0,D1,... (repeatable)");
  compare->add_option("--mean", compare_mean, "images: value = (pixel / 255 - mean) / std; 1 or 3 values (default 0)");
  compare->add_option("--std", compare_std, "images: see --mean (default 1)");
  compare->add_option("--alpha", compare_args.images.alpha, "images: the value of a 4th input channel (RGBA models; default 1)");
  compare->add_option("--layout", compare_args.images.layout, "images: nchw or nhwc (default: inferred from the input shape)");
  compare->add_option("--max-samples", compare_args.max_samples, "use at most this many samples (default: all)");
  compare->add_option("--top", compare_args.top, "layers shown, worst first (0: all; default 25)");
  compare->add_flag("--json", compare_args.json, "machine-readable output (all layers, worst first)");
  compare->add_option("--svg", compare_args.svg, "also plot SQNR along the network (with --sensitivity: each activation's gain) into this SVG file");
  compare->add_flag("--sensitivity", compare_args.sensitivity,
                    "a: the float model, b: its int8 conversion. Per int8 activation, what keeping it exact would gain: "
                    "the float model runs with the int8 model's activation roundings simulated, all of them, all but one, "
                    "and each alone; then each conv/FC with the int8 weights alone, all weights, and everything; "
                    "worst output SQNR, outputs computed through a comparison not judged. "
                    "5 + 2 x activations + weight ops runs per sample");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*convert) {
      for (const auto& spec : input_shapes) convert_args.input_shapes.insert(ParseInputShape(spec));
      convert_args.plan = !no_plan;
      if (target_sqnr_option->count() > 0) convert_args.target_sqnr = target_sqnr;
      convert_args.equalize = !no_equalize;
      convert_args.bias_correction = !no_bias_correction;
      convert_args.pack = !no_pack;
      if (!mean.empty()) ParseTriple("--mean", mean, q.images.mean);
      if (!stddev.empty()) ParseTriple("--std", stddev, q.images.std);
      if (!resize.empty() && std::sscanf(resize.c_str(), "%dx%d", &q.images.width, &q.images.height) != 2) {
        throw std::runtime_error("--resize '" + resize + "' is not WxH");
      }
      kite::cli::ConvertModel(convert_args);
    } else if (*run) {
      kite::cli::RunModel(run_args);
    } else if (*inspect) {
      kite::cli::InspectModel(inspect_args);
    } else if (*bench) {
      kite::cli::BenchModel(bench_args);
    } else if (*compare) {
      for (const auto& spec : compare_shapes) compare_args.input_shapes.insert(ParseInputShape(spec));
      if (!compare_mean.empty()) ParseTriple("--mean", compare_mean, compare_args.images.mean);
      if (!compare_std.empty()) ParseTriple("--std", compare_std, compare_args.images.std);
      kite::cli::CompareModels(compare_args);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kite: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

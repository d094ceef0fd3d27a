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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kite: convert ONNX models to .kite, inspect them and run them"};
  app.require_subcommand(1);

  std::string onnx_path, out_path;
  std::vector<std::string> input_shapes;
  bool no_plan = false;
  auto* convert = app.add_subcommand("convert", "Convert an ONNX model to a float32 .kite file (memory planned offline)");
  convert->add_option("model", onnx_path, "ONNX model")->required()->check(CLI::ExistingFile);
  convert->add_option("-o,--output", out_path, "the .kite file to write (written atomically)")->required();
  convert->add_option("--input-shape", input_shapes, "fix a graph input's shape, NAME:D0,D1,... (repeatable)");
  convert->add_flag("--no-plan", no_plan, "leave memory planning to the runtime");

  kite::cli::RunArgs run_args;
  auto* run = app.add_subcommand("run", "Run a .kite model on .npy inputs (or seeded random ones) and write .npy outputs");
  run->add_option("model", run_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  run->add_option("--input", run_args.inputs,
                  "NAME=FILE.npy (repeatable); k samples stacked along the first dimension run one after another");
  run->add_option("--seed", run_args.seed, "seed for inputs not given as files (uniform in [-1, 1])");
  run->add_option("--output-dir", run_args.output_dir, "folder for one <output name>.npy per graph output")->required();

  kite::cli::InspectArgs inspect_args;
  auto* inspect = app.add_subcommand("inspect", "Show a .kite model's ops, tensors, kernels and memory plan");
  inspect->add_option("model", inspect_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  inspect->add_flag("--json", inspect_args.json, "machine-readable output");
  inspect->add_flag("--kernel-shapes", inspect_args.kernel_shapes,
                    "one line per distinct Conv2D/FC/Add/pool/Resize/Concat configuration, for benchmarks/kernels");

  kite::cli::BenchArgs bench_args;
  auto* bench = app.add_subcommand("bench", "Time a .kite model: init, arena, latency min/median/p90 and a per-operator profile");
  bench->add_option("model", bench_args.model, ".kite model")->required()->check(CLI::ExistingFile);
  bench->add_option("--threads", bench_args.threads, "threads (this build: 1, the reference kernels)");
  bench->add_option("--warmup", bench_args.warmup, "untimed runs first (default 3)");
  bench->add_option("--runs", bench_args.runs, "timed runs (default 10)");
  bench->add_option("--min-time", bench_args.min_time_s, "keep running until this many seconds have passed too");
  bench->add_option("--top", bench_args.top, "operators shown in the profile (0: all; default 20)");
  bench->add_option("--seed", bench_args.seed, "seed of the random inputs");
  bench->add_flag("--json", bench_args.json, "machine-readable output (all operators)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*convert) {
      kite::converter::ConvertOptions options;
      for (const auto& spec : input_shapes) options.import.input_shapes.insert(ParseInputShape(spec));
      options.plan_memory = !no_plan;
      std::fprintf(stderr, "kite convert: %s ...\n", onnx_path.c_str());
      const auto r = kite::converter::ConvertOnnxFile(onnx_path, out_path, options);
      std::printf("%s: %d ONNX nodes -> %d after folding and fusion -> %d Kite ops (%d transposes); %llu bytes; arena %llu bytes "
                  "(lower bound %llu, ratio %.3f); %.2f s\n",
                  out_path.c_str(), r.onnx_nodes, r.nodes_after_passes, r.kite_ops, r.transposes_in_kite,
                  static_cast<unsigned long long>(r.file_bytes), static_cast<unsigned long long>(r.arena_bytes),
                  static_cast<unsigned long long>(r.lower_bound_bytes),
                  r.lower_bound_bytes ? static_cast<double>(r.arena_bytes) / r.lower_bound_bytes : 0.0, r.seconds);
    } else if (*run) {
      kite::cli::RunModel(run_args);
    } else if (*inspect) {
      kite::cli::InspectModel(inspect_args);
    } else if (*bench) {
      kite::cli::BenchModel(bench_args);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kite: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

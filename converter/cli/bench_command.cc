// `kite bench`: init time, arena, latency distribution and a per-operator
// profile of one .kite model.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "analysis/op_cost.h"
#include "executor/c_api_internal.h"
#include "kernels/int8/ukernels.h"
#include "kernels/kernel.h"
#include "kite/kite.hpp"

namespace kite {
namespace cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

void Progress(bool on, const char* what, int done, int total) {
  if (on) std::fprintf(stderr, "\rkite bench: %s %d/%d   ", what, done, total);
}

}  // namespace

nlohmann::json BenchReport(const BenchArgs& args) {
  if (args.threads < 1) throw std::runtime_error("--threads must be >= 1");
  if (args.runs < 1 || args.warmup < 0) throw std::runtime_error("--runs must be >= 1 and --warmup >= 0");
  const bool progress = isatty(STDERR_FILENO) != 0;

  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = KernelsOption(args.kernels);
  const auto t0 = Clock::now();
  ModelHandle model;
  const kite_status loaded = args.model_bytes != nullptr ? model.Load(args.model_bytes, args.model_size)
                                                          : model.LoadFile(args.model.c_str());
  if (loaded != KITE_OK) throw std::runtime_error(args.model + ": " + model.error());
  const auto t1 = Clock::now();
  size_t arena_bytes = 0;
  if (model.ArenaSize(options, &arena_bytes) != KITE_OK) throw std::runtime_error(model.error());
  // The caller's arena, as an application sizes it: measured once (a NULL
  // arena would make create measure again).
  std::unique_ptr<void, decltype(&std::free)> arena(std::aligned_alloc(KITE_ARENA_ALIGNMENT, arena_bytes), &std::free);
  if (arena == nullptr) throw std::runtime_error("cannot allocate an arena of " + std::to_string(arena_bytes) + " bytes");
  InterpreterHandle it;
  if (it.Create(model, options, arena.get(), arena_bytes) != KITE_OK) throw std::runtime_error(it.error());
  const kite_status threads = it.SetNumThreads(args.threads);
  if (threads != KITE_OK) {
    throw std::runtime_error("--threads " + std::to_string(args.threads) + ": " + kite_status_string(threads) +
                             (threads == KITE_ERROR_MODEL_UNSUPPORTED ? " (this build has no XNNPACK: one thread)" : ""));
  }
  Interpreter& interpreter = it.get()->impl;
  if (!args.int8_variant.empty()) {
    const int8::Ukernels* variant = int8::FindUkernels(args.int8_variant.c_str());
    if (variant == nullptr) {
      std::string names;
      const int8::Ukernels* variants[int8::kMaxUkernels];
      const size_t count = int8::AvailableUkernels(variants);
      for (size_t i = 0; i < count; ++i) names += std::string(i > 0 ? ", " : "") + variants[i]->name;
      throw std::runtime_error("--int8-variant " + args.int8_variant + ": this CPU runs " + names);
    }
    interpreter.set_int8_ukernels(variant);
  }
  if (it.Prepare() != KITE_OK) throw std::runtime_error(it.error());
  const auto t2 = Clock::now();
  const schema::Model& fb = *model.get()->model.fb();

  // Seeded inputs, the same every run.
  std::mt19937 rng(args.seed);
  for (size_t i = 0; i < it.input_count(); ++i) {
    kite_tensor_info info;
    it.InputInfo(i, &info);
    std::vector<uint8_t> data(info.bytes);
    if (info.dtype == KITE_FLOAT32) {
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (size_t k = 0; k < info.bytes / 4; ++k) {
        const float v = u(rng);
        std::memcpy(&data[k * 4], &v, 4);
      }
    } else {
      for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    }
    if (it.SetInput(i, data.data(), data.size()) != KITE_OK) throw std::runtime_error(it.error());
  }
  // Inputs may be overwritten in place by a run: keep a copy to restore.
  std::vector<std::vector<uint8_t>> inputs;
  for (size_t i = 0; i < it.input_count(); ++i) {
    kite_tensor_info info;
    it.InputInfo(i, &info);
    const uint8_t* p = static_cast<const uint8_t*>(kite_interpreter_input_data(it.get(), i));
    inputs.emplace_back(p, p + info.bytes);
  }
  auto restore = [&] {
    for (size_t i = 0; i < inputs.size(); ++i) it.SetInput(i, inputs[i].data(), inputs[i].size());
  };

  for (int r = 0; r < args.warmup; ++r) {
    Progress(progress, "warm-up", r + 1, args.warmup);
    restore();
    it.Invoke();
  }
  std::vector<double> latency;
  const auto start = Clock::now();
  for (int r = 0; r < args.runs || Ms(Clock::now() - start) < args.min_time_s * 1000.0; ++r) {
    Progress(progress, "run", r + 1, args.runs);
    restore();
    const auto a = Clock::now();
    if (it.Invoke() != KITE_OK) throw std::runtime_error(it.error());
    latency.push_back(Ms(Clock::now() - a));
  }
  // Per-operator profile: separate runs, every operator timed on its own.
  const int profile_runs = std::max(1, std::min<int>(static_cast<int>(latency.size()), 5));
  const int32_t nodes = interpreter.num_nodes();
  std::vector<std::vector<double>> op_times(nodes);
  for (int r = 0; r < profile_runs; ++r) {
    Progress(progress, "profile", r + 1, profile_runs);
    restore();
    for (int32_t n = 0; n < nodes; ++n) {
      const auto a = Clock::now();
      interpreter.InvokeNode(n);
      op_times[n].push_back(Ms(Clock::now() - a));
    }
  }
  if (progress) std::fprintf(stderr, "\r%60s\r", "");

  struct Row {
    int32_t index;
    std::string op, node, dtype, kernel;
    const char* declined;
    double ms;
    converter::OpCost cost;
  };
  std::vector<Row> rows;
  double profiled_total = 0;
  for (int32_t n = 0; n < nodes; ++n) {
    const Node& node = interpreter.node(n);
    Row row{n, schema::EnumNameOpCode(node.op->opcode()), node.op->source_node() ? node.op->source_node()->str() : "",
            schema::EnumNameDataType(fb.tensors()->Get(node.op->outputs()->Get(0))->type()), node.kernel_name,
            node.declined, Percentile(op_times[n], 0.5), converter::CostOf(fb, *node.op)};
    profiled_total += row.ms;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });
  uint64_t total_macs = 0;
  for (const Row& r : rows) total_macs += r.cost.macs;

  const double median = Percentile(latency, 0.5);
  // Time outside the kernels: the median run against the median over the
  // profile runs of the operators' summed times (a sum per run: the sum of
  // per-operator medians would understate a typical run). Noise can make it
  // negative.
  std::vector<double> kernel_sums(profile_runs, 0.0);
  for (int32_t n = 0; n < nodes; ++n) {
    for (int r = 0; r < profile_runs; ++r) kernel_sums[r] += op_times[n][r];
  }
  const double kernels_ms = Percentile(kernel_sums, 0.5);
  const double outside_share = median > 0 ? (median - kernels_ms) / median : 0.0;
  nlohmann::json j;
  j["model"] = args.model;
  j["threads"] = args.threads;
  j["kernels"] = args.kernels;
  j["runs"] = latency.size();
  j["warmup"] = args.warmup;
  j["init_ms"] = {{"load_and_verify", Ms(t1 - t0)}, {"arena_size_create_prepare", Ms(t2 - t1)}, {"total", Ms(t2 - t0)}};
  j["arena_bytes"] = {{"total", arena_bytes},
                      {"activations", interpreter.activation_bytes()},
                      {"persistent", interpreter.persistent_bytes()}};
  j["latency_ms"] = {{"min", Percentile(latency, 0.0)}, {"median", median}, {"p90", Percentile(latency, 0.9)},
                     {"max", Percentile(latency, 1.0)}, {"all", latency}};
  j["macs"] = total_macs;
  j["gmacs_per_s"] = median > 0 ? total_macs / (median * 1e6) : 0.0;
  nlohmann::json ops = nlohmann::json::array();
  for (const Row& r : rows) {
    ops.push_back({{"index", r.index}, {"op", r.op}, {"node", r.node}, {"dtype", r.dtype}, {"kernel", r.kernel},
                   {"declined", r.declined != nullptr ? nlohmann::json(r.declined) : nlohmann::json()}, {"ms", r.ms}, {"share", profiled_total > 0 ? r.ms / profiled_total : 0.0}, {"macs", r.cost.macs},
                   {"gmacs_per_s", r.ms > 0 ? r.cost.macs / (r.ms * 1e6) : 0.0}});
  }
  j["profile"] = ops;
  j["profile_total_ms"] = profiled_total;
  j["outside_kernels_share"] = outside_share;
  j["profile_runs"] = profile_runs;
  return j;
}

void BenchModel(const BenchArgs& args) {
  const nlohmann::json j = BenchReport(args);
  if (args.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  const auto& init = j["init_ms"];
  const auto& arena = j["arena_bytes"];
  const auto& latency = j["latency_ms"];
  const nlohmann::json& ops = j["profile"];
  const double profiled_total = j["profile_total_ms"];
  std::printf("%s: %zu operators, %.3f GMAC per run\n", args.model.c_str(), ops.size(), j["macs"].get<double>() / 1e9);
  std::printf("init: %.2f ms (load + verify %.2f ms, arena size + create + prepare %.2f ms)\n", init["total"].get<double>(),
              init["load_and_verify"].get<double>(), init["arena_size_create_prepare"].get<double>());
  std::printf("arena: %llu bytes (activations %llu, persistent state %llu)\n", arena["total"].get<unsigned long long>(),
              arena["activations"].get<unsigned long long>(), arena["persistent"].get<unsigned long long>());
  std::printf("latency over %zu runs (%d warm-up), %d thread%s: min %.3f ms, median %.3f ms, p90 %.3f ms  (%.2f GMAC/s)\n",
              latency["all"].size(), args.warmup, args.threads, args.threads == 1 ? "" : "s", latency["min"].get<double>(),
              latency["median"].get<double>(), latency["p90"].get<double>(), j["gmacs_per_s"].get<double>());
  std::printf("outside kernels: %.1f%% of the median run (minus the median of the operators' summed times)\n",
              100.0 * j["outside_kernels_share"].get<double>());
  std::printf("\nper-operator profile (median of %d runs, sorted by time; sum %.3f ms):\n", j["profile_runs"].get<int>(),
              profiled_total);
  std::printf("%4s  %-20s %-8s %-30s %-34s %10s %7s %8s\n", "#", "op", "dtype", "node", "kernel", "ms", "share", "GMAC/s");
  const size_t shown = args.top > 0 ? std::min<size_t>(ops.size(), static_cast<size_t>(args.top)) : ops.size();
  for (size_t i = 0; i < shown; ++i) {
    const auto& r = ops[i];
    std::printf("%4d  %-20s %-8s %-30.30s %-34s %10.3f %6.1f%% %8.2f\n", r["index"].get<int>(), r["op"].get<std::string>().c_str(),
                r["dtype"].get<std::string>().c_str(), r["node"].get<std::string>().c_str(),
                r["kernel"].get<std::string>().c_str(), r["ms"].get<double>(), 100.0 * r["share"].get<double>(),
                r["gmacs_per_s"].get<double>());
  }
  if (shown < ops.size()) std::printf("  ... %zu more operators (--top 0 shows all)\n", ops.size() - shown);
  PrintKernelChoices(ops);
}

}  // namespace cli
}  // namespace kite

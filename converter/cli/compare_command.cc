// `kite compare A B --input SRC`: where do two versions of a model (the ONNX
// model, a float .kite, an int8 .kite) part ways? Per layer, keyed by ONNX
// node names, worst first: SQNR, cosine similarity and max error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "analysis/layer_compare.h"
#include "cli/commands.h"
#include "convert.h"
#include "quantize/calibration_data.h"

namespace kite {
namespace cli {
namespace {

using converter::CompareResult;
using converter::LayerError;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}


std::string Db(double v) {
  char buf[32];
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

nlohmann::json ToJson(const LayerError& e) {
  const double sqnr = e.stats.sqnr_db();
  return {{"node", e.node}, {"op", e.op}, {"index", e.index},
          {"sqnr_db", std::isinf(sqnr) ? nlohmann::json(sqnr > 0 ? "inf" : "-inf") : nlohmann::json(sqnr)},
          {"cosine", e.stats.cosine()}, {"max_error", e.stats.max_error}, {"elements", e.stats.elements}};
}

// SQNR along the network: one point per layer in execution order, with the
// graph outputs' SQNR as dashed lines.
void WriteSvg(const std::string& path, const CompareResult& r, const std::string& title) {
  const double w = 900, h = 360, left = 60, right = 20, top = 40, bottom = 50;
  double hi = 10;
  for (const auto& l : r.layers) {
    const double v = l.stats.sqnr_db();
    if (std::isfinite(v)) hi = std::max(hi, v);
  }
  hi = std::ceil(hi / 10) * 10;
  const auto x = [&](size_t i) { return left + (w - left - right) * (r.layers.size() < 2 ? 0.5 : double(i) / (r.layers.size() - 1)); };
  const auto y = [&](double v) { return top + (h - top - bottom) * (1 - std::clamp(v, 0.0, hi) / hi); };
  std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='360' font-family='sans-serif' font-size='11'>\n";
  svg += "<rect width='100%' height='100%' fill='white'/>\n<text x='60' y='22' font-size='14'>" + title + "</text>\n";
  for (double v = 0; v <= hi; v += 10) {
    svg += "<line x1='60' x2='880' y1='" + std::to_string(y(v)) + "' y2='" + std::to_string(y(v)) + "' stroke='#ddd'/>";
    svg += "<text x='52' y='" + std::to_string(y(v) + 4) + "' text-anchor='end'>" + Db(v) + "</text>\n";
  }
  svg += "<text x='14' y='200' transform='rotate(-90 14 200)'>SQNR (dB)</text>\n";
  svg += "<text x='470' y='350' text-anchor='middle'>layer (execution order)</text>\n<polyline fill='none' stroke='#1f77b4' stroke-width='1.5' points='";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const double v = r.layers[i].stats.sqnr_db();
    svg += std::to_string(x(i)) + "," + std::to_string(y(std::isfinite(v) ? v : hi)) + " ";
  }
  svg += "'/>\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const double v = r.layers[i].stats.sqnr_db();
    svg += "<circle cx='" + std::to_string(x(i)) + "' cy='" + std::to_string(y(std::isfinite(v) ? v : hi)) +
           "' r='2' fill='#1f77b4'><title>" + r.layers[i].node + " (" + r.layers[i].op + "): " + Db(v) + " dB</title></circle>\n";
  }
  for (const auto& o : r.outputs) {
    const double v = o.stats.sqnr_db();
    svg += "<line x1='60' x2='880' y1='" + std::to_string(y(v)) + "' y2='" + std::to_string(y(v)) +
           "' stroke='#d62728' stroke-dasharray='4 3'/><text x='876' y='" + std::to_string(y(v) - 3) +
           "' text-anchor='end' fill='#d62728'>output " + o.node + ": " + Db(v) + " dB</text>\n";
  }
  svg += "</svg>\n";
  std::ofstream out(path);
  if (!(out << svg)) throw std::runtime_error("cannot write '" + path + "'");
}

// The layers worst first, and the median of their finite SQNRs.
std::vector<const LayerError*> WorstFirst(const CompareResult& r, double* median) {
  std::vector<const LayerError*> worst;
  for (const auto& l : r.layers) worst.push_back(&l);
  std::stable_sort(worst.begin(), worst.end(),
                   [](const LayerError* x, const LayerError* y) { return x->stats.sqnr_db() < y->stats.sqnr_db(); });
  std::vector<double> finite;
  for (const auto& l : r.layers) {
    if (std::isfinite(l.stats.sqnr_db())) finite.push_back(l.stats.sqnr_db());
  }
  std::sort(finite.begin(), finite.end());
  *median = finite.empty() ? INFINITY : finite[finite.size() / 2];
  return worst;
}

nlohmann::json ReportOf(const std::string& a, const std::string& b, const CompareResult& r) {
  double median = 0;
  const std::vector<const LayerError*> worst = WorstFirst(r, &median);
  nlohmann::json j;
  j["a"] = a;
  j["b"] = b;
  j["samples"] = r.samples;
  j["layers"] = nlohmann::json::array();
  for (const LayerError* l : worst) j["layers"].push_back(ToJson(*l));
  j["outputs"] = nlohmann::json::array();
  for (const auto& o : r.outputs) j["outputs"].push_back(ToJson(o));
  j["median_layer_sqnr_db"] = std::isfinite(median) ? nlohmann::json(median) : nlohmann::json("inf");
  return j;
}

CompareResult CompareOn(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                        const converter::CalibrationData& data, size_t max_samples) {
  const size_t samples = max_samples == 0 ? data.size() : std::min(max_samples, data.size());
  return converter::CompareModels(
      a, b, [&](size_t s) { return data.Sample(s); }, samples,
      [&](size_t done, size_t total) { ProgressBar("comparing", done, total); });
}

}  // namespace

std::vector<uint8_t> CompareModelBytes(const std::string& path,
                                       const std::map<std::string, std::vector<int64_t>>& input_shapes) {
  if (EndsWith(path, ".onnx")) {
    converter::ConvertOptions options;
    options.import.input_shapes = input_shapes;
    return converter::ConvertOnnx(path, options, nullptr);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json CompareReport(const std::string& a, const std::string& b, const std::vector<uint8_t>& a_bytes,
                             const std::vector<uint8_t>& b_bytes, const converter::CalibrationData& data,
                             size_t max_samples) {
  return ReportOf(a, b, CompareOn(a_bytes, b_bytes, data, max_samples));
}

void CompareModels(const CompareArgs& args) {
  const std::vector<uint8_t> a = CompareModelBytes(args.a, args.input_shapes);
  const std::vector<uint8_t> b = CompareModelBytes(args.b, args.input_shapes);
  if (args.sensitivity) return CompareSensitivity(args, a, b);
  const converter::TracedRun probe(a);
  const converter::CalibrationData data(args.input, probe.inputs(), args.images);
  const CompareResult r = CompareOn(a, b, data, args.max_samples);
  if (!args.svg.empty()) WriteSvg(args.svg, r, args.b + " vs " + args.a);
  if (args.json) {
    std::printf("%s\n", ReportOf(args.a, args.b, r).dump(2).c_str());
    return;
  }
  double median = 0;
  const std::vector<const LayerError*> worst = WorstFirst(r, &median);
  std::printf("%s vs %s: %zu layers matched by ONNX node, %zu sample%s\n\n", args.b.c_str(), args.a.c_str(),
              r.layers.size(), r.samples, r.samples == 1 ? "" : "s");
  std::printf("%-56s %-20s %9s %9s %11s\n", "layer (ONNX node)", "op", "SQNR dB", "cosine", "max error");
  const size_t shown = args.top == 0 ? worst.size() : std::min<size_t>(args.top, worst.size());
  for (size_t i = 0; i < shown; ++i) {
    const LayerError& l = *worst[i];
    std::printf("%-56s %-20s %9s %9.5f %11.4g\n", l.node.c_str(), l.op.c_str(), Db(l.stats.sqnr_db()).c_str(),
                l.stats.cosine(), l.stats.max_error);
  }
  if (shown < worst.size()) std::printf("... %zu more (--top 0 shows all)\n", worst.size() - shown);
  std::printf("\noutputs:\n");
  for (const auto& o : r.outputs) {
    std::printf("  %-54s %9s dB  cosine %.5f  max error %.4g\n", o.node.c_str(), Db(o.stats.sqnr_db()).c_str(), o.stats.cosine(),
                o.stats.max_error);
  }
  double worst_output = INFINITY;
  for (const auto& o : r.outputs) worst_output = std::min(worst_output, o.stats.sqnr_db());
  std::printf("summary: worst output %s dB, median layer %s dB, worst layer %s (%s dB)\n", Db(worst_output).c_str(),
              Db(median).c_str(), worst.empty() ? "-" : worst[0]->node.c_str(),
              worst.empty() ? "-" : Db(worst[0]->stats.sqnr_db()).c_str());
}

void ProgressBar(const char* what, size_t done, size_t total) {
  if (!isatty(fileno(stderr))) return;
  std::fprintf(stderr, "\r%s: %zu/%zu", what, done, total);
  if (done == total) std::fprintf(stderr, "\n");
}

}  // namespace cli
}  // namespace kite

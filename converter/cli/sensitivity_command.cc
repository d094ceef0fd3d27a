// `kite compare FLOAT INT8 --input SRC --sensitivity`: which int8
// activations cost the model its accuracy, and what keeping each exact (in
// float, or nearly so in 16 bits) would gain, and what each conv/FC's int8
// weights cost. Text (best gains first), JSON
// or an SVG of the gains along the network.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "analysis/sensitivity.h"
#include "cli/commands.h"
#include "quantize/calibration_data.h"
#include "quantize/traced_run.h"

namespace kite {
namespace cli {
namespace {

using converter::SensitivityResult;
using converter::TensorSensitivity;

nlohmann::json Db(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(v > 0 ? "inf" : "-inf"); }

std::string Text(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// Bars of each activation's gain (kept - all rounded), execution order.
void WriteSvg(const std::string& path, const SensitivityResult& r, const std::string& title) {
  const double w = 900, h = 360, left = 60, right = 20, top = 40, bottom = 50;
  double hi = 1;
  for (const auto& t : r.tensors) {
    if (std::isfinite(t.kept_db - r.all_rounded_db)) hi = std::max(hi, t.kept_db - r.all_rounded_db);
  }
  hi = std::ceil(hi);
  const double bar = (w - left - right) / std::max<size_t>(r.tensors.size(), 1);
  const auto y = [&](double v) { return top + (h - top - bottom) * (1 - std::clamp(v, 0.0, hi) / hi); };
  std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='360' font-family='sans-serif' font-size='11'>\n";
  svg += "<rect width='100%' height='100%' fill='white'/>\n<text x='60' y='22' font-size='14'>" + title + "</text>\n";
  const double tick = hi > 10 ? 5 : 1;
  for (double v = 0; v <= hi; v += tick) {
    svg += "<line x1='60' x2='880' y1='" + std::to_string(y(v)) + "' y2='" + std::to_string(y(v)) + "' stroke='#ddd'/>";
    svg += "<text x='52' y='" + std::to_string(y(v) + 4) + "' text-anchor='end'>" + Text(v) + "</text>\n";
  }
  svg += "<text x='14' y='250' transform='rotate(-90 14 250)'>gain if kept exact (dB)</text>\n";
  svg += "<text x='470' y='350' text-anchor='middle'>int8 activation (execution order); all rounded: " + Text(r.all_rounded_db) +
         " dB, int8 model: " + Text(r.int8_model_db) + " dB</text>\n";
  for (size_t i = 0; i < r.tensors.size(); ++i) {
    const TensorSensitivity& t = r.tensors[i];
    const double gain = std::max(0.0, t.kept_db - r.all_rounded_db);
    svg += "<rect x='" + std::to_string(left + i * bar) + "' y='" + std::to_string(y(gain)) + "' width='" +
           std::to_string(std::max(1.0, bar - 1)) + "' height='" + std::to_string(y(0) - y(gain)) + "' fill='#1f77b4'><title>" +
           t.node + " (" + t.op + "): +" + Text(gain) + " dB kept, " + Text(t.alone_db) + " dB alone</title></rect>\n";
  }
  svg += "</svg>\n";
  std::ofstream out(path);
  if (!(out << svg)) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace

void CompareSensitivity(const CompareArgs& args, const std::vector<uint8_t>& float_bytes, const std::vector<uint8_t>& int8_bytes) {
  const converter::TracedRun probe(float_bytes);
  const converter::CalibrationData data(args.input, probe.inputs(), args.images);
  const size_t samples = args.max_samples == 0 ? data.size() : std::min(args.max_samples, data.size());
  const SensitivityResult r = converter::MeasureSensitivity(
      float_bytes, int8_bytes, [&](size_t s) { return data.Sample(s); }, samples,
      [&](size_t done, size_t total) { ProgressBar("sensitivity runs", done, total); });
  std::vector<const TensorSensitivity*> best;
  for (const auto& t : r.tensors) best.push_back(&t);
  std::stable_sort(best.begin(), best.end(), [](const TensorSensitivity* x, const TensorSensitivity* y) { return x->kept_db > y->kept_db; });

  std::vector<const converter::WeightSensitivity*> worst_weights;
  for (const auto& w : r.weights) worst_weights.push_back(&w);
  std::stable_sort(worst_weights.begin(), worst_weights.end(),
                   [](const converter::WeightSensitivity* x, const converter::WeightSensitivity* y) { return x->alone_db < y->alone_db; });

  if (!args.svg.empty()) WriteSvg(args.svg, r, args.b + ": int8 activations' sensitivity");
  if (args.json) {
    nlohmann::json j;
    j["float"] = args.a;
    j["int8"] = args.b;
    j["samples"] = r.samples;
    j["outputs"] = r.outputs;
    j["discrete_outputs"] = r.discrete_outputs;
    j["all_rounded_db"] = Db(r.all_rounded_db);
    j["weights_rounded_db"] = Db(r.weights_rounded_db);
    j["everything_rounded_db"] = Db(r.everything_rounded_db);
    j["int8_model_db"] = Db(r.int8_model_db);
    j["tensors"] = nlohmann::json::array();
    for (const TensorSensitivity* t : best) {
      j["tensors"].push_back({{"node", t->node}, {"op", t->op}, {"index", t->index}, {"elements", t->elements},
                              {"kept_db", Db(t->kept_db)}, {"gain_db", Db(t->kept_db - r.all_rounded_db)}, {"alone_db", Db(t->alone_db)}});
    }
    j["weights"] = nlohmann::json::array();
    for (const converter::WeightSensitivity* w : worst_weights) {
      j["weights"].push_back({{"node", w->node}, {"op", w->op}, {"index", w->index}, {"alone_db", Db(w->alone_db)}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::string judged;
  for (const auto& o : r.outputs) judged += (judged.empty() ? "" : ", ") + o;
  std::printf("%s vs %s: %zu int8 activations, %zu sample%s; worst output SQNR of %s%s\n", args.b.c_str(), args.a.c_str(),
              r.tensors.size(), r.samples, r.samples == 1 ? "" : "s", judged.c_str(),
              r.discrete_outputs.empty() ? "" : " (outputs through a comparison not judged)");
  std::printf("  int8 model: %s dB; float with the int8 model's roundings simulated: activations %s dB, weights %s dB, both %s dB\n\n",
              Text(r.int8_model_db).c_str(), Text(r.all_rounded_db).c_str(), Text(r.weights_rounded_db).c_str(),
              Text(r.everything_rounded_db).c_str());
  std::printf("%-56s %-16s %10s %9s %10s\n", "activation (ONNX node)", "op", "kept dB", "gain dB", "alone dB");
  const size_t shown = args.top == 0 ? best.size() : std::min<size_t>(args.top, best.size());
  for (size_t i = 0; i < shown; ++i) {
    const TensorSensitivity& t = *best[i];
    std::printf("%-56s %-16s %10s %9s %10s\n", t.node.c_str(), t.op.c_str(), Text(t.kept_db).c_str(),
                Text(t.kept_db - r.all_rounded_db).c_str(), Text(t.alone_db).c_str());
  }
  if (shown < best.size()) std::printf("... %zu more (--top 0 shows all)\n", best.size() - shown);
  std::printf("\n%-56s %-16s %10s\n", "int8 weights (ONNX node), worst first", "op", "alone dB");
  const size_t shown_weights = args.top == 0 ? worst_weights.size() : std::min<size_t>(args.top, worst_weights.size());
  for (size_t i = 0; i < shown_weights; ++i) {
    const converter::WeightSensitivity& w = *worst_weights[i];
    std::printf("%-56s %-16s %10s\n", w.node.c_str(), w.op.c_str(), Text(w.alone_db).c_str());
  }
  if (shown_weights < worst_weights.size()) std::printf("... %zu more\n", worst_weights.size() - shown_weights);
}

}  // namespace cli
}  // namespace kite

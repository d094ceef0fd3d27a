#include "quantize/quantize_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "core/op_kinds.h"
#include "quantize/op_quantization.h"
#include "ir/graph.h"

namespace kite {
namespace converter {
namespace {

using schema::OpCode;

std::vector<float> FloatData(const schema::ModelT& m, const schema::TensorT& t) {
  const std::vector<uint8_t>& bytes = m.buffers[t.buffer]->data;
  std::vector<float> out(bytes.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

template <typename T>
std::unique_ptr<schema::BufferT> BufferOf(const std::vector<T>& values) {
  auto b = std::make_unique<schema::BufferT>();
  b->data.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(b->data.data(), values.data(), b->data.size());
  return b;
}

bool SameParams(const AffineParams& a, const AffineParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

class Quantizer {
 public:
  Quantizer(schema::ModelT& m, const std::vector<RangeObserver>& stats, const QuantizeOptions& o)
      : m_(m), stats_(stats), o_(o), params_(m.tensors.size()), has_params_(m.tensors.size(), false) {}

  QuantizeReport Run();

 private:
  bool IsConstant(int32_t t) const { return m_.tensors[t]->buffer != 0; }
  bool IsGraphOutput(int32_t t) const {
    for (const auto& e : m_.outputs) {
      if (e->tensor == t) return true;
    }
    return false;
  }
  std::optional<AffineParams> Calibrated(int32_t t, bool near_output);
  std::optional<Range> ReadersDistinguish(int32_t t) const;
  bool SaturatedInt8Inputs(int32_t op_index, Range* r) const;
  AffineParams Int16Params(int32_t t);
  void AssignParams();
  void ChooseInt16Ops();
  int32_t NewTensor(const std::string& name, schema::DataType type, const std::vector<int32_t>& shape);
  void SetQuant(int32_t t, const std::vector<float>& scales, const std::vector<int64_t>& zero_points, int32_t dim);
  int32_t Converted(int32_t t, schema::DataType to, std::vector<std::unique_ptr<schema::OperatorT>>& ops);
  int32_t QuantizedConstant(int32_t t, const schema::OperatorT& op, size_t slot);
  int32_t Int16Constant(int32_t t);
  void Compact();
  void CorrectBias(schema::OperatorT& op, int32_t float_input, int32_t float_weights);
  bool RoundedWithData(const std::vector<float>& w, const std::vector<float>& scales, int32_t max_level,
                       std::vector<int16_t>* q);

  schema::ModelT& m_;
  const std::vector<RangeObserver>& stats_;
  const QuantizeOptions& o_;
  std::vector<bool> int8_op_;   // quantized: int8, or 16x8 where int16_op_
  std::vector<bool> int16_op_;
  std::vector<schema::DataType> type_;  // each activation's type as emitted
  std::vector<int32_t> producer_;
  std::vector<std::vector<int32_t>> consumers_;
  std::vector<AffineParams> params_;
  std::vector<bool> has_params_;
  std::vector<bool> near_output_;
  std::map<int32_t, AffineParams> params16_;
  std::map<std::pair<int32_t, schema::DataType>, int32_t> converted_;
  std::map<std::pair<int32_t, int>, int32_t> quantized_constants_;
  std::vector<float> last_weight_scales_;
  size_t op_index_ = 0;         // the float model's op being quantized
  int32_t op_float_input_ = -1;  // and its float input tensor
  QuantizeReport report_;
  std::set<std::string> int16_weight_nodes_;  // the ops given int16 weights
};

// The op's weights rounded by weight_rounding.h where calibration gave its
// taps' moments; false (nothing written) otherwise.
bool Quantizer::RoundedWithData(const std::vector<float>& w, const std::vector<float>& scales, int32_t max_level,
                                std::vector<int16_t>* q) {
  if (!o_.round_weights_with_data || o_.tap_moments == nullptr || op_index_ >= o_.tap_moments->size()) return false;
  const TapMoments& m = (*o_.tap_moments)[op_index_];
  if (m.empty() || scales.empty() || w.size() % scales.size() != 0 || w.size() / scales.size() != static_cast<size_t>(m.taps)) {
    return false;
  }
  const size_t rows = scales.size(), taps = static_cast<size_t>(m.taps);
  const bool depthwise = m.depthwise;
  const bool per_row = m.channels > 1;
  if (per_row ? static_cast<size_t>(m.channels) != rows : m.channels != 1) return false;
  // Bias correction removes the error's mean: centre each tap on its input
  // channel's mean, as it does.
  const std::vector<double>* channel_mean = nullptr;
  if (o_.bias_correction && op_float_input_ >= 0 && !stats_[op_float_input_].channel_means().empty()) {
    channel_mean = &stats_[op_float_input_].channel_means();
  }
  const auto tap_means = [&](size_t row) {
    std::vector<double> mean;
    if (channel_mean == nullptr) return mean;
    const size_t in = channel_mean->size();
    for (size_t k = 0; k < taps; ++k) mean.push_back(depthwise ? (row < in ? (*channel_mean)[row] : 0.0) : (*channel_mean)[k % in]);
    return mean;
  };
  // H is estimated from the patches: ask for twice as many as there are
  // taps, or round to nearest.
  std::unique_ptr<DataRounding> shared;
  if (!per_row) shared = std::make_unique<DataRounding>(m.Covariance(0, tap_means(0), 2.0 * taps), m.taps);
  for (size_t r = 0; r < rows; ++r) {
    std::vector<int16_t> levels =
        per_row ? DataRounding(m.Covariance(static_cast<int32_t>(r), tap_means(r), 2.0 * taps), m.taps)
                      .RoundLevels(&w[r * taps], scales[r], max_level)
                : shared->RoundLevels(&w[r * taps], scales[r], max_level);
    std::copy(levels.begin(), levels.end(), q->begin() + static_cast<std::ptrdiff_t>(r * taps));
  }
  return true;
}

std::optional<AffineParams> Quantizer::Calibrated(int32_t t, bool near_output) {
  const schema::TensorT& tensor = *m_.tensors[t];
  auto given = o_.activation_params.find(tensor.name);
  if (given != o_.activation_params.end()) return given->second;
  if (IsConstant(t)) {
    const std::vector<float> v = FloatData(m_, tensor);
    Range r;
    if (!v.empty()) r = {*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
    return Int8ParamsForRange(r);
  }
  const RangeObserver& o = stats_[t];
  if (o.empty()) return std::nullopt;  // neither calibrated nor given
  const std::optional<Range> distinguished = near_output ? std::nullopt : ReadersDistinguish(t);
  // (Disjoint from the range, the readers see one flat value: any range does.)
  const auto within = [&](Range r) {
    if (distinguished && distinguished->lo < r.hi && r.lo < distinguished->hi) {
      r = {std::max(r.lo, distinguished->lo), std::min(r.hi, distinguished->hi)};
    }
    return Int8ParamsForRange(r);
  };
  if (o_.method != RangeMethod::kAuto) return within(ChooseRange(o, o_.method, o_.percentile));
  if (near_output) return Int8ParamsForRange(MinMaxRange(o));
  Range best = MseRange(o);
  double best_error = QuantizationMse(o, best);
  for (const Range r : {MinMaxRange(o), PercentileRange(o, o_.percentile), EntropyRange(o)}) {
    const double error = QuantizationMse(o, r);
    if (error < best_error) {
      best_error = error;
      best = r;
    }
  }
  return within(best);
}

// The interval outside which t's readers all give the same result: a flat
// piece of each reader's function, in any precision (below -3 HardSwish is
// 0, below 0 Relu is 0, Clip and HardSigmoid are flat beyond their bounds),
// or of its int8 output (an int8 Sigmoid or Tanh rounds to its lowest and
// highest codes beyond about +-6 and +-3). Clipping t's range to it costs
// nothing and buys resolution where the readers see it: PP-LCNet's convs
// feeding a hard-swish reach -38 in channels whose hard-swish is 0 there.
// None when a reader is anything else.
std::optional<Range> Quantizer::ReadersDistinguish(int32_t t) const {
  if (consumers_[t].empty() || IsGraphOutput(t)) return std::nullopt;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  Range any{kInf, -kInf};  // the union of the readers' intervals
  for (int32_t c : consumers_[t]) {
    const schema::OperatorT& op = *m_.operators[c];
    if (op.inputs.empty() || op.inputs[0] != t) return std::nullopt;
    Range r{-kInf, kInf};
    switch (op.opcode) {
      case schema::OpCode_HARD_SWISH: r.lo = -3.0f; break;
      case schema::OpCode_RELU: r.lo = 0.0f; break;
      case schema::OpCode_CLIP: {
        const auto* o = op.options.AsClipOptions();
        if (o == nullptr) return std::nullopt;
        r = {o->min, o->max};
        break;
      }
      case schema::OpCode_HARD_SIGMOID: {
        const auto* o = op.options.AsHardSigmoidOptions();
        if (o == nullptr || !(o->alpha > 0)) return std::nullopt;
        r = {-o->beta / o->alpha, (1.0f - o->beta) / o->alpha};
        break;
      }
      case schema::OpCode_SIGMOID:
      case schema::OpCode_TANH:
        if (!SaturatedInt8Inputs(c, &r)) return std::nullopt;
        break;
      default: return std::nullopt;
    }
    any = {std::min(any.lo, r.lo), std::max(any.hi, r.hi)};
  }
  if (!(any.lo < any.hi)) return std::nullopt;
  return any;
}

// An int8 Sigmoid or Tanh (fixed output range): the inputs r whose outputs
// round to other than its lowest and highest codes, with a tenth of a code
// of margin so that no tie decides (Sigmoid at scale 1/255: -6.5 to 6.5).
// False where the op will not be int8: float, 16x8, or given parameters.
bool Quantizer::SaturatedInt8Inputs(int32_t op_index, Range* r) const {
  const schema::OperatorT& op = *m_.operators[op_index];
  Range fixed;
  if (!int8_op_[op_index] || op.outputs.size() != 1 || !FixedOutputRange(op.opcode, &fixed) || o_.all_int16 ||
      o_.int16_ops.count(op.source_node) || o_.activation_params.count(m_.tensors[op.outputs[0]]->name)) {
    return false;
  }
  const AffineParams p = Int8ParamsForRange(fixed);
  const double lo = (-127.6 - p.zero_point) * p.scale, hi = (126.6 - p.zero_point) * p.scale;
  if (op.opcode == schema::OpCode_SIGMOID) {
    if (!(lo > 0 && hi < 1)) return false;
    *r = {static_cast<float>(std::log(lo / (1 - lo))), static_cast<float>(std::log(hi / (1 - hi)))};
  } else {
    if (!(lo > -1 && hi < 1)) return false;
    *r = {static_cast<float>(std::atanh(lo)), static_cast<float>(std::atanh(hi))};
  }
  return true;
}

// 16x8 activations are symmetric with min-max ranges widened by
// kInt16Headroom: at 16 bits rounding costs ~48 dB less than at 8, and
// clipping (on inputs beyond the calibration's) is what is left to avoid. A
// move carries its input's parameters.
AffineParams Quantizer::Int16Params(int32_t t) {
  auto known = params16_.find(t);
  if (known != params16_.end()) return known->second;
  AffineParams p{1.0f, 0};
  const int32_t producer = producer_[t];
  if (producer >= 0 && int16_op_[producer] && MovesInt16(m_.operators[producer]->opcode)) {
    p = Int16Params(m_.operators[producer]->inputs[0]);
  } else {
    if (stats_[t].empty()) throw ConversionError("tensor '" + m_.tensors[t]->name + "' was never observed during calibration");
    p.scale = Int16ActivationScale(MinMaxRange(stats_[t]));
  }
  params16_[t] = p;
  return p;
}

// Ops named in int16_ops (all with all_int16) with a 16x8 kernel run in
// 16x8, those without one in float; moves whose input a 16x8 op computes follow it (in op order, so
// a chain of moves follows too).
void Quantizer::ChooseInt16Ops() {
  for (size_t i = 0; i < m_.operators.size(); ++i) {
    const schema::OperatorT& op = *m_.operators[i];
    if (!int8_op_[i]) continue;
    if (o_.int16_ops.count(op.source_node) || o_.int16_weight_ops.count(op.source_node) ||
        (o_.all_int16 && !MovesInt16(op.opcode))) {
      const bool weights = op.inputs.size() > 1 && op.inputs[1] >= 0 && IsConstant(op.inputs[1]);
      if (HasInt16Kernel(op.opcode) && (weights || !IsConvFamily(op.opcode))) {
        int16_op_[i] = true;
      } else {
        int8_op_[i] = false;
        report_.kept_float.push_back({op.source_node, schema::EnumNameOpCode(op.opcode), "16x8 asked; no 16x8 kernel"});
      }
      continue;
    }
    const int32_t in = op.inputs.empty() ? -1 : op.inputs[0];
    if (MovesInt16(op.opcode) && in >= 0 && producer_[in] >= 0 && int16_op_[producer_[in]]) int16_op_[i] = true;
  }
}

void Quantizer::AssignParams() {
  const size_t n = m_.operators.size();
  // Which tensors reach a graph output through pass-through ops only.
  near_output_.assign(m_.tensors.size(), false);
  for (const auto& e : m_.outputs) near_output_[e->tensor] = true;
  for (size_t i = n; i-- > 0;) {
    const schema::OperatorT& op = *m_.operators[i];
    if (!PassesParamsThrough(op.opcode) || op.inputs.empty() || op.inputs[0] < 0) continue;
    for (int32_t out : op.outputs) {
      if (near_output_[out]) near_output_[op.inputs[0]] = true;
    }
  }
  const auto set = [&](int32_t t, std::optional<AffineParams> p) {
    if (!p) return;
    params_[t] = *p;
    has_params_[t] = true;
  };
  // Graph inputs keep their whole calibrated range under auto: preprocessing
  // bounds them, and an image region brighter than the calibration set's
  // common case must not clip (a white page would lose 6% everywhere).
  for (const auto& e : m_.inputs) set(e->tensor, Calibrated(e->tensor, true));
  for (size_t i = 0; i < n; ++i) {
    const schema::OperatorT& op = *m_.operators[i];
    if (int8_op_[i] && HasIndexOutputs(op.opcode)) continue;
    for (int32_t out : op.outputs) {
      Range fixed;
      const bool given = o_.activation_params.count(m_.tensors[out]->name) > 0;
      if (int8_op_[i] && !given && PassesParamsThrough(op.opcode)) {
        const int32_t in = op.inputs[0];
        if (has_params_[in]) set(out, params_[in]);
        else set(out, Calibrated(in, false));
      } else if (int8_op_[i] && !given && FixedOutputRange(op.opcode, &fixed)) {
        set(out, Int8ParamsForRange(fixed));
      } else {
        set(out, Calibrated(out, near_output_[out]));
      }
    }
    // Concat: inputs nothing else reads take the output's parameters, so
    // the concat is a copy instead of a requantization.
    if (int8_op_[i] && op.opcode == schema::OpCode_CONCAT) {
      for (int32_t in : op.inputs) {
        const int32_t p = producer_[in];
        if (p < 0 || !int8_op_[p] || consumers_[in].size() != 1 || IsGraphOutput(in)) continue;
        Range fixed;
        const OpCode pc = m_.operators[p]->opcode;
        if (PassesParamsThrough(pc) || FixedOutputRange(pc, &fixed) || o_.activation_params.count(m_.tensors[in]->name)) continue;
        if (has_params_[op.outputs[0]]) set(in, params_[op.outputs[0]]);
      }
    }
  }
}

int32_t Quantizer::NewTensor(const std::string& name, schema::DataType type, const std::vector<int32_t>& shape) {
  auto t = std::make_unique<schema::TensorT>();
  t->name = name;
  t->type = type;
  t->shape = shape;
  m_.tensors.push_back(std::move(t));
  return static_cast<int32_t>(m_.tensors.size() - 1);
}

void Quantizer::SetQuant(int32_t t, const std::vector<float>& scales, const std::vector<int64_t>& zero_points, int32_t dim) {
  auto q = std::make_unique<schema::QuantizationT>();
  q->scale = scales;
  q->zero_point = zero_points;
  q->quantized_dimension = dim;
  m_.tensors[t]->quantization = std::move(q);
}

// The tensor holding activation t in type `to`, converting once; between
// int8 and int16 through float.
int32_t Quantizer::Converted(int32_t t, schema::DataType to, std::vector<std::unique_ptr<schema::OperatorT>>& ops) {
  auto it = converted_.find({t, to});
  if (it != converted_.end()) return it->second;
  const bool quantize = to != schema::DataType_FLOAT32;
  const int32_t from = quantize && type_[t] != schema::DataType_FLOAT32 ? Converted(t, schema::DataType_FLOAT32, ops) : t;
  const schema::TensorT& src = *m_.tensors[t];
  const char* suffix = !quantize ? "/dequantized" : to == schema::DataType_INT16 ? "/int16" : "/quantized";
  const std::string name = src.name + suffix;
  const int32_t c = NewTensor(name, to, src.shape);
  if (to == schema::DataType_INT8) {
    if (!has_params_[t]) throw ConversionError("tensor '" + src.name + "' was never observed during calibration");
    SetQuant(c, {params_[t].scale}, {params_[t].zero_point}, 0);
  } else if (to == schema::DataType_INT16) {
    SetQuant(c, {Int16Params(t).scale}, {0}, 0);
  }
  type_.resize(m_.tensors.size(), schema::DataType_FLOAT32);
  type_[c] = to;
  auto op = std::make_unique<schema::OperatorT>();
  op->opcode = quantize ? schema::OpCode_QUANTIZE : schema::OpCode_DEQUANTIZE;
  op->inputs = {from};
  op->outputs = {c};
  op->source_node = name;
  ops.push_back(std::move(op));
  (quantize ? report_.quantize_ops : report_.dequantize_ops) += 1;
  converted_[{t, to}] = c;
  return c;
}

int32_t Quantizer::QuantizedConstant(int32_t t, const schema::OperatorT& op, size_t slot) {
  const bool weights = IsConvFamily(op.opcode) && slot == 1;
  const bool bias = IsConvFamily(op.opcode) && slot == 2;
  const schema::TensorT& src = *m_.tensors[t];
  const std::vector<float> v = FloatData(m_, src);
  if (bias) {
    // Bias depends on the input's scale: never shared across ops. The input
    // slot already holds the int8 tensor (maybe an inserted Quantize's).
    // 16x8 (an int16 input): int64, as its scale is 256x finer.
    const bool wide = m_.tensors[op.inputs[0]]->type == schema::DataType_INT16;
    const float in_scale = m_.tensors[op.inputs[0]]->quantization->scale[0];
    std::vector<int64_t> q(v.size());
    std::vector<float> scales(v.size());
    const double limit = wide ? 4611686018427387904.0 : 1073741824.0;  // 2^62, 2^30
    for (size_t c = 0; c < v.size(); ++c) {
      const float w_scale = last_weight_scales_.size() == 1 ? last_weight_scales_[0] : last_weight_scales_[c];
      scales[c] = in_scale * w_scale;
      const double x = std::nearbyint(static_cast<double>(v[c]) / scales[c]);
      q[c] = static_cast<int64_t>(std::clamp(x, -limit, limit));
    }
    const int32_t out = NewTensor(src.name + (wide ? "/int64" : "/int32"), wide ? schema::DataType_INT64 : schema::DataType_INT32, src.shape);
    m_.buffers.push_back(wide ? BufferOf(q) : BufferOf(std::vector<int32_t>(q.begin(), q.end())));
    m_.tensors[out]->buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
    SetQuant(out, scales, std::vector<int64_t>(scales.size(), 0), 0);
    return out;
  }
  // 16x16: int16 weights for a 16x8 op named in int16_weight_ops.
  const bool wide_weights = weights && m_.tensors[op.inputs[0]]->type == schema::DataType_INT16 &&
                            (o_.all_int16_weights || o_.int16_weight_ops.count(op.source_node) > 0);
  const int32_t max_level = wide_weights ? kInt16WeightLevel : 127;
  const int kind = wide_weights ? 3 : weights ? 1 : 0;  // 2: Int16Constant's
  auto cached = quantized_constants_.find({t, kind});
  if (cached != quantized_constants_.end()) {
    if (weights) {
      const auto& q = m_.tensors[cached->second]->quantization;
      last_weight_scales_ = q->scale;
    }
    return cached->second;
  }
  std::vector<int16_t> q(v.size());
  const int32_t out = NewTensor(src.name + (wide_weights ? "/int16" : "/int8"),
                                wide_weights ? schema::DataType_INT16 : schema::DataType_INT8, src.shape);
  if (weights) {
    const int64_t channels = src.shape.empty() ? 1 : src.shape[0];
    auto given = o_.weight_scales.find(src.name);
    std::vector<float> scales = given != o_.weight_scales.end() ? given->second
                                                                 : SymmetricWeightScales(v, channels, o_.per_tensor_weights);
    if (wide_weights && given == o_.weight_scales.end()) {
      for (float& sc : scales) sc = sc * 127.0f / static_cast<float>(kInt16WeightLevel);
    }
    // The int32 bias is b / (in_scale * w_scale[c]): a channel whose weights
    // are ~0 but whose bias is not would overflow it. Keep |bias| <= 2^30 by
    // raising such a channel's weight scale (its weights round to ~0 anyway).
    // A 16x8 op's bias is int64: nothing to raise.
    const bool wide = m_.tensors[op.inputs[0]]->type == schema::DataType_INT16;
    if (!wide && given == o_.weight_scales.end() && op.inputs.size() > 2 && op.inputs[2] >= 0 && IsConstant(op.inputs[2])) {
      const std::vector<float> b = FloatData(m_, *m_.tensors[op.inputs[2]]);
      const double in_scale = m_.tensors[op.inputs[0]]->quantization->scale[0];
      for (size_t c = 0; c < b.size(); ++c) {
        float& s = scales[scales.size() == 1 ? 0 : c];
        s = std::max(s, static_cast<float>(std::fabs(b[c]) / (in_scale * 1073741824.0)));
      }
    }
    const size_t per_channel = v.size() / static_cast<size_t>(channels);
    if (given != o_.weight_scales.end() || !RoundedWithData(v, scales, max_level, &q)) {
      const float top = static_cast<float>(max_level);
      for (size_t i = 0; i < v.size(); ++i) {
        const float s = scales.size() == 1 ? scales[0] : scales[i / per_channel];
        q[i] = static_cast<int16_t>(std::clamp(std::nearbyint(v[i] / s), -top, top));
      }
    }
    SetQuant(out, scales, {}, 0);  // symmetric: no zero points stored
    last_weight_scales_ = scales;
  } else {
    const AffineParams p = *Calibrated(t, false);  // a constant always has a range
    for (size_t i = 0; i < v.size(); ++i) {
      q[i] = static_cast<int16_t>(std::clamp(std::nearbyint(v[i] / p.scale) + p.zero_point, -128.0f, 127.0f));
    }
    SetQuant(out, {p.scale}, {p.zero_point}, 0);
  }
  m_.buffers.push_back(wide_weights ? BufferOf(q) : BufferOf(std::vector<int8_t>(q.begin(), q.end())));
  if (wide_weights) int16_weight_nodes_.insert(op.source_node);
  m_.tensors[out]->buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
  quantized_constants_[{t, kind}] = out;
  return out;
}

// A constant operand of a 16x8 element-wise op: symmetric int16 over its
// own max |value|.
int32_t Quantizer::Int16Constant(int32_t t) {
  auto cached = quantized_constants_.find({t, 2});
  if (cached != quantized_constants_.end()) return cached->second;
  const schema::TensorT& src = *m_.tensors[t];
  const std::vector<float> v = FloatData(m_, src);
  Range r;
  if (!v.empty()) r = {*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
  const float scale = Int16ScaleForRange(r);
  std::vector<int16_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) q[i] = static_cast<int16_t>(std::clamp(std::nearbyint(v[i] / scale), -32767.0f, 32767.0f));
  const int32_t out = NewTensor(src.name + "/int16", schema::DataType_INT16, src.shape);
  SetQuant(out, {scale}, {0}, 0);
  m_.buffers.push_back(BufferOf(q));
  m_.tensors[out]->buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
  quantized_constants_[{t, 2}] = out;
  return out;
}

void Quantizer::CorrectBias(schema::OperatorT& op, int32_t float_input, int32_t float_weights) {
  if (float_input < 0 || IsConstant(float_input) || stats_[float_input].channel_means().empty()) return;
  const std::vector<double>& mean = stats_[float_input].channel_means();
  const schema::TensorT& wq = *m_.tensors[op.inputs[1]];
  const std::vector<float> w = FloatData(m_, *m_.tensors[float_weights]);
  const uint8_t* q_bytes = m_.buffers[wq.buffer]->data.data();
  const bool wide_weights = wq.type == schema::DataType_INT16;
  const auto q = [&](int64_t i) -> double {
    if (!wide_weights) return static_cast<int8_t>(q_bytes[i]);
    int16_t v;
    std::memcpy(&v, q_bytes + 2 * i, 2);
    return v;
  };
  const int64_t out = wq.shape[0];
  const int64_t per_out = static_cast<int64_t>(w.size()) / out;
  const int64_t in_per_group = wq.shape.back();
  const int64_t in = static_cast<int64_t>(mean.size());
  if (in % in_per_group != 0 || out % (in / in_per_group) != 0) return;
  const int64_t outs_per_group = out / (in / in_per_group);
  std::vector<double> shift(out, 0.0);
  for (int64_t o = 0; o < out; ++o) {
    const float s = wq.quantization->scale.size() == 1 ? wq.quantization->scale[0] : wq.quantization->scale[o];
    const int64_t first_channel = (o / outs_per_group) * in_per_group;
    for (int64_t k = 0; k < per_out; ++k) {
      const double e = q(o * per_out + k) * s - w[o * per_out + k];
      shift[o] += e * mean[first_channel + k % in_per_group];
    }
  }
  if (op.inputs.size() < 3 || op.inputs[2] < 0) {
    // No bias yet: add a zero one in the int8 form (scale in_scale * w_scale).
    const float in_scale = m_.tensors[op.inputs[0]]->quantization->scale[0];
    std::vector<float> scales(out);
    for (int64_t o = 0; o < out; ++o) scales[o] = in_scale * (wq.quantization->scale.size() == 1 ? wq.quantization->scale[0] : wq.quantization->scale[o]);
    const bool wide = m_.tensors[op.inputs[0]]->type == schema::DataType_INT16;
    const int32_t b = NewTensor(op.source_node + "/bias", wide ? schema::DataType_INT64 : schema::DataType_INT32,
                                {static_cast<int32_t>(out)});
    m_.buffers.push_back(wide ? BufferOf(std::vector<int64_t>(out, 0)) : BufferOf(std::vector<int32_t>(out, 0)));
    m_.tensors[b]->buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
    SetQuant(b, scales, std::vector<int64_t>(out, 0), 0);
    op.inputs.resize(3);
    op.inputs[2] = b;
  }
  const schema::TensorT& bias = *m_.tensors[op.inputs[2]];
  uint8_t* data = m_.buffers[bias.buffer]->data.data();
  for (int64_t o = 0; o < out; ++o) {
    const double shift_q = std::nearbyint(shift[o] / bias.quantization->scale[o]);
    if (bias.type == schema::DataType_INT64) {
      int64_t b;
      std::memcpy(&b, data + o * 8, 8);
      b = static_cast<int64_t>(std::clamp(static_cast<double>(b) - shift_q, -4611686018427387904.0, 4611686018427387904.0));
      std::memcpy(data + o * 8, &b, 8);
    } else {
      int32_t* qb = reinterpret_cast<int32_t*>(data);
      qb[o] = static_cast<int32_t>(std::clamp(static_cast<double>(qb[o]) - shift_q, -1073741824.0, 1073741824.0));
    }
  }
}

// Drops tensors and buffers nothing refers to any more (the float weights).
void Quantizer::Compact() {
  std::vector<bool> used(m_.tensors.size(), false);
  for (const auto& op : m_.operators) {
    for (int32_t t : op->inputs) if (t >= 0) used[t] = true;
    for (int32_t t : op->outputs) used[t] = true;
  }
  for (const auto& e : m_.inputs) used[e->tensor] = true;
  for (const auto& e : m_.outputs) used[e->tensor] = true;
  std::vector<int32_t> tensor_map(m_.tensors.size(), -1);
  std::vector<std::unique_ptr<schema::TensorT>> tensors;
  std::vector<std::unique_ptr<schema::BufferT>> buffers;
  buffers.push_back(std::move(m_.buffers[0]));
  for (size_t t = 0; t < m_.tensors.size(); ++t) {
    if (!used[t]) continue;
    tensor_map[t] = static_cast<int32_t>(tensors.size());
    if (m_.tensors[t]->buffer != 0) {
      buffers.push_back(std::move(m_.buffers[m_.tensors[t]->buffer]));
      m_.tensors[t]->buffer = static_cast<uint32_t>(buffers.size() - 1);
    }
    tensors.push_back(std::move(m_.tensors[t]));
  }
  for (auto& op : m_.operators) {
    for (int32_t& t : op->inputs) if (t >= 0) t = tensor_map[t];
    for (int32_t& t : op->outputs) t = tensor_map[t];
  }
  for (auto& e : m_.inputs) e->tensor = tensor_map[e->tensor];
  for (auto& e : m_.outputs) e->tensor = tensor_map[e->tensor];
  m_.tensors = std::move(tensors);
  m_.buffers = std::move(buffers);
}

QuantizeReport Quantizer::Run() {
  const size_t n = m_.operators.size();
  producer_.assign(m_.tensors.size(), -1);
  consumers_.assign(m_.tensors.size(), {});
  int8_op_.assign(n, false);
  int16_op_.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const schema::OperatorT& op = *m_.operators[i];
    for (int32_t t : op.outputs) producer_[t] = static_cast<int32_t>(i);
    for (int32_t t : op.inputs) if (t >= 0) consumers_[t].push_back(static_cast<int32_t>(i));
    bool float_io = true;
    for (size_t slot = 0; slot < op.inputs.size(); ++slot) {
      const int32_t t = op.inputs[slot];
      if (t >= 0 && !ReadsUnquantized(op.opcode, slot)) float_io = float_io && m_.tensors[t]->type == schema::DataType_FLOAT32;
    }
    const bool keep = o_.keep_float.count(op.source_node) > 0;
    const bool mixed = o_.mixed_precision_float.count(op.source_node) > 0;
    // A Gather from a constant table (an embedding) reads no activation to
    // follow: its float table costs no arithmetic.
    const bool table = PassesParamsThrough(op.opcode) && ReadsUnquantized(op.opcode, 1) && IsConstant(op.inputs[0]);
    // The mean and deviation outputs (training's) are float only.
    const bool stats = op.opcode == schema::OpCode_NORMALIZE && op.outputs.size() != 1;
    int8_op_[i] = HasInt8Kernel(op.opcode) && float_io && !keep && !mixed && !table && !stats;
    if (!int8_op_[i]) {
      report_.kept_float.push_back({op.source_node, schema::EnumNameOpCode(op.opcode),
                                    keep                             ? "--keep-float"
                                    : mixed && !HasInt16Kernel(op.opcode) ? "mixed precision (--target-sqnr): no 16x8 kernel"
                                    : mixed                           ? "mixed precision (--target-sqnr)"
                                    : !float_io ? "non-float inputs" : table ? "gathers from a constant" : "no int8 kernel"});
    }
  }
  AssignParams();
  // auto: a conv/FC that computes a graph output (through moves only) runs in
  // float. Logits and box regressions are the answer: a detector's face logit
  // exists only when a face is present, so a range calibrated on other images
  // clips it; and these heads are a small share of the work.
  if (o_.method == RangeMethod::kAuto) {
    for (size_t i = 0; i < n; ++i) {
      const schema::OperatorT& op = *m_.operators[i];
      if (!int8_op_[i] || !IsConvFamily(op.opcode) || !near_output_[op.outputs[0]] ||
          o_.int16_weight_ops.count(op.source_node)) {
        continue;  // (16x16 named: the user's choice)
      }
      int8_op_[i] = false;
      report_.kept_float.push_back({op.source_node, schema::EnumNameOpCode(op.opcode), "auto: computes a graph output"});
    }
  }
  ChooseInt16Ops();
  // An int8 op needs parameters for its outputs and for activations it reads
  // from float ops or the graph input; without them (a QDQ model that left a
  // value unquantized, say) it runs in float. Repeat until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if (!int8_op_[i]) continue;
      const schema::OperatorT& op = *m_.operators[i];
      bool ok = true;
      if (!HasIndexOutputs(op.opcode)) for (int32_t t : op.outputs) ok = ok && has_params_[t];
      for (size_t slot = 0; slot < op.inputs.size(); ++slot) {
        const int32_t t = op.inputs[slot];
        if (t < 0 || IsConstant(t) || ReadsUnquantized(op.opcode, slot)) continue;
        const int32_t p = producer_[t];
        if ((p < 0 || !int8_op_[p]) && !has_params_[t]) ok = false;
      }
      // Ops that only move values follow their input: int8 after an int8
      // op, float otherwise (quantizing to move and dequantize is waste).
      const int32_t in = op.inputs.empty() ? -1 : op.inputs[0];
      const bool follows_float = PassesParamsThrough(op.opcode) && in >= 0 && !IsConstant(in) &&
                                 (producer_[in] < 0 || !int8_op_[producer_[in]]);
      // So do the other ops without multiply-accumulate work whose
      // activations all come from float ops: int8 would only add a rounding
      // (and, where an op compares values, as M-LSD's Equal(MaxPool(s), s)
      // does, ties between neighbours that round to one code).
      bool float_fed = !IsConvFamily(op.opcode) && !PassesParamsThrough(op.opcode);
      bool reads_activation = false;
      for (size_t slot = 0; slot < op.inputs.size(); ++slot) {
        const int32_t t = op.inputs[slot];
        if (t < 0 || IsConstant(t) || ReadsUnquantized(op.opcode, slot)) continue;
        reads_activation = true;
        // (16x8 producers count as float here: their values are as exact.)
        if (producer_[t] >= 0 && int8_op_[producer_[t]] && !int16_op_[producer_[t]]) float_fed = false;
      }
      float_fed = float_fed && reads_activation && !int16_op_[i];
      if (ok && !follows_float && !float_fed) continue;
      int8_op_[i] = false;
      int16_op_[i] = false;
      if (!ok) report_.kept_float.push_back({op.source_node, schema::EnumNameOpCode(op.opcode), "no quantization parameters"});
      else if (float_fed) report_.kept_float.push_back({op.source_node, schema::EnumNameOpCode(op.opcode), "its inputs are float"});
      changed = true;
    }
  }
  // Equal compares int8 codes: both sides must be activations with the same parameters.
  for (size_t i = 0; i < n; ++i) {
    const schema::OperatorT& op = *m_.operators[i];
    if (!int8_op_[i] || op.opcode != schema::OpCode_EQUAL) continue;
    const int32_t a = op.inputs[0], b = op.inputs[1];
    if (IsConstant(a) || IsConstant(b) || !SameParams(params_[a], params_[b])) {
      int8_op_[i] = false;
      report_.kept_float.push_back({op.source_node, "EQUAL", "inputs quantized differently"});
    }
  }

  // 16x8 parameters now: the emission below takes the ops apart.
  for (size_t i = 0; i < n; ++i) {
    if (!int16_op_[i]) continue;
    const schema::OperatorT& op = *m_.operators[i];
    for (size_t slot = 0; slot < op.inputs.size(); ++slot) {
      if (op.inputs[slot] >= 0 && !IsConstant(op.inputs[slot])) Int16Params(op.inputs[slot]);
    }
    for (int32_t t : op.outputs) Int16Params(t);
  }
  type_.assign(m_.tensors.size(), schema::DataType_FLOAT32);
  std::vector<std::unique_ptr<schema::OperatorT>> ops;
  std::vector<std::unique_ptr<schema::OperatorT>> original = std::move(m_.operators);
  for (size_t i = 0; i < n; ++i) {
    std::unique_ptr<schema::OperatorT> op = std::move(original[i]);
    const bool int8 = int8_op_[i];
    const schema::DataType type = int16_op_[i] ? schema::DataType_INT16 : int8 ? schema::DataType_INT8 : schema::DataType_FLOAT32;
    const std::vector<int32_t> float_inputs = op->inputs;
    op_index_ = i;
    op_float_input_ = float_inputs.empty() ? -1 : float_inputs[0];
    for (size_t slot = 0; slot < op->inputs.size(); ++slot) {
      const int32_t t = op->inputs[slot];
      if (t < 0) continue;
      if (ReadsUnquantized(op->opcode, slot)) {
        // As they are; values an int8 op computed, as float.
        if (!IsConstant(t) && type_[t] != schema::DataType_FLOAT32) op->inputs[slot] = Converted(t, schema::DataType_FLOAT32, ops);
        continue;
      }
      if (IsConstant(t)) {
        if (int16_op_[i] && !IsConvFamily(op->opcode)) op->inputs[slot] = Int16Constant(t);
        else if (int8) op->inputs[slot] = QuantizedConstant(t, *op, slot);
      } else if (type_[t] != type) {
        op->inputs[slot] = Converted(t, type, ops);
      }
    }
    if (int8 && o_.bias_correction && (op->opcode == schema::OpCode_CONV_2D || op->opcode == schema::OpCode_FULLY_CONNECTED)) {
      CorrectBias(*op, float_inputs[0], float_inputs[1]);
    }
    (int8 ? report_.int8_ops : report_.float_ops) += 1;
    report_.int16_ops += int16_op_[i] ? 1 : 0;
    std::vector<int32_t> quantized_outputs;
    for (int32_t t : op->outputs) {
      if (!int8 || HasIndexOutputs(op->opcode)) continue;
      if (type == schema::DataType_INT16) {
        SetQuant(t, {Int16Params(t).scale}, {0}, 0);
      } else {
        if (!has_params_[t]) throw ConversionError("tensor '" + m_.tensors[t]->name + "' was never observed during calibration");
        SetQuant(t, {params_[t].scale}, {params_[t].zero_point}, 0);
      }
      m_.tensors[t]->type = type;
      type_[t] = type;
      quantized_outputs.push_back(t);
    }
    ops.push_back(std::move(op));
    // A graph output stays float32 under its name: dequantize right away.
    for (int32_t t : quantized_outputs) {
      for (auto& e : m_.outputs) {
        if (e->tensor != t) continue;
        const std::string name = m_.tensors[t]->name;
        m_.tensors[t]->name = name + (type == schema::DataType_INT16 ? "/int16" : "/int8");
        const int32_t f = Converted(t, schema::DataType_FLOAT32, ops);
        m_.tensors[f]->name = name;
        e->tensor = f;
      }
    }
  }
  m_.operators = std::move(ops);
  for (const std::string& name : o_.int16_weight_ops) {
    if (!int16_weight_nodes_.count(name)) {
      throw ConversionError("--int16-weights " + name +
                            ": no Conv, ConvTranspose or Gemm/MatMul with constant weights of that name runs in 16x8");
    }
  }
  report_.int16_weight_ops = static_cast<int>(int16_weight_nodes_.size());
  // Kernels take an int32 (16x8: int64) bias as is (its scale is in_scale * w_scale by
  // construction): its quantization parameters would only cost bytes.
  for (auto& t : m_.tensors) {
    if ((t->type == schema::DataType_INT32 || t->type == schema::DataType_INT64) && t->buffer != 0) t->quantization.reset();
  }
  Compact();
  return report_;
}

}  // namespace

std::vector<float> SymmetricWeightScales(const std::vector<float>& weights, int64_t channels, bool per_tensor) {
  const size_t per_channel = weights.size() / static_cast<size_t>(std::max<int64_t>(channels, 1));
  std::vector<float> max_abs(per_tensor ? 1 : static_cast<size_t>(channels), 0.0f);
  for (size_t i = 0; i < weights.size(); ++i) {
    float& m = max_abs[per_tensor ? 0 : i / per_channel];
    m = std::max(m, std::fabs(weights[i]));
  }
  for (float& m : max_abs) m = m > 0 ? m / 127.0f : 1.0f;  // an all-zero channel: any scale
  return max_abs;
}

QuantizeReport QuantizeModel(schema::ModelT& model, const std::vector<RangeObserver>& stats, const QuantizeOptions& options) {
  if (stats.size() != model.tensors.size()) throw ConversionError("calibration statistics do not match the model");
  return Quantizer(model, stats, options).Run();
}

}  // namespace converter
}  // namespace kite

#include "export/qdq_export.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <onnx/onnx_pb.h>

#include "export/qdq_emitter.h"
#include "ir/shape_util.h"
#include "ops/op_rule.h"
#include "writer/model_writer.h"

namespace kite {
namespace converter {
namespace {

struct Params {
  float scale;
  int64_t zero_point;
};

struct ConvQuant {
  const schema::TensorT* weights = nullptr;  // int8, in Kite's layout (lower_to_kite.cc)
  std::vector<float> weight_scales;
  bool per_channel = false;
  const schema::TensorT* bias = nullptr;  // int32
  float input_scale = 0;                  // the bias scale is input_scale * weight_scales[c]
};

class QdqWriter : public QdqEmitter {
 public:
  QdqWriter(const Graph& g, const schema::ModelT& m, bool expose, bool uint8)
      : g_(g), m_(m), expose_(expose), uint8_(uint8) {
    // Activation parameters by graph value name: Kite names int8 tensors
    // after the value, or value + "/int8" (graph outputs), + "/quantized"
    // (where a float value is quantized for an int8 consumer).
    for (const auto& t : m.tensors) {
      if (t->type != schema::DataType_INT8 || !t->quantization) continue;
      if (t->buffer != 0) {
        // A constant operand of an int8 op (conv and FC weights are
        // written per channel by QuantizedWeights), named after its value,
        // + "/rankN" where lowering gave it the activation's rank to lay it
        // out (a per-channel [C, 1, 1] operand of an NCHW activation).
        if (t->quantization->scale.size() == 1 && !t->quantization->zero_point.empty() && t->name.size() > 5) {
          std::string name = t->name.substr(0, t->name.size() - 5);
          const size_t rank = name.rfind("/rank");
          if (rank != std::string::npos && name.find_first_not_of("0123456789", rank + 5) == std::string::npos) name.resize(rank);
          constants_[name] = t.get();
        }
        continue;
      }
      std::string name = t->name;
      // A layout copy ("/transposed") holds the same values as its source.
      for (const char* suffix : {"/int8", "/quantized", "/transposed"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) name.resize(name.size() - s.size());
      }
      params_[name] = {t->quantization->scale[0], t->quantization->zero_point[0]};
    }
    for (const auto& op : m.operators) {
      if (op->opcode != schema::OpCode_CONV_2D && op->opcode != schema::OpCode_CONV_TRANSPOSE_2D &&
          op->opcode != schema::OpCode_FULLY_CONNECTED) continue;
      const schema::TensorT& w = *m.tensors[op->inputs[1]];
      if (w.type != schema::DataType_INT8) continue;
      ConvQuant q;
      q.weights = &w;
      q.weight_scales = w.quantization->scale;
      q.per_channel = q.weight_scales.size() > 1;
      if (op->inputs.size() > 2 && op->inputs[2] >= 0) q.bias = m.tensors[op->inputs[2]].get();
      q.input_scale = m.tensors[op->inputs[0]]->quantization->scale[0];
      conv_[op->source_node] = q;
    }
    for (const std::string& name : g.output_names) output_names_.insert(name);
  }

  onnx::ModelProto Write();

 private:
  bool Quantized(const Value& v) const { return !v.is_constant() && params_.count(v.name) > 0; }
  // The name consumers read `value` under (after QDQ when it is int8 in Kite).
  std::string Read(int value) override;
  // The name the producer writes `value` under.
  std::string Written(int value) const override {
    const Value& v = g_.values[value];
    return Quantized(v) && output_names_.count(v.name) ? v.name + "/float" : v.name;
  }
  void Produced(int value);
  std::string Initializer(const std::string& name, const std::vector<int64_t>& dims, onnx::TensorProto_DataType type,
                          const void* data, size_t bytes);
  const Graph& graph() const override { return g_; }
  std::string FloatConstant(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) override {
    return Initializer(name, dims, onnx::TensorProto_DataType_FLOAT, v.data(), v.size() * 4);
  }
  std::string IntsConstant(const std::string& name, const std::vector<int64_t>& v) override {
    return Initializer(name, {static_cast<int64_t>(v.size())}, onnx::TensorProto_DataType_INT64, v.data(), v.size() * 8);
  }
  onnx::NodeProto* AddNode(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                           std::vector<std::string> outputs) override;
  void EmitNode(const Node& n);
  void Conv(const Node& n, const std::string& out) override;
  void MatMul(const Node& n, const std::string& out) override;
  std::string QuantizedWeights(const Node& n, const Value& w, const ConvQuant& q, int64_t axis);
  std::vector<uint8_t> OnnxLayout(const schema::TensorT& t, const Value& v) const;

  const Graph& g_;
  const schema::ModelT& m_;
  bool expose_;
  bool uint8_;  // activations as uint8 (zero point + 128)
  std::vector<std::pair<std::string, Shape64>> exposed_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
  std::map<std::string, Params> params_;
  std::map<std::string, ConvQuant> conv_;
  std::map<std::string, const schema::TensorT*> constants_;
  std::set<std::string> output_names_;
  std::map<int, std::string> read_names_;
  std::set<std::string> initializers_;
};

std::string QdqWriter::Initializer(const std::string& name, const std::vector<int64_t>& dims,
                                   onnx::TensorProto_DataType type, const void* data, size_t bytes) {
  if (initializers_.insert(name).second) {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(data, bytes);
  }
  return name;
}

onnx::NodeProto* QdqWriter::AddNode(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                                    std::vector<std::string> outputs) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}


// After the producer: Q -> DQ when Kite holds the value in int8.
void QdqWriter::Produced(int value) {
  const Value& v = g_.values[value];
  if (!Quantized(v)) return;
  const Params p = params_.at(v.name);
  const int8_t zp = static_cast<int8_t>(p.zero_point);
  const uint8_t zp_u8 = static_cast<uint8_t>(p.zero_point + 128);
  const std::string scale = FloatConstant(v.name + "/scale", {}, {p.scale});
  const std::string zero =
      uint8_ ? Initializer(v.name + "/zero_point", {}, onnx::TensorProto_DataType_UINT8, &zp_u8, 1)
             : Initializer(v.name + "/zero_point", {}, onnx::TensorProto_DataType_INT8, &zp, 1);
  const std::string dq = output_names_.count(v.name) ? v.name : v.name + "/dq";
  AddNode("QuantizeLinear", v.name + "/quantize", {Written(value), scale, zero}, {v.name + "/q"});
  AddNode("DequantizeLinear", v.name + "/dequantize", {v.name + "/q", scale, zero}, {dq});
  read_names_[value] = dq;
  if (expose_ && dq != v.name) exposed_.push_back({dq, v.shape});
}

std::string QdqWriter::Read(int value) {
  const Value& v = g_.values[value];
  if (v.is_constant()) {
    auto q = constants_.find(v.name);
    if (q != constants_.end()) {
      // Kite computes with the int8 constant: so does the QDQ model, in
      // ONNX's layout.
      const schema::TensorT& t = *q->second;
      const std::vector<uint8_t> data = OnnxLayout(t, v);
      const int8_t zp = static_cast<int8_t>(t.quantization->zero_point[0]);
      Initializer(v.name + "/int8", v.shape, onnx::TensorProto_DataType_INT8, data.data(), data.size());
      FloatConstant(v.name + "/scale", {}, {t.quantization->scale[0]});
      Initializer(v.name + "/zero_point", {}, onnx::TensorProto_DataType_INT8, &zp, 1);
      if (initializers_.insert(v.name + "/dq").second) {
        AddNode("DequantizeLinear", v.name + "/dequantize", {v.name + "/int8", v.name + "/scale", v.name + "/zero_point"}, {v.name + "/dq"});
      }
      return v.name + "/dq";
    }
    if (v.type == ElementType::kFloat) return FloatConstant(v.name, v.shape, v.constant->floats);
    const std::vector<int64_t>& ints = v.constant->ints;
    return Initializer(v.name, v.shape, onnx::TensorProto_DataType_INT64, ints.data(), ints.size() * sizeof(int64_t));
  }
  auto it = read_names_.find(value);
  return it != read_names_.end() ? it->second : Written(value);
}

// The bytes of Kite's int8 constant `t` in the layout of ONNX value `v`: as
// they are when the shapes agree (right-aligned) or only one dimension is
// not 1, transposed back from NHWC where lowering laid out an NCHW constant.
std::vector<uint8_t> QdqWriter::OnnxLayout(const schema::TensorT& t, const Value& v) const {
  const std::vector<uint8_t>& data = m_.buffers[t.buffer]->data;
  const std::vector<int64_t> kite(t.shape.begin(), t.shape.end());
  Shape64 onnx = v.shape;
  onnx.insert(onnx.begin(), kite.size() > onnx.size() ? kite.size() - onnx.size() : 0, 1);
  const auto not_one = std::count_if(onnx.begin(), onnx.end(), [](int64_t d) { return d != 1; });
  if (kite == onnx || not_one <= 1) return data;
  if (kite.size() != 4 || onnx.size() != 4 || kite != Shape64{onnx[0], onnx[2], onnx[3], onnx[1]}) {
    throw ConversionError("--emit-qdq: constant '" + v.name + "' is laid out in a way the export cannot undo");
  }
  std::vector<uint8_t> out(data.size());
  const int64_t n = onnx[0], c = onnx[1], h = onnx[2], w = onnx[3];
  for (int64_t in = 0; in < n; ++in)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch) out[((in * c + ch) * h + y) * w + x] = data[((in * h + y) * w + x) * c + ch];
  return out;
}

// Where ONNX weight element `i` (shape `onnx`) lies in Kite's layout: conv
// [out, kh, kw, in / groups] from ONNX [out, in / groups, kh, kw]; transposed
// conv the same from ONNX [in, out / groups, kh, kw]; FC [cols, k] from
// MatMul's [k, cols] (Gemm with transB already is [cols, k]).
size_t KiteWeightIndex(const std::string& op, const Shape64& onnx, int64_t groups, bool trans_b, size_t i) {
  const int64_t n = static_cast<int64_t>(i);
  if (op == "MatMul" || op == "Gemm") {
    if (trans_b) return i;
    const int64_t cols = onnx[1], k = onnx[0];
    return static_cast<size_t>((n % cols) * k + n / cols);
  }
  const int64_t kh = onnx[2], kw = onnx[3];
  const int64_t x = n % kw, y = (n / kw) % kh, b = (n / (kw * kh)) % onnx[1], a = n / (kw * kh * onnx[1]);
  if (op == "Conv") return static_cast<size_t>(((a * kh + y) * kw + x) * onnx[1] + b);
  const int64_t in_g = onnx[0] / groups, oc = (a / in_g) * onnx[1] + b;
  return static_cast<size_t>(((oc * kh + y) * kw + x) * in_g + a % in_g);
}

std::string QdqWriter::QuantizedWeights(const Node& n, const Value& w, const ConvQuant& q, int64_t axis) {
  // Kite's own int8 weights, which calibration may have rounded with data
  // (weight_rounding.h): rounding the float weights again would differ.
  const std::vector<int64_t>& shape = w.shape;
  if (q.per_channel && q.weight_scales.size() != static_cast<size_t>(shape[axis])) {
    throw ConversionError(n, "per-channel weights of a grouped transposed convolution cannot be written as QDQ");
  }
  const std::vector<uint8_t>& data = m_.buffers[q.weights->buffer]->data;
  if (data.size() != w.constant->floats.size()) throw ConversionError(n, "its int8 weights do not match its float weights");
  const int8_t* kite = reinterpret_cast<const int8_t*>(data.data());
  const int64_t groups = n.Int("group", 1);
  const bool trans_b = n.op_type == "Gemm" && n.Int("transB", 0) != 0;
  std::vector<int8_t> ints(data.size());
  for (size_t i = 0; i < ints.size(); ++i) ints[i] = kite[KiteWeightIndex(n.op_type, shape, groups, trans_b, i)];
  const std::string name = w.name + "/" + n.name;
  Initializer(name + "/int8", shape, onnx::TensorProto_DataType_INT8, ints.data(), ints.size());
  const std::vector<int64_t> scale_dims = q.per_channel ? std::vector<int64_t>{static_cast<int64_t>(q.weight_scales.size())} : std::vector<int64_t>{};
  FloatConstant(name + "/scale", scale_dims, q.weight_scales);
  const std::vector<int8_t> zeros(q.weight_scales.size(), 0);
  Initializer(name + "/zero_point", scale_dims, onnx::TensorProto_DataType_INT8, zeros.data(), zeros.size());
  onnx::NodeProto* dq = AddNode("DequantizeLinear", name + "/dequantize", {name + "/int8", name + "/scale", name + "/zero_point"}, {name + "/dq"});
  if (q.per_channel) SetInt(dq, "axis", axis);
  return name + "/dq";
}


void QdqWriter::Conv(const Node& n, const std::string& out) {
  const bool transpose = n.op_type == "ConvTranspose";
  auto q = conv_.find(n.name);
  std::vector<std::string> inputs = {Read(n.inputs[0])};
  if (q == conv_.end()) {
    inputs.push_back(Read(n.inputs[1]));
    if (n.has_input(2)) inputs.push_back(Read(n.inputs[2]));
  } else {
    inputs.push_back(QuantizedWeights(n, g_.values[n.inputs[1]], q->second, transpose ? 1 : 0));
    if (q->second.bias != nullptr) {
      const schema::TensorT& b = *q->second.bias;
      const std::string name = n.name + "/bias";
      const int64_t count = b.shape[0];
      Initializer(name + "/int32", {count}, onnx::TensorProto_DataType_INT32, m_.buffers[b.buffer]->data.data(),
                  m_.buffers[b.buffer]->data.size());
      std::vector<float> scales(count);
      const std::vector<float>& ws = q->second.weight_scales;
      for (int64_t c = 0; c < count; ++c) scales[c] = q->second.input_scale * ws[ws.size() == 1 ? 0 : c];
      FloatConstant(name + "/scale", {count}, scales);
      const std::vector<int32_t> zeros(count, 0);
      Initializer(name + "/zero_point", {count}, onnx::TensorProto_DataType_INT32, zeros.data(), zeros.size() * 4);
      onnx::NodeProto* dq = AddNode("DequantizeLinear", name + "/dequantize", {name + "/int32", name + "/scale", name + "/zero_point"}, {name + "/dq"});
      SetInt(dq, "axis", 0);
      inputs.push_back(name + "/dq");
    }
  }
  onnx::NodeProto* node = AddNode(n.op_type, n.name, inputs, {out});
  SetInt(node, "group", n.Int("group", 1));
  const std::vector<int64_t> w = g_.values[n.inputs[1]].shape;
  SetInts(node, "kernel_shape", {w[2], w[3]});
  SetInts(node, "strides", n.params.strides);
  SetInts(node, "dilations", n.params.dilations);
  SetInts(node, "pads", n.params.pads);  // explicit: [top, left, bottom, right]
  if (transpose) SetInts(node, "output_padding", n.params.output_padding);
}

void QdqWriter::MatMul(const Node& n, const std::string& out) {
  auto q = conv_.find(n.name);
  if (n.op_type == "Gemm" && (n.Float("alpha", 1.0f) != 1.0f || n.Float("beta", 1.0f) != 1.0f || n.Int("transA", 0) != 0)) {
    throw ConversionError(n, "--emit-qdq writes Gemm only with alpha = beta = 1 and transA = 0");
  }
  const bool trans_b = n.op_type == "Gemm" && n.Int("transB", 0) != 0;
  std::vector<std::string> inputs = {Read(n.inputs[0])};
  if (q == conv_.end()) {
    inputs.push_back(Read(n.inputs[1]));
  } else {
    inputs.push_back(QuantizedWeights(n, g_.values[n.inputs[1]], q->second, trans_b ? 0 : 1));
  }
  if (n.op_type == "Gemm" && n.has_input(2)) inputs.push_back(Read(n.inputs[2]));
  onnx::NodeProto* node = AddNode(n.op_type, n.name, inputs, {out});
  if (trans_b) SetInt(node, "transB", 1);
}

void QdqWriter::EmitNode(const Node& n) {
  const int out_value = n.outputs.empty() ? -1 : n.outputs[0];
  const bool fused = n.params.activation.has_value();
  const std::string out = fused ? Written(out_value) + "/preact" : Written(out_value);
  const OpRule* rule = FindOpRule(n.op_type);
  if (rule == nullptr || rule->export_qdq == nullptr) throw ConversionError(n, "--emit-qdq cannot write operator " + n.op_type);
  rule->export_qdq(*this, n, out);
  if (fused) {
    const auto [lo, hi] = *n.params.activation;
    if (lo == 0.0f && std::isinf(hi)) {
      AddNode("Relu", n.name + "/relu", {out}, {Written(out_value)});
    } else {
      AddNode("Clip", n.name + "/clip", {out, FloatConstant(n.name + "/min", {}, {lo}), FloatConstant(n.name + "/max", {}, {hi})},
              {Written(out_value)});
    }
  }
  for (int o : n.outputs) Produced(o);
}

onnx::ModelProto QdqWriter::Write() {
  model_.set_ir_version(8);
  model_.set_producer_name("kite convert --emit-qdq");
  onnx::OperatorSetIdProto* opset = model_.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);  // LayerNormalization's first
  graph_ = model_.mutable_graph();
  graph_->set_name("kite_int8");
  const auto value_info = [&](onnx::ValueInfoProto* info, const std::string& name, const Shape64& shape) {
    info->set_name(name);
    auto* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : shape) type->mutable_shape()->add_dim()->set_dim_value(d);
  };
  for (int in : g_.inputs) {
    value_info(graph_->add_input(), g_.values[in].name, g_.values[in].shape);
    Produced(in);
  }
  for (const Node& n : g_.nodes) {
    if (!n.removed) EmitNode(n);
  }
  for (size_t i = 0; i < g_.outputs.size(); ++i) {
    const Value& v = g_.values[g_.outputs[i]];
    const std::string& name = i < g_.output_names.size() ? g_.output_names[i] : v.name;
    const std::string read = Read(g_.outputs[i]);
    if (read != name) AddNode("Identity", name + "/output", {read}, {name});
    value_info(graph_->add_output(), name, v.shape);
  }
  for (const auto& [name, shape] : exposed_) value_info(graph_->add_output(), name, shape);
  return model_;
}

}  // namespace

void WriteQdqOnnx(const Graph& graph, const schema::ModelT& int8_model, const std::string& path, bool expose_activations,
                  bool uint8_activations) {
  for (const auto& t : int8_model.tensors) {
    if (t->type == schema::DataType_INT16) {
      throw ConversionError("--emit-qdq: the model has 16x8 (int16) tensors, e.g. '" + t->name +
                            "'; the QDQ export writes int8 models only");
    }
  }
  const onnx::ModelProto model = QdqWriter(graph, int8_model, expose_activations, uint8_activations).Write();
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw ConversionError("cannot serialize the QDQ model");
  WriteFileAtomically(path, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace converter
}  // namespace kite

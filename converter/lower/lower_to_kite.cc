#include "lower/lower_to_kite.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <numeric>

#include "ir/shape_util.h"
#include "loader/model.h"

namespace kite {
namespace converter {
namespace {

using Perm = std::vector<int64_t>;  // physical position -> logical dimension

Perm Identity(size_t rank) {
  Perm p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

const Perm kNhwc = {0, 2, 3, 1};

// A Kite float32 tensor's shape: rank 0 to 6, every dimension at least 1
// (ONNX allows empty tensors; the runtime does not), at most 2 GiB.
std::vector<int32_t> To32(const Shape64& s) {
  bool ok = s.size() <= KITE_MAX_RANK;
  for (int64_t d : s) ok = ok && d >= 1 && d <= INT32_MAX;
  if (!ok || static_cast<uint64_t>(ShapeElements(s)) * sizeof(float) > kMaxTensorBytes) {
    throw ConversionError("a tensor of shape " + ShapeString(s) +
                          " cannot be a Kite tensor (rank 0 to 6, dimensions at least 1, at most 2 GiB)");
  }
  return std::vector<int32_t>(s.begin(), s.end());
}

Shape64 Physical(const Shape64& logical, const Perm& perm) {
  Shape64 s;
  for (int64_t p : perm) s.push_back(logical[p]);
  return s;
}

int32_t PhysicalAxis(const Perm& perm, int64_t logical_axis) {
  return static_cast<int32_t>(std::find(perm.begin(), perm.end(), logical_axis) - perm.begin());
}

class Lowering {
 public:
  Lowering(Graph g, ModelBuilder& b) : g_(std::move(g)), b_(b) {}

  LoweringStats Run() {
    for (int in : g_.inputs) {
      const Value& v = g_.values[in];
      if (v.type != ElementType::kFloat) throw ConversionError("graph input '" + v.name + "' is not float32");
      Place(in, b_.Input(v.name, schema::DataType_FLOAT32, To32(v.shape)), Identity(v.shape.size()));
    }
    for (const Node& n : g_.nodes) {
      if (!n.removed) Lower(n);
    }
    std::vector<int> used;
    for (const auto& entry : b_.model().inputs) used.push_back(entry->tensor);
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      const int out = g_.outputs[i];
      const Value& v = g_.values[out];
      const std::string& name = i < g_.output_names.size() ? g_.output_names[i] : v.name;
      int t = Tensor(out, Identity(v.shape.size()));
      // A graph output must be computed into its own tensor: copy one that is
      // a constant (a fully folded graph), a graph input or another output.
      if (v.is_constant() || std::find(used.begin(), used.end(), t) != used.end()) {
        const int copy = b_.Tensor(name, schema::DataType_FLOAT32, To32(v.shape));
        b_.Op(schema::OpCode_RESHAPE, {t}, {copy}, schema::ReshapeOptionsT{}, name + "/copy");
        t = copy;
      }
      used.push_back(t);
      b_.model().tensors[t]->name = name;
      b_.Output(t);
    }
    return stats_;
  }

 private:
  struct Placement {
    int tensor;
    Perm perm;
  };

  void Place(int value, int tensor, const Perm& perm) {
    primary_[value] = {tensor, perm};
    variants_[{value, perm}] = tensor;
  }

  // The layout `value` is computed in (constants: any layout is free, say identity).
  Perm LayoutOf(int value) const {
    auto it = primary_.find(value);
    return it != primary_.end() ? it->second.perm : Identity(g_.values[value].shape.size());
  }

  bool IsActivation(int value) const { return !g_.values[value].is_constant(); }

  int NewActivation(int value, const Perm& perm, const std::string& suffix = "") {
    const Value& v = g_.values[value];
    return b_.Tensor(v.name + suffix, schema::DataType_FLOAT32, To32(Physical(v.shape, perm)));
  }

  // The Kite tensor holding `value` in physical layout `perm`: constants are
  // permuted offline, activations get a Transpose (once per layout).
  int Tensor(int value, const Perm& perm) {
    auto it = variants_.find({value, perm});
    if (it != variants_.end()) return it->second;
    const Value& v = g_.values[value];
    int t;
    if (v.is_constant()) {
      if (v.type != ElementType::kFloat) {
        throw ConversionError("constant '" + v.name + "' is not float32 where Kite needs its data");
      }
      t = b_.Constant(v.name, schema::DataType_FLOAT32, To32(Physical(v.shape, perm)),
                      TransposeData(v.constant->floats, v.shape, perm));
    } else {
      auto from = primary_.find(value);
      if (from == primary_.end()) throw ConversionError("value '" + v.name + "' is read before it is computed");
      schema::TransposeOptionsT o;
      for (int64_t p : perm) o.perm.push_back(PhysicalAxis(from->second.perm, p));
      t = NewActivation(value, perm, "/transposed");
      b_.Op(schema::OpCode_TRANSPOSE, {from->second.tensor}, {t}, o, v.name + "/layout");
      ++stats_.transposes_inserted;
    }
    variants_[{value, perm}] = t;
    return t;
  }

  // `value` as a tensor of rank `rank` (leading 1s) in layout `perm`.
  int TensorPadded(int value, size_t rank, const Perm& perm) {
    const Value& v = g_.values[value];
    if (v.shape.size() == rank) return Tensor(value, perm);
    if (perm == Identity(rank)) return Tensor(value, Identity(v.shape.size()));  // numpy broadcasting aligns right
    // Give the value the full rank first (a reshape), then lay it out.
    Value padded = v;
    padded.name = v.name + "/rank" + std::to_string(rank);
    padded.shape.insert(padded.shape.begin(), rank - v.shape.size(), 1);
    padded.producer = -1;
    const int id = g_.AddValue(padded);
    if (IsActivation(value)) {
      const int t = b_.Tensor(padded.name, schema::DataType_FLOAT32, To32(padded.shape));
      b_.Op(schema::OpCode_RESHAPE, {Tensor(value, Identity(v.shape.size()))}, {t}, schema::ReshapeOptionsT{},
            padded.name);
      Place(id, t, Identity(rank));
    }
    return Tensor(id, perm);
  }

  int AddConstant(const std::string& name, Shape64 shape, std::vector<float> data) {
    Value v;
    v.name = name;
    v.shape = std::move(shape);
    v.shape_known = true;
    v.constant = ConstantData{std::move(data), {}};
    return g_.AddValue(std::move(v));
  }

  static std::pair<float, float> Activation(const Node& n) {
    auto it = n.attributes.find("kite_activation");
    if (it == n.attributes.end()) return {-INFINITY, INFINITY};
    return {it->second.floats[0], it->second.floats[1]};
  }

  void Emit(const Node& n, schema::OpCode op, std::vector<int32_t> inputs, int out_value, const Perm& perm,
            schema::OpOptionsUnion options = {}) {
    const int t = NewActivation(out_value, perm);
    auto kite_op = std::make_unique<schema::OperatorT>();
    kite_op->opcode = op;
    kite_op->inputs = std::move(inputs);
    kite_op->outputs = {t};
    kite_op->options = std::move(options);
    kite_op->source_node = n.name;
    b_.model().operators.push_back(std::move(kite_op));
    Place(out_value, t, perm);
  }

  template <typename T>
  static schema::OpOptionsUnion Options(T options) {
    schema::OpOptionsUnion u;
    u.Set(std::move(options));
    return u;
  }

  void Lower(const Node& n);
  bool LowerConcatAsPad(const Node& n, int64_t axis);
  void LowerConv(const Node& n, bool transpose);
  void LowerPool(const Node& n);
  void LowerBinary(const Node& n, schema::OpCode opcode, int a, int b, int out, std::pair<float, float> act);
  void LowerFullyConnected(const Node& n);
  void LowerSoftmax(const Node& n);
  void LowerBatchNorm(const Node& n);

  Graph g_;
  ModelBuilder& b_;
  std::map<int, Placement> primary_;
  std::map<std::pair<int, Perm>, int> variants_;
  LoweringStats stats_;
};

void Lowering::LowerConv(const Node& n, bool transpose) {
  const Value& w = g_.values[n.inputs[1]];
  const int64_t groups = n.Int("group", 1);
  // Kite weights are [out, kh, kw, in / groups].
  std::vector<float> weights;
  Shape64 shape;
  if (!transpose) {
    shape = {w.shape[0], w.shape[2], w.shape[3], w.shape[1]};
    weights = TransposeData(w.constant->floats, w.shape, {0, 2, 3, 1});
  } else {
    // ONNX [in, out / groups, kh, kw] -> [out, kh, kw, in / groups].
    const int64_t in_c = w.shape[0], out_g = w.shape[1], kh = w.shape[2], kw = w.shape[3], in_g = in_c / groups;
    shape = {out_g * groups, kh, kw, in_g};
    weights.resize(w.constant->floats.size());
    for (int64_t ic = 0; ic < in_c; ++ic)
      for (int64_t o = 0; o < out_g; ++o)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x) {
            const int64_t g = ic / in_g, oc = g * out_g + o;
            weights[((oc * kh + y) * kw + x) * in_g + ic % in_g] = w.constant->floats[((ic * out_g + o) * kh + y) * kw + x];
          }
  }
  std::vector<int32_t> inputs = {Tensor(n.inputs[0], kNhwc), b_.Constant(w.name, schema::DataType_FLOAT32, To32(shape), weights)};
  if (n.has_input(2)) inputs.push_back(Tensor(n.inputs[2], {0}));
  const auto pads = n.Ints("kite_pads"), strides = n.Ints("kite_strides"), dilations = n.Ints("kite_dilations");
  const auto [lo, hi] = Activation(n);
  if (!transpose) {
    schema::Conv2DOptionsT o;
    o.stride_h = strides[0]; o.stride_w = strides[1];
    o.dilation_h = dilations[0]; o.dilation_w = dilations[1];
    o.pad_top = pads[0]; o.pad_left = pads[1]; o.pad_bottom = pads[2]; o.pad_right = pads[3];
    o.groups = groups; o.activation_min = lo; o.activation_max = hi;
    Emit(n, schema::OpCode_CONV_2D, inputs, n.outputs[0], kNhwc, Options(o));
  } else {
    schema::ConvTranspose2DOptionsT o;
    const auto out_pad = n.Ints("kite_output_padding");
    o.stride_h = strides[0]; o.stride_w = strides[1];
    o.dilation_h = dilations[0]; o.dilation_w = dilations[1];
    o.pad_top = pads[0]; o.pad_left = pads[1]; o.pad_bottom = pads[2]; o.pad_right = pads[3];
    o.output_padding_h = out_pad[0]; o.output_padding_w = out_pad[1];
    o.groups = groups; o.activation_min = lo; o.activation_max = hi;
    Emit(n, schema::OpCode_CONV_TRANSPOSE_2D, inputs, n.outputs[0], kNhwc, Options(o));
  }
}

// Concat of one computed tensor with constants that hold a single value
// (BlazeFace pads channels with ConstantOfShape zeros) is a Pad: nothing to
// store in the file, nothing to read at run time.
bool Lowering::LowerConcatAsPad(const Node& n, int64_t axis) {
  int activation = -1;
  int64_t before = 0, after = 0;
  float value = 0.0f;
  bool have_value = false;
  for (int in : n.inputs) {
    const Value& v = g_.values[in];
    if (!v.is_constant()) {
      if (activation >= 0) return false;
      activation = in;
      continue;
    }
    if (v.type != ElementType::kFloat || v.constant->floats.empty()) return false;
    const float first = v.constant->floats[0];
    if (std::any_of(v.constant->floats.begin(), v.constant->floats.end(), [&](float f) { return f != first; })) return false;
    if (have_value && first != value) return false;
    value = first;
    have_value = true;
    (activation < 0 ? before : after) += v.shape[axis];
  }
  if (activation < 0 || !have_value) return false;
  const Perm perm = LayoutOf(activation);
  schema::PadOptionsT o;
  for (int64_t p : perm) {
    o.pads_begin.push_back(p == axis ? static_cast<int32_t>(before) : 0);
    o.pads_end.push_back(p == axis ? static_cast<int32_t>(after) : 0);
  }
  o.value = value;
  Emit(n, schema::OpCode_PAD, {Tensor(activation, perm)}, n.outputs[0], perm, Options(o));
  return true;
}

void Lowering::LowerPool(const Node& n) {
  const auto kernel = n.Ints("kernel_shape");
  const auto pads = n.Ints("kite_pads"), strides = n.Ints("kite_strides"), dilations = n.Ints("kite_dilations");
  schema::Pool2DOptionsT o;
  o.kernel_h = kernel[0]; o.kernel_w = kernel[1];
  o.stride_h = strides[0]; o.stride_w = strides[1];
  o.dilation_h = dilations[0]; o.dilation_w = dilations[1];
  o.pad_top = pads[0]; o.pad_left = pads[1]; o.pad_bottom = pads[2]; o.pad_right = pads[3];
  o.count_include_pad = n.Int("count_include_pad", 0) != 0;
  if (o.count_include_pad && n.Int("ceil_mode", 0) != 0) {
    throw ConversionError(n, "count_include_pad with ceil_mode is not supported");
  }
  Emit(n, n.op_type == "MaxPool" ? schema::OpCode_MAX_POOL_2D : schema::OpCode_AVERAGE_POOL_2D,
       {Tensor(n.inputs[0], kNhwc)}, n.outputs[0], kNhwc, Options(o));
}

void Lowering::LowerBinary(const Node& n, schema::OpCode opcode, int a, int b, int out, std::pair<float, float> act) {
  const size_t rank = g_.values[out].shape.size();
  // Compute in the layout of a full-rank activation input, so the big operand never moves.
  Perm perm = Identity(rank);
  for (int v : {a, b}) {
    if (IsActivation(v) && g_.values[v].shape.size() == rank) {
      perm = LayoutOf(v);
      break;
    }
  }
  schema::BinaryOptionsT o;
  o.activation_min = act.first;
  o.activation_max = act.second;
  Emit(n, opcode, {TensorPadded(a, rank, perm), TensorPadded(b, rank, perm)}, out, perm, Options(o));
}

void Lowering::LowerBatchNorm(const Node& n) {
  // Not after a convolution: y = x * scale + shift, per channel (dimension 1).
  const auto& gamma = g_.values[n.inputs[1]].constant->floats;
  const auto& beta = g_.values[n.inputs[2]].constant->floats;
  const auto& mean = g_.values[n.inputs[3]].constant->floats;
  const auto& var = g_.values[n.inputs[4]].constant->floats;
  const float eps = n.Float("epsilon", 1e-5f);
  std::vector<float> scale(gamma.size()), shift(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    scale[c] = gamma[c] / std::sqrt(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  const size_t rank = g_.values[n.inputs[0]].shape.size();
  Shape64 shape(rank, 1);
  if (rank > 1) shape[1] = static_cast<int64_t>(gamma.size());
  const int s = AddConstant(n.name + "/scale", shape, scale);
  const int h = AddConstant(n.name + "/shift", shape, shift);
  Value scaled = g_.values[n.outputs[0]];
  scaled.name += "/scaled";
  scaled.producer = -1;
  const int mid = g_.AddValue(scaled);
  LowerBinary(n, schema::OpCode_MUL, n.inputs[0], s, mid, {-INFINITY, INFINITY});
  LowerBinary(n, schema::OpCode_ADD, mid, h, n.outputs[0], {-INFINITY, INFINITY});
}

void Lowering::LowerFullyConnected(const Node& n) {
  const Value& b = g_.values[n.inputs[1]];
  const bool trans_b = n.op_type == "Gemm" && n.Int("transB", 0) != 0;
  const float alpha = n.op_type == "Gemm" ? n.Float("alpha", 1.0f) : 1.0f;
  const int64_t k = trans_b ? b.shape[1] : b.shape[0], cols = trans_b ? b.shape[0] : b.shape[1];
  std::vector<float> weights = trans_b ? b.constant->floats : TransposeData(b.constant->floats, b.shape, {1, 0});
  for (float& w : weights) w *= alpha;
  std::vector<int32_t> inputs = {Tensor(n.inputs[0], Identity(g_.values[n.inputs[0]].shape.size())),
                                 b_.Constant(b.name, schema::DataType_FLOAT32, {static_cast<int32_t>(cols), static_cast<int32_t>(k)}, weights)};
  if (n.op_type == "Gemm" && n.has_input(2)) {
    const Value& c = g_.values[n.inputs[2]];
    const float beta = n.Float("beta", 1.0f);
    std::vector<float> bias(cols);
    if (c.elements() != cols && c.elements() != 1) throw ConversionError(n, "C must be a per-column bias");
    for (int64_t j = 0; j < cols; ++j) bias[j] = beta * c.constant->floats[c.elements() == 1 ? 0 : j];
    inputs.push_back(b_.Constant(c.name, schema::DataType_FLOAT32, {static_cast<int32_t>(cols)}, bias));
  }
  const auto [lo, hi] = Activation(n);
  schema::FullyConnectedOptionsT o;
  o.activation_min = lo;
  o.activation_max = hi;
  Emit(n, schema::OpCode_FULLY_CONNECTED, inputs, n.outputs[0], Identity(g_.values[n.outputs[0]].shape.size()), Options(o));
}

void Lowering::LowerSoftmax(const Node& n) {
  const Value& x = g_.values[n.inputs[0]];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = NormalizeAxis(n, n.Int("axis", g_.opset >= 13 ? -1 : 1), rank);
  if (g_.opset >= 13 || axis == rank - 1) {
    const Perm perm = LayoutOf(n.inputs[0]);
    schema::SoftmaxOptionsT o;
    o.axis = PhysicalAxis(perm, axis);
    Emit(n, schema::OpCode_SOFTMAX, {Tensor(n.inputs[0], perm)}, n.outputs[0], perm, Options(o));
    return;
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  const int64_t outer = Product(Shape64(x.shape.begin(), x.shape.begin() + axis));
  Value flat = x;
  flat.name = x.name + "/2d";
  flat.shape = {outer, x.elements() / outer};
  flat.producer = -1;
  const int flat_id = g_.AddValue(flat);
  Emit(n, schema::OpCode_RESHAPE, {Tensor(n.inputs[0], Identity(rank))}, flat_id, Identity(2), Options(schema::ReshapeOptionsT{}));
  Value soft = flat;
  soft.name = x.name + "/softmax2d";
  const int soft_id = g_.AddValue(soft);
  schema::SoftmaxOptionsT o;
  o.axis = 1;
  Emit(n, schema::OpCode_SOFTMAX, {primary_.at(flat_id).tensor}, soft_id, Identity(2), Options(o));
  Emit(n, schema::OpCode_RESHAPE, {primary_.at(soft_id).tensor}, n.outputs[0], Identity(rank), Options(schema::ReshapeOptionsT{}));
}

void Lowering::Lower(const Node& n) {
  const std::string& op = n.op_type;
  const int out = n.outputs.empty() ? -1 : n.outputs[0];
  if (op == "Conv" || op == "ConvTranspose") return LowerConv(n, op == "ConvTranspose");
  if (op == "MaxPool" || op == "AveragePool") return LowerPool(n);
  if (op == "GlobalAveragePool") {
    return Emit(n, schema::OpCode_GLOBAL_AVERAGE_POOL, {Tensor(n.inputs[0], kNhwc)}, out, kNhwc);
  }
  if (op == "Equal" && g_.values[out].type != ElementType::kFloat) {
    throw ConversionError(n, "a boolean result is supported only when cast to float32");
  }
  if (op == "Cast") {
    if (g_.values[n.inputs[0]].type != ElementType::kFloat) throw ConversionError(n, "only float32 to float32 casts are supported");
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") {
    const schema::OpCode code = op == "Add" ? schema::OpCode_ADD : op == "Sub" ? schema::OpCode_SUB
                              : op == "Mul" ? schema::OpCode_MUL : op == "Div" ? schema::OpCode_DIV : schema::OpCode_EQUAL;
    return LowerBinary(n, code, n.inputs[0], n.inputs[1], out, Activation(n));
  }
  if (op == "BatchNormalization") return LowerBatchNorm(n);
  if (op == "MatMul" && !(g_.values[n.inputs[1]].is_constant() && g_.values[n.inputs[1]].shape.size() == 2)) {
    if (n.has("kite_activation")) throw ConversionError(n, "a fused activation on a batched MatMul is not supported");
    const size_t ra = g_.values[n.inputs[0]].shape.size(), rb = g_.values[n.inputs[1]].shape.size();
    return Emit(n, schema::OpCode_BATCH_MATMUL, {Tensor(n.inputs[0], Identity(ra)), Tensor(n.inputs[1], Identity(rb))}, out,
                Identity(g_.values[out].shape.size()));
  }
  if (op == "MatMul" || op == "Gemm") return LowerFullyConnected(n);
  if (op == "Pow") {
    const float exponent = g_.values[n.inputs[1]].constant->floats.empty()
                               ? static_cast<float>(g_.values[n.inputs[1]].constant->ints[0])
                               : g_.values[n.inputs[1]].constant->floats[0];
    const Perm perm = LayoutOf(n.inputs[0]);
    const int x = Tensor(n.inputs[0], perm);
    if (exponent == 2.0f) return Emit(n, schema::OpCode_MUL, {x, x}, out, perm, Options(schema::BinaryOptionsT{}));
    if (exponent == 0.5f) return Emit(n, schema::OpCode_SQRT, {x}, out, perm);
    return Emit(n, schema::OpCode_RESHAPE, {x}, out, perm, Options(schema::ReshapeOptionsT{}));
  }
  if (op == "Softmax") return LowerSoftmax(n);

  const Perm perm = LayoutOf(n.inputs[0]);
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish" || op == "Sqrt") {
    const auto code = op == "Relu" ? schema::OpCode_RELU : op == "Sigmoid" ? schema::OpCode_SIGMOID
                    : op == "Tanh" ? schema::OpCode_TANH : op == "Sqrt" ? schema::OpCode_SQRT : schema::OpCode_HARD_SWISH;
    return Emit(n, code, {Tensor(n.inputs[0], perm)}, out, perm);
  }
  if (op == "Clip") {
    schema::ClipOptionsT o;
    o.min = n.attributes.at("kite_clip").floats[0];
    o.max = n.attributes.at("kite_clip").floats[1];
    return Emit(n, schema::OpCode_CLIP, {Tensor(n.inputs[0], perm)}, out, perm, Options(o));
  }
  if (op == "HardSigmoid") {
    schema::HardSigmoidOptionsT o;
    o.alpha = n.Float("alpha", 0.2f);
    o.beta = n.Float("beta", 0.5f);
    return Emit(n, schema::OpCode_HARD_SIGMOID, {Tensor(n.inputs[0], perm)}, out, perm, Options(o));
  }
  if (op == "LeakyRelu") {
    schema::LeakyReluOptionsT o;
    o.alpha = n.Float("alpha", 0.01f);
    return Emit(n, schema::OpCode_LEAKY_RELU, {Tensor(n.inputs[0], perm)}, out, perm, Options(o));
  }
  if (op == "Transpose") {
    // A relabelling: the bytes stay, the logical order changes.
    const Perm& t = n.Ints("perm");
    Perm inverse(t.size());
    for (size_t j = 0; j < t.size(); ++j) inverse[t[j]] = static_cast<int64_t>(j);
    Perm out_perm;
    for (int64_t p : perm) out_perm.push_back(inverse[p]);
    if (!IsActivation(n.inputs[0])) throw ConversionError(n, "a constant reached lowering");
    Place(out, Tensor(n.inputs[0], perm), out_perm);
    return;
  }
  if (op == "Concat") {
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(g_.values[out].shape.size()));
    if (LowerConcatAsPad(n, axis)) return;
    Perm layout = Identity(g_.values[out].shape.size());
    for (int in : n.inputs) {
      if (IsActivation(in)) { layout = LayoutOf(in); break; }
    }
    std::vector<int32_t> inputs;
    for (int in : n.inputs) inputs.push_back(Tensor(in, layout));
    schema::ConcatOptionsT o;
    o.axis = PhysicalAxis(layout, axis);
    return Emit(n, schema::OpCode_CONCAT, inputs, out, layout, Options(o));
  }
  if (op == "Split") {
    const int64_t axis = NormalizeAxis(n, n.Int("axis", 0), static_cast<int64_t>(perm.size()));
    auto kite_op = std::make_unique<schema::OperatorT>();
    kite_op->opcode = schema::OpCode_SPLIT;
    kite_op->inputs = {Tensor(n.inputs[0], perm)};
    for (int o : n.outputs) {
      const int t = NewActivation(o, perm);
      kite_op->outputs.push_back(t);
      Place(o, t, perm);
    }
    schema::SplitOptionsT o;
    o.axis = PhysicalAxis(perm, axis);
    kite_op->options = Options(o);
    kite_op->source_node = n.name;
    b_.model().operators.push_back(std::move(kite_op));
    return;
  }
  if (op == "Slice") {
    const auto begin = n.Ints("kite_begin"), step = n.Ints("kite_step");
    schema::SliceOptionsT o;
    for (int64_t p : perm) {
      o.begin.push_back(static_cast<int32_t>(begin[p]));
      o.step.push_back(static_cast<int32_t>(step[p]));
    }
    return Emit(n, schema::OpCode_SLICE, {Tensor(n.inputs[0], perm)}, out, perm, Options(o));
  }
  if (op == "Pad") {
    const auto pads = n.Ints("kite_pads");
    const size_t rank = perm.size();
    schema::PadOptionsT o;
    for (int64_t p : perm) {
      o.pads_begin.push_back(static_cast<int32_t>(pads[p]));
      o.pads_end.push_back(static_cast<int32_t>(pads[p + rank]));
    }
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) throw ConversionError(n, "negative pads are not supported");
    o.value = n.attributes.at("kite_value").floats[0];
    return Emit(n, schema::OpCode_PAD, {Tensor(n.inputs[0], perm)}, out, perm, Options(o));
  }
  if (op == "Resize" || op == "Upsample") {
    schema::ResizeOptionsT o;
    const std::string mode = n.String("mode", "nearest");
    if (mode == "linear" || mode == "bilinear") o.mode = schema::ResizeMode_BILINEAR;
    else if (mode != "nearest") throw ConversionError(n, "mode '" + mode + "' is not supported");
    const std::string ct = op == "Upsample" ? "asymmetric" : n.String("coordinate_transformation_mode", "half_pixel");
    if (ct == "half_pixel") o.coordinate_transform = schema::CoordinateTransform_HALF_PIXEL;
    else if (ct == "asymmetric") o.coordinate_transform = schema::CoordinateTransform_ASYMMETRIC;
    else if (ct == "align_corners") o.coordinate_transform = schema::CoordinateTransform_ALIGN_CORNERS;
    else if (ct == "pytorch_half_pixel") o.coordinate_transform = schema::CoordinateTransform_PYTORCH_HALF_PIXEL;
    else throw ConversionError(n, "coordinate_transformation_mode '" + ct + "' is not supported");
    const std::string nm = op == "Upsample" ? "floor" : n.String("nearest_mode", "round_prefer_floor");
    if (nm == "round_prefer_floor") o.nearest_rounding = schema::NearestRounding_ROUND_PREFER_FLOOR;
    else if (nm == "round_prefer_ceil") o.nearest_rounding = schema::NearestRounding_ROUND_PREFER_CEIL;
    else if (nm == "floor") o.nearest_rounding = schema::NearestRounding_FLOOR;
    else if (nm == "ceil") o.nearest_rounding = schema::NearestRounding_CEIL;
    // Opset 10 Resize and Upsample behave as asymmetric with floor.
    if (op == "Resize" && g_.opset < 11) {
      o.coordinate_transform = schema::CoordinateTransform_ASYMMETRIC;
      o.nearest_rounding = schema::NearestRounding_FLOOR;
    }
    if (n.Int("exclude_outside", 0) != 0) throw ConversionError(n, "exclude_outside is not supported");
    o.scale_h = n.attributes.at("kite_scales").floats[0];
    o.scale_w = n.attributes.at("kite_scales").floats[1];
    return Emit(n, schema::OpCode_RESIZE, {Tensor(n.inputs[0], kNhwc)}, out, kNhwc, Options(o));
  }
  if (op == "ReduceMean") {
    const auto axes = n.Ints("kite_axes");
    const bool keep = n.Int("keepdims", 1) != 0;
    const Perm layout = keep ? perm : Identity(perm.size());
    schema::ReduceOptionsT o;
    for (int64_t a : axes) o.axes.push_back(PhysicalAxis(layout, a));
    return Emit(n, schema::OpCode_REDUCE_MEAN, {Tensor(n.inputs[0], layout)}, out, keep ? layout : Identity(g_.values[out].shape.size()), Options(o));
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" || op == "Identity" || op == "Dropout" ||
      op == "Cast") {
    return Emit(n, schema::OpCode_RESHAPE, {Tensor(n.inputs[0], Identity(perm.size()))}, out,
                Identity(g_.values[out].shape.size()), Options(schema::ReshapeOptionsT{}));
  }
  throw ConversionError(n, "operator " + op + " is not supported by Kite");
}

}  // namespace

LoweringStats LowerToKite(const Graph& graph, ModelBuilder& builder) {
  return Lowering(graph, builder).Run();
}

}  // namespace converter
}  // namespace kite

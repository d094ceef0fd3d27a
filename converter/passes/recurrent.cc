// RNN, GRU and LSTM unrolled over their (static) sequence into the ONNX ops
// Kite runs: per direction, one MatMul of the whole input by W^T (every time
// step's input projection at once), then per step a MatMul of the hidden
// state by R^T, the gates' activations and the state update, exactly as
// ONNX's equations write them (gate order: LSTM i, o, f, c; GRU z, r, h).
// With constant weights the MatMuls become FullyConnected (int8 in an int8
// model, like every other op of the expansion); with weights that arrive as
// graph inputs, BatchMatMuls.
//
// Refused by name: sequence_lens that may differ from the sequence length
// (outputs past a batch entry's end are zeros in ONNX: Kite plans shapes
// offline), activations other than Sigmoid, Tanh, Relu, Softsign, Softplus
// (and HardSigmoid, LeakyRelu, Elu, ThresholdedRelu with activation_alpha and
// beta): Affine and ScaledTanh, which are no ONNX ops; and opsets before 7.
#include <algorithm>
#include <map>
#include <string>

#include "ops/op_support.h"
#include "passes/passes.h"

namespace kite {
namespace converter {
namespace {

// Builds the replacement's nodes and values.
class Unroller {
 public:
  Unroller(Graph& g, const Node& n) : g_(g), n_(n) {}

  int NewValue(const std::string& suffix) {
    Value v;
    v.name = n_.name + "/" + suffix;
    return g_.AddValue(std::move(v));
  }
  int Ints(const std::string& suffix, const std::vector<int64_t>& values) {
    Value v;
    v.name = n_.name + "/" + suffix;
    v.type = ElementType::kInt64;
    v.shape = {static_cast<int64_t>(values.size())};
    v.shape_known = true;
    v.constant = ConstantData{{}, values};
    return g_.AddValue(std::move(v));
  }
  // One constant per index, shared by every Gather of it.
  int ScalarIndex(int64_t i) {
    auto it = indices_.find(i);
    if (it != indices_.end()) return it->second;
    Value v;
    v.name = n_.name + "/index" + std::to_string(i);
    v.type = ElementType::kInt64;
    v.shape_known = true;
    v.constant = ConstantData{{}, {i}};
    return indices_[i] = g_.AddValue(std::move(v));
  }
  int Floats(const std::string& suffix, const Shape64& shape, std::vector<float> values) {
    Value v;
    v.name = n_.name + "/" + suffix;
    v.shape = shape;
    v.shape_known = true;
    v.constant = ConstantData{std::move(values), {}};
    return g_.AddValue(std::move(v));
  }

  // One node; its output is `out`, or a new value named after the node.
  int Op(const std::string& op, const std::string& suffix, std::vector<int> inputs, int out = -1,
         std::map<std::string, Attribute> attributes = {}) {
    Node node;
    node.name = n_.name + "/" + suffix;
    node.op_type = op;
    node.inputs = std::move(inputs);
    if (out < 0) out = NewValue(suffix);
    node.outputs = {out};
    node.attributes = std::move(attributes);
    nodes_.push_back(std::move(node));
    return out;
  }

  int Gather(int data, int64_t index, const std::string& suffix, int64_t axis = 0) {
    return Op("Gather", suffix, {data, ScalarIndex(index)}, -1, {{"axis", Attribute::OfInt(axis)}});
  }
  int Transpose(int x, std::vector<int64_t> perm, const std::string& suffix, int out = -1) {
    return Op("Transpose", suffix, {x}, out, {{"perm", Attribute::OfInts(std::move(perm))}});
  }
  int Reshape(int x, const std::vector<int64_t>& shape, const std::string& suffix, int out = -1) {
    return Op("Reshape", suffix, {x, Ints(suffix + "/shape", shape)}, out);
  }
  // x[..., begin:end] along `axis`, written for the model's opset.
  int Slice(int x, int64_t axis, int64_t begin, int64_t end, const std::string& suffix) {
    if (g_.opset < 10) {
      return Op("Slice", suffix, {x}, -1,
                {{"axes", Attribute::OfInts({axis})}, {"starts", Attribute::OfInts({begin})}, {"ends", Attribute::OfInts({end})}});
    }
    return Op("Slice", suffix, {x, Ints(suffix + "/starts", {begin}), Ints(suffix + "/ends", {end}), Ints(suffix + "/axes", {axis})});
  }
  int Clip(int x, float bound, const std::string& suffix) {
    if (g_.opset < 11) return Op("Clip", suffix, {x}, -1, {{"min", Attribute::OfFloat(-bound)}, {"max", Attribute::OfFloat(bound)}});
    return Op("Clip", suffix, {x, Floats(suffix + "/min", {}, {-bound}), Floats(suffix + "/max", {}, {bound})});
  }

  const std::vector<Node>& nodes() const { return nodes_; }

 private:
  Graph& g_;
  const Node& n_;
  std::vector<Node> nodes_;
  std::map<int64_t, int> indices_;
};

// An activation function by ONNX name, with its alpha and beta where it takes them.
struct Activation {
  std::string op;
  std::optional<float> alpha, beta;
};

std::vector<Activation> Activations(const Node& n, const std::vector<std::string>& defaults, int64_t directions) {
  std::vector<std::string> names;
  auto it = n.attributes.find("activations");
  if (it != n.attributes.end()) {
    names = it->second.strings;
  } else {
    for (int64_t d = 0; d < directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != defaults.size() * static_cast<size_t>(directions)) {
    throw ConversionError(n, "activations lists " + std::to_string(names.size()) + " functions, expected " +
                                 std::to_string(defaults.size() * directions));
  }
  std::vector<float> alphas, betas;
  if (n.has("activation_alpha")) alphas = n.attributes.at("activation_alpha").floats;
  if (n.has("activation_beta")) betas = n.attributes.at("activation_beta").floats;
  size_t next_alpha = 0, next_beta = 0;
  std::vector<Activation> out;
  for (const std::string& name : names) {
    Activation a{name, {}, {}};
    if (name == "HardSigmoid" || name == "LeakyRelu" || name == "Elu" || name == "ThresholdedRelu") {
      if (next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
      if (name == "HardSigmoid" && next_beta < betas.size()) a.beta = betas[next_beta++];
    } else if (name != "Sigmoid" && name != "Tanh" && name != "Relu" && name != "Softsign" && name != "Softplus") {
      throw ConversionError(n, "activation " + name + " is not supported by Kite");
    }
    out.push_back(a);
  }
  return out;
}

int Apply(Unroller& u, const Activation& a, int x, const std::string& suffix) {
  std::map<std::string, Attribute> attributes;
  if (a.alpha) attributes["alpha"] = Attribute::OfFloat(*a.alpha);
  if (a.beta) attributes["beta"] = Attribute::OfFloat(*a.beta);
  return u.Op(a.op, suffix, {x}, -1, attributes);
}

enum class Cell { kRnn, kGru, kLstm };

constexpr int64_t kMaxSteps = 16384;

// The node's per-direction pieces, each [rows, ...] of the direction's slice.
struct Direction {
  int x_proj;       // [seq, batch, gates * H]: X W^T + Wb (+ Rb where it adds)
  int r_t;          // [H, gates * H]
  int r_bias = -1;  // GRU with linear_before_reset: Rbh [H]
  int h0, c0 = -1;  // [batch, H]
  int peephole = -1;  // LSTM: [3H], i, o, f
};

void Unroll(Graph& g, int index, Cell cell) {
  const Node n = g.nodes[index];  // a copy: the graph's nodes move below
  const char* op = cell == Cell::kLstm ? "LSTM" : cell == Cell::kGru ? "GRU" : "RNN";
  if (g.opset < 7) throw ConversionError(n, std::string(op) + " before opset 7");
  const Value x = g.values[n.inputs.at(0)];
  if (!x.shape_known || x.shape.size() != 3) throw ConversionError(n, "X must have a known shape of rank 3");
  const int64_t layout = n.Int("layout", 0);
  const int64_t seq = x.shape[layout == 0 ? 0 : 1], batch = x.shape[layout == 0 ? 1 : 0], input = x.shape[2];
  const int64_t hidden = n.Int("hidden_size", -1);
  if (hidden < 1 || hidden > (int64_t{1} << 24)) throw ConversionError(n, "hidden_size must be given, in [1, 2^24]");
  const std::string direction = n.String("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    throw ConversionError(n, "direction " + direction);
  }
  const int64_t directions = direction == "bidirectional" ? 2 : 1;
  const int64_t gates = cell == Cell::kLstm ? 4 : cell == Cell::kGru ? 3 : 1;
  if (seq < 1) throw ConversionError(n, "an empty sequence");
  // Each step becomes about 20 ops.
  if (seq * directions > kMaxSteps) {
    throw ConversionError(n, "a sequence of " + std::to_string(seq) + " steps: Kite unrolls at most " +
                                 std::to_string(kMaxSteps) + " (steps x directions)");
  }
  const auto expect_shape = [&](size_t slot, const char* what, const Shape64& shape) {
    if (!n.has_input(slot)) return;
    const Value& v = g.values[n.inputs[slot]];
    if (!v.shape_known || v.shape != shape) {
      throw ConversionError(n, std::string(what) + " has shape " + ShapeString(v.shape) + ", expected " + ShapeString(shape));
    }
  };
  const int64_t gh = gates * hidden;
  ShapeElements({batch, gh});  // throws past 2^31 elements, as any value does
  expect_shape(1, "W", {directions, gh, input});
  expect_shape(2, "R", {directions, gh, hidden});
  expect_shape(3, "B", {directions, 2 * gh});
  const Shape64 state = layout == 0 ? Shape64{directions, batch, hidden} : Shape64{batch, directions, hidden};
  expect_shape(5, "initial_h", state);
  if (cell == Cell::kLstm) {
    expect_shape(6, "initial_c", state);
    expect_shape(7, "P", {directions, 3 * hidden});
  }
  if (n.has_input(4)) {
    const Value& lens = g.values[n.inputs[4]];
    const bool full = lens.is_constant() && std::all_of(lens.constant->ints.begin(), lens.constant->ints.end(),
                                                        [&](int64_t l) { return l == seq; });
    if (!full) throw ConversionError(n, "sequence_lens must be a constant equal to the sequence length " + std::to_string(seq));
  }
  if (cell == Cell::kLstm && n.Int("input_forget", 0) != 0) throw ConversionError(n, "input_forget is not supported by Kite");
  const bool linear_before_reset = cell == Cell::kGru && n.Int("linear_before_reset", 0) != 0;
  const std::vector<Activation> activations =
      Activations(n, cell == Cell::kLstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                     : cell == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                          : std::vector<std::string>{"Tanh"},
                  directions);
  const size_t per_direction = activations.size() / static_cast<size_t>(directions);
  const float clip = n.Float("clip", 0.0f);

  Unroller u(g, n);
  const auto clipped = [&](int v, const std::string& suffix) { return clip > 0.0f ? u.Clip(v, clip, suffix + "/clip") : v; };
  // X as [seq, batch, input].
  const int xs = layout == 0 ? n.inputs[0] : u.Transpose(n.inputs[0], {1, 0, 2}, "x_sequence_first");
  std::vector<int> y_steps(static_cast<size_t>(seq * directions), -1);
  std::vector<int> last_h, last_c;
  for (int64_t d = 0; d < directions; ++d) {
    const std::string p = "d" + std::to_string(d);
    const bool reverse = direction == "reverse" || d == 1;
    Direction dir;
    const int w_t = u.Transpose(u.Gather(n.inputs[1], d, p + "/w"), {1, 0}, p + "/w_t");  // [input, gh]
    dir.r_t = u.Transpose(u.Gather(n.inputs[2], d, p + "/r"), {1, 0}, p + "/r_t");       // [H, gh]
    dir.x_proj = u.Op("MatMul", p + "/x_proj", {xs, w_t});
    if (n.has_input(3)) {
      const int b = u.Gather(n.inputs[3], d, p + "/b");  // [2 gh]: Wb then Rb
      const int wb = u.Slice(b, 0, 0, gh, p + "/wb"), rb = u.Slice(b, 0, gh, 2 * gh, p + "/rb");
      int bias = wb;
      if (linear_before_reset) {
        // Rbh stays inside the reset gate's product; Rbz, Rbr add.
        const int rb_zr = u.Slice(rb, 0, 0, 2 * hidden, p + "/rb_zr");
        dir.r_bias = u.Slice(rb, 0, 2 * hidden, gh, p + "/rb_h");
        const int zeros = u.Floats(p + "/zeros_h", {hidden}, std::vector<float>(static_cast<size_t>(hidden), 0.0f));
        bias = u.Op("Add", p + "/bias", {wb, u.Op("Concat", p + "/rb_zr0", {rb_zr, zeros}, -1, {{"axis", Attribute::OfInt(0)}})});
      } else {
        bias = u.Op("Add", p + "/bias", {wb, rb});
      }
      dir.x_proj = u.Op("Add", p + "/x_proj_biased", {dir.x_proj, bias});
    }
    const std::vector<float> zeros(static_cast<size_t>(batch * hidden), 0.0f);
    const int64_t state_axis = layout == 0 ? 0 : 1;  // initial states: [directions, batch, H] or [batch, directions, H]
    dir.h0 = n.has_input(5) ? u.Gather(n.inputs[5], d, p + "/h0", state_axis) : u.Floats(p + "/h0", {batch, hidden}, zeros);
    if (cell == Cell::kLstm) {
      dir.c0 = n.has_input(6) ? u.Gather(n.inputs[6], d, p + "/c0", state_axis) : u.Floats(p + "/c0", {batch, hidden}, zeros);
      if (n.has_input(7)) dir.peephole = u.Gather(n.inputs[7], d, p + "/p");
    }
    const Activation* f = &activations[per_direction * d];
    int h = dir.h0, c = dir.c0;
    int pi = -1, po = -1, pf = -1;
    if (dir.peephole >= 0) {
      pi = u.Slice(dir.peephole, 0, 0, hidden, p + "/p_i");
      po = u.Slice(dir.peephole, 0, hidden, 2 * hidden, p + "/p_o");
      pf = u.Slice(dir.peephole, 0, 2 * hidden, 3 * hidden, p + "/p_f");
    }
    for (int64_t step = 0; step < seq; ++step) {
      const int64_t t = reverse ? seq - 1 - step : step;
      const std::string s = p + "/t" + std::to_string(t);
      const int xw = u.Gather(dir.x_proj, t, s + "/x");  // [batch, gh]
      const auto gate = [&](int v, int64_t k, const std::string& name) { return u.Slice(v, 1, k * hidden, (k + 1) * hidden, s + "/" + name); };
      if (cell == Cell::kRnn) {
        const int pre = u.Op("Add", s + "/pre", {xw, u.Op("MatMul", s + "/h_r", {h, dir.r_t})});
        h = Apply(u, f[0], clipped(pre, s + "/pre"), s + "/h");
      } else if (cell == Cell::kGru) {
        const int hr = u.Op("MatMul", s + "/h_r", {h, dir.r_t});  // [batch, 3H]
        const int z = Apply(u, f[0], clipped(u.Op("Add", s + "/z_pre", {gate(xw, 0, "xz"), gate(hr, 0, "hz")}), s + "/z_pre"), s + "/z");
        const int r = Apply(u, f[0], clipped(u.Op("Add", s + "/r_pre", {gate(xw, 1, "xr"), gate(hr, 1, "hr")}), s + "/r_pre"), s + "/r");
        int recurrent;
        if (linear_before_reset) {
          int hh = gate(hr, 2, "hh");
          if (dir.r_bias >= 0) hh = u.Op("Add", s + "/hh_biased", {hh, dir.r_bias});
          recurrent = u.Op("Mul", s + "/r_hh", {r, hh});
        } else {
          const int r_h = u.Op("Mul", s + "/r_h", {r, h});
          recurrent = u.Op("MatMul", s + "/r_h_r", {r_h, u.Slice(dir.r_t, 1, 2 * hidden, 3 * hidden, s + "/r_t_h")});
        }
        const int candidate = Apply(u, f[1], clipped(u.Op("Add", s + "/h_pre", {gate(xw, 2, "xh"), recurrent}), s + "/h_pre"), s + "/h_candidate");
        // H = (1 - z) * candidate + z * H = candidate + z * (H - candidate)
        const int diff = u.Op("Sub", s + "/h_minus", {h, candidate});
        h = u.Op("Add", s + "/h", {candidate, u.Op("Mul", s + "/z_diff", {z, diff})});
      } else {
        const int pre = u.Op("Add", s + "/gates", {xw, u.Op("MatMul", s + "/h_r", {h, dir.r_t})});  // i, o, f, c
        int i_pre = gate(pre, 0, "i_pre"), o_pre = gate(pre, 1, "o_pre"), f_pre = gate(pre, 2, "f_pre");
        if (pi >= 0) {
          i_pre = u.Op("Add", s + "/i_peep", {i_pre, u.Op("Mul", s + "/p_i_c", {pi, c})});
          f_pre = u.Op("Add", s + "/f_peep", {f_pre, u.Op("Mul", s + "/p_f_c", {pf, c})});
        }
        const int i = Apply(u, f[0], clipped(i_pre, s + "/i_pre"), s + "/i");
        const int fg = Apply(u, f[0], clipped(f_pre, s + "/f_pre"), s + "/f");
        const int cand = Apply(u, f[1], clipped(gate(pre, 3, "c_pre"), s + "/c_pre"), s + "/c_candidate");
        c = u.Op("Add", s + "/c", {u.Op("Mul", s + "/f_c", {fg, c}), u.Op("Mul", s + "/i_cand", {i, cand})});
        if (po >= 0) o_pre = u.Op("Add", s + "/o_peep", {o_pre, u.Op("Mul", s + "/p_o_c", {po, c})});
        const int o = Apply(u, f[0], clipped(o_pre, s + "/o_pre"), s + "/o");
        h = u.Op("Mul", s + "/h", {o, Apply(u, f[2], c, s + "/c_act")});
      }
      y_steps[static_cast<size_t>(t * directions + d)] = h;
    }
    last_h.push_back(h);
    last_c.push_back(c);
  }
  // Y [seq, directions, batch, H] (layout 1: [batch, seq, directions, H]).
  const int y_out = n.outputs.size() > 0 ? n.outputs[0] : -1, yh_out = n.outputs.size() > 1 ? n.outputs[1] : -1;
  const int yc_out = cell == Cell::kLstm && n.outputs.size() > 2 ? n.outputs[2] : -1;
  const auto stack = [&](const std::vector<int>& states, const Shape64& each, const std::string& suffix, int out) {
    std::vector<int> parts;
    for (size_t k = 0; k < states.size(); ++k) parts.push_back(u.Reshape(states[k], each, suffix + std::to_string(k)));
    if (parts.size() == 1) return u.Op("Identity", suffix, {parts[0]}, out);
    return u.Op("Concat", suffix, parts, out, {{"axis", Attribute::OfInt(0)}});
  };
  if (y_out >= 0) {
    // Each step's H as [1, batch, H] in (t, d) order, then [seq, directions, batch, H].
    const int y = stack(y_steps, {1, batch, hidden}, "y_part", -1);  // [seq * directions, batch, H]
    if (layout == 0) u.Reshape(y, {seq, directions, batch, hidden}, "y", y_out);
    else u.Transpose(u.Reshape(y, {seq, directions, batch, hidden}, "y_4d"), {2, 0, 1, 3}, "y", y_out);
  }
  const auto final_state = [&](const std::vector<int>& states, const std::string& suffix, int out) {
    const int s = stack(states, {1, batch, hidden}, suffix + "_part", -1);  // [directions, batch, H]
    if (layout == 0) u.Op("Identity", suffix, {s}, out);
    else u.Transpose(s, {1, 0, 2}, suffix, out);
  };
  if (yh_out >= 0) final_state(last_h, "y_h", yh_out);
  if (yc_out >= 0) final_state(last_c, "y_c", yc_out);
  g.ReplaceNode(index, u.nodes());
}

}  // namespace

bool UnrollRecurrent(Graph& g, int index) {
  const std::string& op = g.nodes[index].op_type;
  if (op != "RNN" && op != "GRU" && op != "LSTM") return false;
  Unroll(g, index, op == "LSTM" ? Cell::kLstm : op == "GRU" ? Cell::kGru : Cell::kRnn);
  return true;
}

}  // namespace converter
}  // namespace kite

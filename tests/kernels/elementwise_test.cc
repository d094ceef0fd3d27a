// Add/Sub/Mul/Div with broadcasting, and the element-wise functions, against
// double-precision math (float) and the quantization specification (int8,
// int16).
#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>

#include "kernels/int8/lut.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

struct BinaryCase {
  schema::OpCode op;
  std::vector<int32_t> a, b, out;
  std::string name;
};

std::vector<int64_t> BroadcastIndex(const std::vector<int32_t>& shape, const std::vector<int32_t>& out) {
  // For every output element, the index into a tensor of `shape`.
  std::vector<int64_t> result;
  const size_t rank = out.size();
  std::vector<int32_t> idx(rank, 0);
  int64_t total = 1;
  for (int32_t d : out) total *= d;
  for (int64_t e = 0; e < total; ++e) {
    int64_t offset = 0, stride = 1;
    for (size_t k = 0; k < shape.size(); ++k) {
      const size_t d = shape.size() - 1 - k;
      const size_t od = rank - 1 - k;
      offset += (shape[d] == 1 ? 0 : idx[od]) * stride;
      stride *= shape[d];
    }
    result.push_back(offset);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return result;
}

size_t Count(const std::vector<int32_t>& s) {
  size_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

double Apply(schema::OpCode op, double a, double b) {
  switch (op) {
    case schema::OpCode_ADD: return a + b;
    case schema::OpCode_SUB: return a - b;
    case schema::OpCode_MUL: return a * b;
    default: return a / b;
  }
}

// gtest prints a parameter by name, not as bytes.
void PrintTo(const BinaryCase& c, std::ostream* os) { *os << c.name; }

class Binary : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(Binary, Float32) {
  const BinaryCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  auto a = rng.Floats(Count(c.a));
  auto b = rng.Floats(Count(c.b), 0.5f, 2.0f);  // away from 0 for Div
  ModelBuilder mb;
  const int ta = mb.Input("a", schema::DataType_FLOAT32, c.a);
  const int tb = mb.Input("b", schema::DataType_FLOAT32, c.b);
  const int ty = mb.Tensor("y", schema::DataType_FLOAT32, c.out);
  schema::BinaryOptionsT o;
  o.activation_min = -1.5f;  // a fused clip, exercised by every case
  mb.Op(c.op, {ta, tb}, {ty}, o);
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {AsBytes(a), AsBytes(b)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto ia = BroadcastIndex(c.a, c.out), ib = BroadcastIndex(c.b, c.out);
  std::vector<double> expected;
  for (size_t i = 0; i < ia.size(); ++i) expected.push_back(std::max(-1.5, Apply(c.op, a[ia[i]], b[ib[i]])));
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
}

TEST_P(Binary, Int8) {
  const BinaryCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto a = rng.Int8s(Count(c.a));
  const auto b = rng.Int8s(Count(c.b));
  const float sa = 0.02f, sb = 0.03f;
  const int za = 3, zb = c.op == schema::OpCode_DIV ? -128 : -7;  // Div: b > 0 everywhere
  const float so = c.op == schema::OpCode_MUL ? 0.08f : (c.op == schema::OpCode_DIV ? 0.05f : 0.035f);
  const int zo = -4;
  ModelBuilder mb;
  const int ta = mb.Input("a", schema::DataType_INT8, c.a, PerTensor(sa, za));
  const int tb = mb.Input("b", schema::DataType_INT8, c.b, PerTensor(sb, zb));
  const int ty = mb.Tensor("y", schema::DataType_INT8, c.out, PerTensor(so, zo));
  mb.Op(c.op, {ta, tb}, {ty}, schema::BinaryOptionsT{});
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {AsBytes(a), AsBytes(b)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto ia = BroadcastIndex(c.a, c.out), ib = BroadcastIndex(c.b, c.out);
  std::vector<int8_t> expected;
  for (size_t i = 0; i < ia.size(); ++i) {
    const int32_t qa = a[ia[i]] - za, qb = b[ib[i]] - zb;
    float v;
    switch (c.op) {
      case schema::OpCode_ADD: v = static_cast<float>(qa) * (sa / so) + static_cast<float>(qb) * (sb / so); break;
      case schema::OpCode_SUB: v = static_cast<float>(qa) * (sa / so) - static_cast<float>(qb) * (sb / so); break;
      case schema::OpCode_MUL: v = static_cast<float>(qa * qb) * (sa * sb / so); break;
      default: v = (static_cast<float>(qa) * sa) / (static_cast<float>(qb) * sb) / so; break;
    }
    expected.push_back(SpecRoundToInt8(v, zo));
  }
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
}

// 16x8: Add, Sub and Mul of int16 tensors (zero points 0) with a fused ReLU,
// against the specification's formulas; Div has no int16 kernel and is
// refused.
TEST_P(Binary, Int16) {
  const BinaryCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  std::vector<int16_t> a(Count(c.a)), b(Count(c.b));
  for (int16_t& v : a) v = static_cast<int16_t>(rng.Int(-32768, 32767));
  for (int16_t& v : b) v = static_cast<int16_t>(rng.Int(-32768, 32767));
  const float sa = 3e-4f, sb = 2e-4f, so = c.op == schema::OpCode_MUL ? 0.1f : 5e-4f;
  ModelBuilder mb;
  const int ta = mb.Input("a", schema::DataType_INT16, c.a, PerTensor(sa, 0));
  const int tb = mb.Input("b", schema::DataType_INT16, c.b, PerTensor(sb, 0));
  const int ty = mb.Tensor("y", schema::DataType_INT16, c.out, PerTensor(so, 0));
  schema::BinaryOptionsT o;
  o.activation_min = 0.0f;
  mb.Op(c.op, {ta, tb}, {ty}, o);
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {AsBytes(a), AsBytes(b)});
  if (c.op == schema::OpCode_DIV) {
    EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED) << r.error;
    return;
  }
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const std::string op_name = c.op == schema::OpCode_ADD ? "add" : c.op == schema::OpCode_SUB ? "sub" : "mul";
  EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/binary_int16" : "optimized/" + op_name + "_int16");
  const auto ia = BroadcastIndex(c.a, c.out), ib = BroadcastIndex(c.b, c.out);
  std::vector<int16_t> expected;
  for (size_t i = 0; i < ia.size(); ++i) {
    const int32_t qa = a[ia[i]], qb = b[ib[i]];
    float v;
    switch (c.op) {
      case schema::OpCode_ADD: v = static_cast<float>(qa) * (sa / so) + static_cast<float>(qb) * (sb / so); break;
      case schema::OpCode_SUB: v = static_cast<float>(qa) * (sa / so) - static_cast<float>(qb) * (sb / so); break;
      default: v = static_cast<float>(qa * qb) * (sa * sb / so); break;
    }
    expected.push_back(SpecRoundToInt16(v, 0, 32767));
  }
  const auto actual = FromBytes<int16_t>(r.outputs[0]);
  ASSERT_EQ(actual.size(), expected.size());
  int mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (actual[i] != expected[i] && mismatches++ < 5) ADD_FAILURE() << "element " << i << ": " << actual[i] << " vs " << expected[i];
  }
  EXPECT_EQ(mismatches, 0);
}

// The optimized int8 Add/Sub/Mul against the reference kernel on every pair
// of int8 inputs, for scale ratios that produce exact .5 ties, with and
// without a fused ReLU: bit for bit. Three layouts reach every pair: same
// shape, the second input broadcast along the innermost run (a per-pixel
// scalar) and the first input broadcast (a per-channel vector); three more
// have short per-channel vectors (16, 24), which the kernel tiles.
TEST(BinaryInt8, OptimizedMatchesReferenceOnAllPairs) {
  std::vector<int8_t> rows(65536), cols(65536), ramp(256);
  for (int i = 0; i < 65536; ++i) {
    rows[i] = static_cast<int8_t>(i / 256 - 128);
    cols[i] = static_cast<int8_t>(i % 256 - 128);
  }
  for (int i = 0; i < 256; ++i) ramp[i] = static_cast<int8_t>(i - 128);
  // Short per-channel vectors (the optimized kernel tiles them).
  std::vector<int8_t> channels16, channels24;
  for (int i = 0; i < 16; ++i) channels16.push_back(static_cast<int8_t>(i * 17 - 128));
  for (int i = 0; i < 24; ++i) channels24.push_back(static_cast<int8_t>(127 - i * 11));
  const std::vector<int8_t> cols24(cols.begin(), cols.begin() + 2 * 1365 * 24);
  struct Layout {
    const char* name;
    std::vector<int32_t> a_shape, b_shape, out_shape;
    const std::vector<int8_t>* a;
    const std::vector<int8_t>* b;
  };
  const Layout layouts[] = {{"same shape", {256, 256}, {256, 256}, {256, 256}, &rows, &cols},
                            {"b per pixel", {256, 256}, {256, 1}, {256, 256}, &cols, &ramp},
                            {"a per channel", {256}, {256, 256}, {256, 256}, &ramp, &rows},
                            {"b per channel, 16", {4096, 16}, {16}, {4096, 16}, &cols, &channels16},
                            {"a per channel, 16", {16}, {4096, 16}, {4096, 16}, &channels16, &rows},
                            {"b per channel, 24, two outer dims", {2, 1365, 24}, {1, 1, 24}, {2, 1365, 24}, &cols24, &channels24}};
  struct Params { float sa, sb, so; int za, zb, zo; float act_min; };
  for (const Params& p : {Params{0.5f, 0.25f, 1.0f, 0, 0, 0, -INFINITY}, Params{0.02f, 0.03f, 0.035f, 3, -7, -4, -INFINITY},
                          Params{0.1f, 0.1f, 0.2f, -128, 5, -128, 0.0f}, Params{0.05f, 0.04f, 0.5f, 1, -2, 3, -INFINITY}}) {
    for (schema::OpCode op : {schema::OpCode_ADD, schema::OpCode_SUB, schema::OpCode_MUL}) {
      for (const Layout& l : layouts) {
        SCOPED_TRACE(std::string(schema::EnumNameOpCode(op)) + ", " + l.name + ", scales " + std::to_string(p.sa) + " " +
                     std::to_string(p.sb) + " " + std::to_string(p.so));
        ModelBuilder mb;
        const int ta = mb.Input("a", schema::DataType_INT8, l.a_shape, PerTensor(p.sa, p.za));
        const int tb = mb.Input("b", schema::DataType_INT8, l.b_shape, PerTensor(p.sb, p.zb));
        const int ty = mb.Tensor("y", schema::DataType_INT8, l.out_shape, PerTensor(p.so, p.zo));
        schema::BinaryOptionsT o;
        o.activation_min = p.act_min;
        mb.Op(op, {ta, tb}, {ty}, o);
        mb.Output(ty);
        const AlignedBytes model = mb.Build();
        const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(*l.a), AsBytes(*l.b)});
        ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
        ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
        EXPECT_EQ(runs.optimized.kernels[0].rfind("optimized/", 0), 0u) << runs.optimized.kernels[0];
        ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
      }
    }
  }
}

// A tensor and a constant scalar (HardSwish's affine Mul and Add in
// PP-LCNet): the optimized set looks the op's own 256 results up; every code,
// the scalar on either side, bit for bit against the reference.
TEST(BinaryInt8, AConstantScalarOperandIsATableOfTheOpsOwnResults) {
  std::vector<int8_t> codes;
  for (int i = 0; i < 3 * 256 + 7; ++i) codes.push_back(static_cast<int8_t>(i % 256 - 128));
  const int32_t n = static_cast<int32_t>(codes.size());
  struct Params { float sx, sc, so; int zx, zc, zo; int8_t c; float act_min; };
  for (const Params& p : {Params{0.02f, 0.03f, 0.035f, 3, -7, -4, 90, -INFINITY}, Params{0.1f, 0.01f, 0.2f, -128, 0, -128, -100, 0.0f},
                          Params{0.05f, 0.004f, 0.03f, 1, 5, 3, 127, -INFINITY}}) {
    for (schema::OpCode op : {schema::OpCode_ADD, schema::OpCode_SUB, schema::OpCode_MUL}) {
      for (bool scalar_first : {false, true}) {
        SCOPED_TRACE(std::string(schema::EnumNameOpCode(op)) + (scalar_first ? ", scalar first" : ", scalar second") +
                     ", scales " + std::to_string(p.sx) + " " + std::to_string(p.sc) + " " + std::to_string(p.so));
        ModelBuilder mb;
        const int tx = mb.Input("x", schema::DataType_INT8, {n}, PerTensor(p.sx, p.zx));
        const int tc = mb.Constant("c", schema::DataType_INT8, {1}, std::vector<int8_t>{p.c}, PerTensor(p.sc, p.zc));
        const int ty = mb.Tensor("y", schema::DataType_INT8, {n}, PerTensor(p.so, p.zo));
        schema::BinaryOptionsT o;
        o.activation_min = p.act_min;
        mb.Op(op, scalar_first ? std::vector<int32_t>{tc, tx} : std::vector<int32_t>{tx, tc}, {ty}, o);
        mb.Output(ty);
        const BothKernelSets runs = RunOnBothKernelSets(mb.Build(), {AsBytes(codes)});
        ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
        ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
        if (int8::BestLut()->simd) {
          EXPECT_NE(runs.optimized.kernels[0].find("_int8_table"), std::string::npos) << runs.optimized.kernels[0];
        }
        ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
      }
    }
  }
}

std::vector<BinaryCase> BinaryCases() {
  std::vector<BinaryCase> cases;
  const std::pair<schema::OpCode, const char*> ops[] = {{schema::OpCode_ADD, "Add"}, {schema::OpCode_SUB, "Sub"},
                                                          {schema::OpCode_MUL, "Mul"}, {schema::OpCode_DIV, "Div"}};
  for (const auto& op : ops) {
    const struct { std::vector<int32_t> a, b, out; const char* shape; } shapes[] = {
        {{1, 4, 5, 8}, {1, 4, 5, 8}, {1, 4, 5, 8}, "Same"},
        {{1, 4, 5, 8}, {8}, {1, 4, 5, 8}, "PerChannel"},
        {{1, 4, 5, 8}, {1, 1, 1, 8}, {1, 4, 5, 8}, "SqueezeExcite"},
        {{2, 1, 5}, {3, 1}, {2, 3, 5}, "BothBroadcast"},
        {{1, 4, 5, 8}, {1}, {1, 4, 5, 8}, "Scalar"},
        {{1, 40, 40, 8}, {8}, {1, 40, 40, 8}, "LongPerChannel"},  // beyond one tile of the optimized kernels
    };
    for (const auto& s : shapes) {
      cases.push_back({op.first, s.a, s.b, s.out, std::string(op.second) + s.shape});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Ops, Binary, ::testing::ValuesIn(BinaryCases()),
                         [](const ::testing::TestParamInfo<BinaryCase>& info) { return info.param.name; });

TEST(Binary, RejectsIncompatibleShapes) {
  ModelBuilder mb;
  const int ta = mb.Input("a", schema::DataType_FLOAT32, {2, 3});
  const int tb = mb.Input("b", schema::DataType_FLOAT32, {4});
  const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {2, 4});
  mb.Op(schema::OpCode_ADD, {ta, tb}, {ty}, nullptr, "my_add");
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("my_add"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("do not broadcast"), std::string::npos) << r.error;
}

TEST(Binary, EqualFloatAndInt8) {
  // Values on a coarse grid so that equal elements occur.
  std::vector<float> a = {0, 1, 2, 3, 1, 1, 2, 0}, b = {0, 2, 2, 1};
  std::vector<int8_t> qa = {0, 4, 8, 12, 4, 4, 8, 0}, qb = {0, 8, 8, 4};
  ModelBuilder mb;
  const int ta = mb.Input("a", schema::DataType_FLOAT32, {2, 4});
  const int tb = mb.Input("b", schema::DataType_FLOAT32, {4});
  const int qta = mb.Input("qa", schema::DataType_INT8, {2, 4}, PerTensor(0.25f, 0));
  const int qtb = mb.Input("qb", schema::DataType_INT8, {4}, PerTensor(0.25f, 0));
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 4});
  const int qy = mb.Tensor("qy", schema::DataType_INT8, {2, 4}, PerTensor(1.0f / 255.0f, -128));
  mb.Op(schema::OpCode_EQUAL, {ta, tb}, {y}, schema::BinaryOptionsT{});
  mb.Op(schema::OpCode_EQUAL, {qta, qtb}, {qy}, schema::BinaryOptionsT{});
  mb.Output(y);
  mb.Output(qy);
  const RunResult r = RunModel(mb.Build(), {AsBytes(a), AsBytes(b), AsBytes(qa), AsBytes(qb)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  ExpectNearAll(FromBytes<float>(r.outputs[0]), {1, 0, 1, 0, 0, 0, 1, 0}, 0);
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), {127, -128, 127, -128, -128, -128, 127, -128});
}

// ---- element-wise functions ----

// Maximum, Minimum, Pow, Mod, the comparisons and the logic ops: float
// only, broadcast as Add, against their ONNX definitions (NaN propagates
// through Maximum/Minimum, compares false, and is true to the logic ops).
TEST(Binary, FloatOnlyOpsBroadcastAndRefuseInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  std::vector<float> a = rng.Floats(2 * 3 * 4, -3.0f, 3.0f);
  const std::vector<float> b = rng.Floats(3 * 1, 0.25f, 2.0f);  // [3, 1]: > 0, a divisor and a base's exponent
  a[5] = NAN;
  a[0] = a[9] = 0.0f;  // false, for the logic ops
  const std::pair<schema::OpCode, std::function<float(float, float)>> ops[] = {
      {schema::OpCode_MAXIMUM, [](float x, float y) { return std::isnan(x) ? x : std::max(x, y); }},
      {schema::OpCode_MINIMUM, [](float x, float y) { return std::isnan(x) ? x : std::min(x, y); }},
      {schema::OpCode_POW, [](float x, float y) { return std::pow(std::fabs(x), y); }},
      {schema::OpCode_MOD, [](float x, float y) { return std::fmod(x, y); }},
      {schema::OpCode_GREATER, [](float x, float y) { return x > y ? 1.0f : 0.0f; }},
      {schema::OpCode_GREATER_EQUAL, [](float x, float y) { return x >= y ? 1.0f : 0.0f; }},
      {schema::OpCode_LESS, [](float x, float y) { return x < y ? 1.0f : 0.0f; }},
      {schema::OpCode_LESS_EQUAL, [](float x, float y) { return x <= y ? 1.0f : 0.0f; }},
      {schema::OpCode_AND, [](float x, float y) { return x != 0 && y != 0 ? 1.0f : 0.0f; }},
      {schema::OpCode_OR, [](float x, float y) { return x != 0 || y != 0 ? 1.0f : 0.0f; }},
      {schema::OpCode_XOR, [](float x, float y) { return (x != 0) != (y != 0) ? 1.0f : 0.0f; }},
  };
  for (const auto& [op, f] : ops) {
    SCOPED_TRACE(schema::EnumNameOpCode(op));
    std::vector<float> in = a;
    if (op == schema::OpCode_POW) for (float& v : in) v = std::fabs(v);  // a real power
    ModelBuilder mb;
    const int ta = mb.Input("a", schema::DataType_FLOAT32, {2, 3, 4});
    const int tb = mb.Input("b", schema::DataType_FLOAT32, {3, 1});
    const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 4});
    mb.Op(op, {ta, tb}, {ty}, schema::BinaryOptionsT{});
    mb.Output(ty);
    const RunResult r = RunModel(mb.Build(), {AsBytes(in), AsBytes(b)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<double> expected;
    for (int i = 0; i < 24; ++i) expected.push_back(f(a[i], b[(i / 4) % 3]));
    ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);

    ModelBuilder qb;
    const int qa = qb.Input("a", schema::DataType_INT8, {4}, PerTensor(0.1f, 0));
    const int qbt = qb.Input("b", schema::DataType_INT8, {4}, PerTensor(0.1f, 0));
    const int qy = qb.Tensor("y", schema::DataType_INT8, {4}, PerTensor(0.1f, 0));
    qb.Op(op, {qa, qbt}, {qy}, schema::BinaryOptionsT{});
    qb.Output(qy);
    const RunResult q = RunModel(qb.Build(), {std::vector<uint8_t>(4), std::vector<uint8_t>(4)});
    EXPECT_EQ(q.status, KITE_ERROR_MODEL_UNSUPPORTED);
    EXPECT_NE(q.error.find("float32"), std::string::npos) << q.error;
  }
}

struct UnaryCase {
  schema::OpCode op;
  std::function<float(float)> f;  // the ONNX definition, in float
  const char* name;
};

void SetOptions(ModelBuilder& mb, schema::OpCode op, int in, int out) {
  switch (op) {
    case schema::OpCode_CLIP: { schema::ClipOptionsT o; o.min = -0.5f; o.max = 1.25f; mb.Op(op, {in}, {out}, o); return; }
    case schema::OpCode_HARD_SIGMOID: { schema::HardSigmoidOptionsT o; o.alpha = 0.1666667f; o.beta = 0.5f; mb.Op(op, {in}, {out}, o); return; }
    case schema::OpCode_LEAKY_RELU: { schema::LeakyReluOptionsT o; o.alpha = 0.1f; mb.Op(op, {in}, {out}, o); return; }
    case schema::OpCode_ELU:
    case schema::OpCode_CELU:
    case schema::OpCode_THRESHOLDED_RELU:
    case schema::OpCode_SELU: { schema::ElementwiseOptionsT o; o.alpha = 1.5f; o.gamma = 1.25f; mb.Op(op, {in}, {out}, o); return; }
    default: mb.Op(op, {in}, {out}); return;
  }
}

void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

class Unary : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(Unary, Float32) {
  const UnaryCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = rng.Floats(3 * 7 * 11, -6.0f, 6.0f);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_FLOAT32, {3, 7, 11});
  const int out = mb.Tensor("y", schema::DataType_FLOAT32, {3, 7, 11});
  SetOptions(mb, c.op, in, out);
  mb.Output(out);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (float v : x) expected.push_back(c.f(v));
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
}

// Every code (plus 7 more, as a vectorized kernel's tail), under three
// quantizations.
TEST_P(Unary, Int8AllValues) {
  const UnaryCase& c = GetParam();
  std::vector<int8_t> x;
  for (int q = -128; q <= 127; ++q) x.push_back(static_cast<int8_t>(q));
  for (int q : {-128, -1, 0, 1, 3, 64, 127}) x.push_back(static_cast<int8_t>(q));
  struct Params { float si, so; int zi, zo; };
  for (const Params& p : {Params{6.0f / 128.0f, 1.0f / 64.0f, 5, -30}, Params{0.02f, 0.1f, -128, -128},
                          Params{0.11f, 0.0123f, 17, 40}}) {
    SCOPED_TRACE("scales " + std::to_string(p.si) + " " + std::to_string(p.so));
    ModelBuilder mb;
    const int32_t n = static_cast<int32_t>(x.size());
    const int in = mb.Input("x", schema::DataType_INT8, {n}, PerTensor(p.si, p.zi));
    const int out = mb.Tensor("y", schema::DataType_INT8, {n}, PerTensor(p.so, p.zo));
    SetOptions(mb, c.op, in, out);
    mb.Output(out);
    const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<int8_t> expected;
    for (int8_t q : x) expected.push_back(SpecRoundToInt8(c.f(p.si * static_cast<float>(q - p.zi)) / p.so, p.zo));
    ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
  }
}

// 16x8: every int16 code (plus 7 more, as a vectorized kernel's tail) under
// two quantizations, one of which saturates; then every code four times in
// a tensor of 2^18 + 7 elements, where the functions computed with libm
// look their codes up in a table.
TEST_P(Unary, Int16AllValues) {
  const UnaryCase& c = GetParam();
  std::vector<int16_t> small, large;
  for (int q = -32768; q <= 32767; ++q) small.push_back(static_cast<int16_t>(q));
  for (int r = 0; r < 4; ++r) large.insert(large.end(), small.rbegin(), small.rend());
  for (int q : {-32768, -1, 0, 1, 3, 1000, 32767}) {
    small.push_back(static_cast<int16_t>(q));
    large.push_back(static_cast<int16_t>(q));
  }
  const bool libm = c.op != schema::OpCode_RELU && c.op != schema::OpCode_CLIP && c.op != schema::OpCode_HARD_SIGMOID &&
                    c.op != schema::OpCode_HARD_SWISH && c.op != schema::OpCode_LEAKY_RELU;
  for (const auto& [si, so, x] : {std::tuple<float, float, const std::vector<int16_t>&>{8.0f / 32767, 8.0f / 32767, small},
                                  {4e-4f, 1e-4f, small}, {4e-4f, 1e-4f, large}}) {
    SCOPED_TRACE("scales " + std::to_string(si) + " " + std::to_string(so) + ", " + std::to_string(x.size()) + " elements");
    const bool table = libm && x.size() >= (size_t{1} << 18);
    ModelBuilder mb;
    const int32_t n = static_cast<int32_t>(x.size());
    const int in = mb.Input("x", schema::DataType_INT16, {n}, PerTensor(si, 0));
    const int out = mb.Tensor("y", schema::DataType_INT16, {n}, PerTensor(so, 0));
    SetOptions(mb, c.op, in, out);
    mb.Output(out);
    const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/unary_int16"
                            : table                                   ? "optimized/unary_int16_table"
                            : libm                                    ? "reference/unary_int16"
                                                                      : "optimized/unary_int16");
    std::vector<int16_t> expected;
    for (int16_t q : x) expected.push_back(SpecRoundToInt16(c.f(si * static_cast<float>(q)) / so));
    const std::vector<int16_t> actual = FromBytes<int16_t>(r.outputs[0]);
    ASSERT_EQ(actual.size(), expected.size());
    int mismatches = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      if (actual[i] != expected[i] && mismatches++ < 5) ADD_FAILURE() << "code " << x[i] << ": " << actual[i] << " vs " << expected[i];
    }
    EXPECT_EQ(mismatches, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, Unary,
    ::testing::Values(
        UnaryCase{schema::OpCode_RELU, [](float x) { return x > 0 ? x : 0.0f; }, "Relu"},
        UnaryCase{schema::OpCode_CLIP, [](float x) { return std::min(std::max(x, -0.5f), 1.25f); }, "Clip"},
        UnaryCase{schema::OpCode_SIGMOID, [](float x) { return 1.0f / (1.0f + std::exp(-x)); }, "Sigmoid"},
        UnaryCase{schema::OpCode_HARD_SIGMOID, [](float x) { return std::max(0.0f, std::min(1.0f, 0.1666667f * x + 0.5f)); }, "HardSigmoid"},
        UnaryCase{schema::OpCode_HARD_SWISH, [](float x) { return x * std::max(0.0f, std::min(1.0f, x * (1.0f / 6.0f) + 0.5f)); }, "HardSwish"},
        UnaryCase{schema::OpCode_TANH, [](float x) { return std::tanh(x); }, "Tanh"},
        UnaryCase{schema::OpCode_SQRT, [](float x) { return std::sqrt(x); }, "Sqrt"},
        UnaryCase{schema::OpCode_LEAKY_RELU, [](float x) { return x >= 0 ? x : 0.1f * x; }, "LeakyRelu"},
        // ONNX's definitions, in float (NaN outside a function's domain).
        UnaryCase{schema::OpCode_EXP, [](float x) { return std::exp(x); }, "Exp"},
        UnaryCase{schema::OpCode_LOG, [](float x) { return std::log(x); }, "Log"},
        UnaryCase{schema::OpCode_ABS, [](float x) { return std::fabs(x); }, "Abs"},
        UnaryCase{schema::OpCode_NEG, [](float x) { return -x; }, "Neg"},
        UnaryCase{schema::OpCode_RECIPROCAL, [](float x) { return 1.0f / x; }, "Reciprocal"},
        UnaryCase{schema::OpCode_FLOOR, [](float x) { return std::floor(x); }, "Floor"},
        UnaryCase{schema::OpCode_CEIL, [](float x) { return std::ceil(x); }, "Ceil"},
        UnaryCase{schema::OpCode_ROUND, [](float x) { return std::nearbyint(x); }, "Round"},
        UnaryCase{schema::OpCode_SIGN, [](float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f; }, "Sign"},
        UnaryCase{schema::OpCode_ERF, [](float x) { return std::erf(x); }, "Erf"},
        // Kite's specification (schemas/kite.fbs): erf of x times 1/sqrt(2) in float.
        UnaryCase{schema::OpCode_GELU, [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678f)); }, "Gelu"},
        UnaryCase{schema::OpCode_SIN, [](float x) { return std::sin(x); }, "Sin"},
        UnaryCase{schema::OpCode_COS, [](float x) { return std::cos(x); }, "Cos"},
        UnaryCase{schema::OpCode_TAN, [](float x) { return std::tan(x); }, "Tan"},
        UnaryCase{schema::OpCode_ASIN, [](float x) { return std::asin(x); }, "Asin"},
        UnaryCase{schema::OpCode_ACOS, [](float x) { return std::acos(x); }, "Acos"},
        UnaryCase{schema::OpCode_ATAN, [](float x) { return std::atan(x); }, "Atan"},
        UnaryCase{schema::OpCode_SINH, [](float x) { return std::sinh(x); }, "Sinh"},
        UnaryCase{schema::OpCode_COSH, [](float x) { return std::cosh(x); }, "Cosh"},
        UnaryCase{schema::OpCode_ASINH, [](float x) { return std::asinh(x); }, "Asinh"},
        UnaryCase{schema::OpCode_ACOSH, [](float x) { return std::acosh(x); }, "Acosh"},
        UnaryCase{schema::OpCode_ATANH, [](float x) { return std::atanh(x); }, "Atanh"},
        // log(1 + exp(x)) as log1p for precision; past 20, exp(x) swamps the 1.
        UnaryCase{schema::OpCode_SOFTPLUS, [](float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }, "Softplus"},
        UnaryCase{schema::OpCode_SOFTSIGN, [](float x) { return x / (1.0f + std::fabs(x)); }, "Softsign"},
        UnaryCase{schema::OpCode_ELU, [](float x) { return x >= 0 ? x : 1.5f * std::expm1(x); }, "Elu"},
        UnaryCase{schema::OpCode_SELU, [](float x) { return 1.25f * (x > 0 ? x : 1.5f * std::expm1(x)); }, "Selu"},
        UnaryCase{schema::OpCode_CELU,
                  [](float x) { return std::max(0.0f, x) + std::min(0.0f, 1.5f * std::expm1(x / 1.5f)); }, "Celu"},
        UnaryCase{schema::OpCode_THRESHOLDED_RELU, [](float x) { return x > 1.5f ? x : 0.0f; }, "ThresholdedRelu"},
        UnaryCase{schema::OpCode_NOT, [](float x) { return x == 0.0f ? 1.0f : 0.0f; }, "Not"}),
    [](const ::testing::TestParamInfo<UnaryCase>& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace kite

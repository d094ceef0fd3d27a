// Resize (nearest, bilinear; ONNX coordinate transforms), Softmax and
// LogSoftmax, the reductions, Quantize and Dequantize, against direct
// computation and the quantization specification.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

TEST(Resize, NearestAsymmetricFloor2x) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 3, 2, 2});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 6, 4, 2});
  schema::ResizeOptionsT o;
  o.mode = schema::ResizeMode_NEAREST;
  o.coordinate_transform = schema::CoordinateTransform_ASYMMETRIC;
  o.nearest_rounding = schema::NearestRounding_FLOOR;
  o.scale_h = o.scale_w = 2.0f;
  mb.Op(schema::OpCode_RESIZE, {x}, {y}, o);
  mb.Output(y);
  std::vector<float> in(12);
  for (int i = 0; i < 12; ++i) in[i] = static_cast<float>(i);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int oy = 0; oy < 6; ++oy)
    for (int ox = 0; ox < 4; ++ox)
      for (int c = 0; c < 2; ++c) expected.push_back(in[((oy / 2) * 2 + ox / 2) * 2 + c]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 0);
}

// ONNX's own test (test_resize_upsample_scales_linear, half_pixel): input
// [[1,2],[3,4]] scaled 2x gives these values.
TEST(Resize, BilinearHalfPixelMatchesOnnxTestData) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 2, 2, 1});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 4, 4, 1});
  schema::ResizeOptionsT o;
  o.mode = schema::ResizeMode_BILINEAR;
  o.coordinate_transform = schema::CoordinateTransform_HALF_PIXEL;
  o.scale_h = o.scale_w = 2.0f;
  mb.Op(schema::OpCode_RESIZE, {x}, {y}, o);
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<float>{1, 2, 3, 4})});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  ExpectNearAll(FromBytes<float>(r.outputs[0]),
                {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0}, 1e-6);
}

// ONNX test_resize_upsample_sizes_linear_align_corners-style: align_corners.
TEST(Resize, BilinearAlignCornersAndInt8) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 2, 2, 1});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 3, 3, 1});
  const int xq = mb.Input("xq", schema::DataType_INT8, {1, 2, 2, 1}, PerTensor(0.25f, 0));
  const int yq = mb.Tensor("yq", schema::DataType_INT8, {1, 3, 3, 1}, PerTensor(0.25f, 0));
  schema::ResizeOptionsT o;
  o.mode = schema::ResizeMode_BILINEAR;
  o.coordinate_transform = schema::CoordinateTransform_ALIGN_CORNERS;
  o.scale_h = o.scale_w = 1.5f;
  mb.Op(schema::OpCode_RESIZE, {x}, {y}, o);
  mb.Op(schema::OpCode_RESIZE, {xq}, {yq}, o);
  mb.Output(y);
  mb.Output(yq);
  const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<float>{1, 2, 3, 4}),
                                            AsBytes(std::vector<int8_t>{4, 8, 12, 16})});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const std::vector<double> expected = {1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 3.0, 3.5, 4.0};
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6);
  // Same values at scale 0.25: q = 4 * v.
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), std::vector<int8_t>{4, 6, 8, 8, 10, 12, 12, 14, 16});
}

TEST(Softmax, InnerAndOuterAxes) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto in = Random(TestSeed()).Floats(2 * 3 * 5, -4.0f, 4.0f);
  for (int axis : {1, -1}) {
    SCOPED_TRACE("axis " + std::to_string(axis));
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 5});
    const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 5});
    schema::SoftmaxOptionsT o;
    o.axis = axis;
    mb.Op(schema::OpCode_SOFTMAX, {x}, {y}, o);
    mb.Output(y);
    const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<double> expected(30);
    for (int n = 0; n < 2; ++n)
      for (int other = 0; other < (axis == 1 ? 5 : 3); ++other) {
        const int len = axis == 1 ? 3 : 5;
        auto at = [&](int k) { return axis == 1 ? (n * 3 + k) * 5 + other : (n * 3 + other) * 5 + k; };
        double sum = 0;
        for (int k = 0; k < len; ++k) sum += std::exp(double{in[at(k)]});
        for (int k = 0; k < len; ++k) expected[at(k)] = std::exp(double{in[at(k)]}) / sum;
      }
    ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-5);
  }
}

TEST(Softmax, Int8) {
  std::vector<int8_t> in;
  for (int i = 0; i < 40; ++i) in.push_back(static_cast<int8_t>(i * 6 - 120));
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_INT8, {4, 10}, PerTensor(0.05f, 0));
  const int y = mb.Tensor("y", schema::DataType_INT8, {4, 10}, PerTensor(1.0f / 256.0f, -128));
  mb.Op(schema::OpCode_SOFTMAX, {x}, {y}, schema::SoftmaxOptionsT{});
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<int8_t> expected;
  for (int row = 0; row < 4; ++row) {
    float mx = -INFINITY, sum = 0;
    for (int k = 0; k < 10; ++k) mx = std::max(mx, 0.05f * in[row * 10 + k]);
    for (int k = 0; k < 10; ++k) sum += std::exp(0.05f * in[row * 10 + k] - mx);
    for (int k = 0; k < 10; ++k) {
      expected.push_back(SpecRoundToInt8(std::exp(0.05f * in[row * 10 + k] - mx) / sum / (1.0f / 256.0f), -128));
    }
  }
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
}

// The optimized int8 bilinear Resize against the reference: upsampling and
// downsampling, every coordinate transform, 1 to 64 channels, input and
// output quantized differently; bit for bit.
TEST(Resize, BilinearInt8OptimizedMatchesReference) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  struct Case { int in_h, in_w, out_h, out_w, channels; schema::CoordinateTransform transform; };
  for (const Case& c : {Case{4, 5, 8, 10, 64, schema::CoordinateTransform_HALF_PIXEL},
                        Case{5, 7, 11, 3, 7, schema::CoordinateTransform_ALIGN_CORNERS},
                        Case{6, 6, 9, 13, 1, schema::CoordinateTransform_ASYMMETRIC},
                        Case{3, 8, 7, 5, 16, schema::CoordinateTransform_PYTORCH_HALF_PIXEL}}) {
    SCOPED_TRACE(std::to_string(c.in_h) + "x" + std::to_string(c.in_w) + " -> " + std::to_string(c.out_h) + "x" +
                 std::to_string(c.out_w) + " x" + std::to_string(c.channels));
    const auto in = rng.Int8s(static_cast<size_t>(c.in_h) * c.in_w * c.channels);
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_INT8, {1, c.in_h, c.in_w, c.channels}, PerTensor(0.07f, -5));
    const int y = mb.Tensor("y", schema::DataType_INT8, {1, c.out_h, c.out_w, c.channels}, PerTensor(0.05f, 9));
    schema::ResizeOptionsT o;
    o.mode = schema::ResizeMode_BILINEAR;
    o.coordinate_transform = c.transform;
    o.scale_h = static_cast<float>(c.out_h) / c.in_h;
    o.scale_w = static_cast<float>(c.out_w) / c.in_w;
    mb.Op(schema::OpCode_RESIZE, {x}, {y}, o);
    mb.Output(y);
    const AlignedBytes model = mb.Build();
    const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(in)});
    ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
    ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
    EXPECT_EQ(runs.optimized.kernels[0], "optimized/resize_bilinear_int8");
    ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
  }
}

// A vocabulary-sized axis (innermost and strided): the optimized kernel's
// per-row tables against the reference, bit for bit.
TEST(Softmax, Int8LongAxisOptimizedMatchesReference) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  struct Layout { std::vector<int32_t> shape; int axis; };
  for (const Layout& l : {Layout{{3, 700}, -1}, Layout{{2, 300, 3}, 1}}) {
    const auto in = rng.Int8s(static_cast<size_t>(l.shape[0]) * l.shape[1] * (l.shape.size() > 2 ? l.shape[2] : 1));
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_INT8, l.shape, PerTensor(0.11f, 7));
    const int y = mb.Tensor("y", schema::DataType_INT8, l.shape, PerTensor(1.0f / 256.0f, -128));
    schema::SoftmaxOptionsT o;
    o.axis = l.axis;
    mb.Op(schema::OpCode_SOFTMAX, {x}, {y}, o);
    mb.Output(y);
    const AlignedBytes model = mb.Build();
    const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(in)});
    ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
    ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
    EXPECT_EQ(runs.optimized.kernels[0], "optimized/softmax_int8_table");
    ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
    int nonzero = 0;  // the inputs spread: many outputs carry probability
    for (uint8_t b : runs.reference.outputs[0]) nonzero += static_cast<int8_t>(b) > -128;
    EXPECT_GT(nonzero, 10);
  }
}

TEST(ReduceMean, KeepDimsDropDimsAndInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto xf = rng.Floats(2 * 3 * 4);
  const auto xq = rng.Int8s(2 * 3 * 4);
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4});
  const int q = mb.Input("q", schema::DataType_INT8, {2, 3, 4}, PerTensor(0.1f, 7));
  const int keep = mb.Tensor("keep", schema::DataType_FLOAT32, {2, 1, 4});
  const int drop = mb.Tensor("drop", schema::DataType_FLOAT32, {3});
  const int qout = mb.Tensor("qout", schema::DataType_INT8, {2, 1, 4}, PerTensor(0.03f, -1));
  schema::ReduceOptionsT middle;
  middle.axes = {1};
  schema::ReduceOptionsT outer;
  outer.axes = {0, -1};
  mb.Op(schema::OpCode_REDUCE_MEAN, {x}, {keep}, middle);
  mb.Op(schema::OpCode_REDUCE_MEAN, {x}, {drop}, outer);
  mb.Op(schema::OpCode_REDUCE_MEAN, {q}, {qout}, middle);
  mb.Output(keep);
  mb.Output(drop);
  mb.Output(qout);
  const RunResult r = RunModel(mb.Build(), {AsBytes(xf), AsBytes(xq)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> ek, ed(3, 0.0);
  std::vector<int8_t> eq;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 4; ++c) {
      double s = 0;
      int sq = 0;
      for (int k = 0; k < 3; ++k) { s += xf[(n * 3 + k) * 4 + c]; sq += xq[(n * 3 + k) * 4 + c] - 7; }
      ek.push_back(s / 3);
      eq.push_back(SpecRoundToInt8(static_cast<float>(sq) * (0.1f / (0.03f * 3.0f)), -1));
    }
  for (int k = 0; k < 3; ++k) {
    for (int n = 0; n < 2; ++n)
      for (int c = 0; c < 4; ++c) ed[k] += xf[(n * 3 + k) * 4 + c];
    ed[k] /= 8;
  }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), ek, 1e-6, 1e-6);
  ExpectNearAll(FromBytes<float>(r.outputs[1]), ed, 1e-6, 1e-6);
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[2]), eq);
}

// Every float reduction over axes {0, 2} of a [2, 3, 4] tensor (kept as 1s),
// against its ONNX definition in double.
TEST(Reduce, EveryKindFloat) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto in = Random(TestSeed()).Floats(2 * 3 * 4, 0.05f, 2.0f);  // > 0: LogSum's domain
  const std::pair<schema::OpCode, std::function<double(const std::vector<double>&)>> kinds[] = {
      {schema::OpCode_REDUCE_MEAN, [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }},
      {schema::OpCode_REDUCE_MAX, [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }},
      {schema::OpCode_REDUCE_MIN, [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }},
      {schema::OpCode_REDUCE_SUM, [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }},
      {schema::OpCode_REDUCE_PROD, [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 1.0, std::multiplies<double>()); }},
      {schema::OpCode_REDUCE_L1, [](const std::vector<double>& v) { double s = 0; for (double x : v) s += std::fabs(x); return s; }},
      {schema::OpCode_REDUCE_L2, [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x * x; return std::sqrt(s); }},
      {schema::OpCode_REDUCE_SUM_SQUARE, [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x * x; return s; }},
      {schema::OpCode_REDUCE_LOG_SUM, [](const std::vector<double>& v) { return std::log(std::accumulate(v.begin(), v.end(), 0.0)); }},
      {schema::OpCode_REDUCE_LOG_SUM_EXP, [](const std::vector<double>& v) { double s = 0; for (double x : v) s += std::exp(x); return std::log(s); }},
  };
  for (const auto& [op, definition] : kinds) {
    SCOPED_TRACE(schema::EnumNameOpCode(op));
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4});
    const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 3, 1});
    schema::ReduceOptionsT o;
    o.axes = {0, -1};
    mb.Op(op, {x}, {y}, o);
    mb.Output(y);
    const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<double> expected;
    for (int k = 0; k < 3; ++k) {
      std::vector<double> v;
      for (int n = 0; n < 2; ++n)
        for (int c = 0; c < 4; ++c) v.push_back(in[(n * 3 + k) * 4 + c]);
      expected.push_back(definition(v));
    }
    ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
  }
}

// Only the mean has an int8 form; the others are refused at prepare, naming why.
TEST(Reduce, Int8OtherThanMeanIsRefused) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_INT8, {2, 3}, PerTensor(0.1f, 0));
  const int y = mb.Tensor("y", schema::DataType_INT8, {2, 1}, PerTensor(0.1f, 0));
  schema::ReduceOptionsT o;
  o.axes = {1};
  mb.Op(schema::OpCode_REDUCE_MAX, {x}, {y}, o);
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(6, 0)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("float32"), std::string::npos) << r.error;
}

TEST(LogSoftmax, InnerAxisFloatAndNoInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto in = Random(TestSeed()).Floats(4 * 6, -30.0f, 30.0f);
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {4, 6});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {4, 6});
  schema::SoftmaxOptionsT o;
  o.axis = -1;
  mb.Op(schema::OpCode_LOG_SOFTMAX, {x}, {y}, o);
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int n = 0; n < 4; ++n) {
    double max = -INFINITY, sum = 0;
    for (int k = 0; k < 6; ++k) max = std::max(max, double{in[n * 6 + k]});
    for (int k = 0; k < 6; ++k) sum += std::exp(in[n * 6 + k] - max);
    for (int k = 0; k < 6; ++k) expected.push_back(in[n * 6 + k] - max - std::log(sum));
  }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-5, 1e-6);

  ModelBuilder qb;
  const int qx = qb.Input("x", schema::DataType_INT8, {4, 6}, PerTensor(0.1f, 0));
  const int qy = qb.Tensor("y", schema::DataType_INT8, {4, 6}, PerTensor(0.1f, 0));
  qb.Op(schema::OpCode_LOG_SOFTMAX, {qx}, {qy}, o);
  qb.Output(qy);
  EXPECT_EQ(RunModel(qb.Build(), {std::vector<uint8_t>(24, 0)}).status, KITE_ERROR_MODEL_UNSUPPORTED);
}

// ONNX QuantizeLinear rounds half to even and saturates.
TEST(Quantize, RoundsHalfToEvenAndSaturates) {
  const std::vector<float> in = {0.0f, 0.25f, 0.75f, -0.25f, -0.75f, 1.25f, 1000.0f, -1000.0f, 63.5f};
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {9});
  const int q = mb.Tensor("q", schema::DataType_INT8, {9}, PerTensor(0.5f, 1));
  const int d = mb.Tensor("d", schema::DataType_FLOAT32, {9});
  mb.Op(schema::OpCode_QUANTIZE, {x}, {q});
  mb.Op(schema::OpCode_DEQUANTIZE, {q}, {d});
  mb.Output(q);
  mb.Output(d);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  // x / 0.5 = 0, 0.5, 1.5, -0.5, -1.5, 2.5, 2000, -2000, 127 -> even rounding, + 1.
  const std::vector<int8_t> expected = {1, 1, 3, 1, -1, 3, 127, -128, 127};
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
  std::vector<double> back;
  for (int8_t v : expected) back.push_back(0.5 * (v - 1));
  ExpectNearAll(FromBytes<float>(r.outputs[1]), back, 0);
}

// The optimized Quantize against the reference: every half-step tie in the
// int8 range, random values, infinities and NaN, bit for bit.
TEST(Quantize, OptimizedMatchesReference) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  std::vector<float> in = Random(TestSeed()).Floats(4000, -30.0f, 30.0f);
  for (int k = -600; k <= 600; ++k) in.push_back(0.25f * static_cast<float>(k));  // ties at scale 0.5 and 0.1
  for (float v : {INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 1e30f, -1e30f}) in.push_back(v);
  for (const auto& [scale, zero_point] : {std::pair<float, int>{0.5f, 1}, {0.1f, -7}, {0.05f, -128}}) {
    SCOPED_TRACE("scale " + std::to_string(scale));
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_FLOAT32, {static_cast<int32_t>(in.size())});
    const int q = mb.Tensor("q", schema::DataType_INT8, {static_cast<int32_t>(in.size())}, PerTensor(scale, zero_point));
    mb.Op(schema::OpCode_QUANTIZE, {x}, {q});
    mb.Output(q);
    const AlignedBytes model = mb.Build();
    const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(in)});
    ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
    ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
    EXPECT_EQ(runs.optimized.kernels[0], "optimized/quantize");
    ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
  }
}

// Dequantize of every int8 code (three zero points) and every int16 code:
// scale * (q - zero point) in float, exactly, on every kernel set.
TEST(Dequantize, EveryCodeIsScaleTimesCodeMinusZeroPoint) {
  std::vector<int8_t> codes8;
  for (int i = -128; i < 128; ++i) codes8.push_back(static_cast<int8_t>(i));
  std::vector<int16_t> codes16;
  for (int i = -32768; i < 32768; ++i) codes16.push_back(static_cast<int16_t>(i));
  const bool reference = TestKernelSet() == KernelSet::kReference;
  for (const auto& [scale, zero_point] : {std::pair<float, int>{0.5f, 1}, {0.0137f, -7}, {3e-5f, -128}}) {
    SCOPED_TRACE("scale " + std::to_string(scale) + ", zero point " + std::to_string(zero_point));
    ModelBuilder mb;
    const int q8 = mb.Input("q8", schema::DataType_INT8, {256}, PerTensor(scale, zero_point));
    const int q16 = mb.Input("q16", schema::DataType_INT16, {65536}, PerTensor(scale, 0));
    const int d8 = mb.Tensor("d8", schema::DataType_FLOAT32, {256});
    const int d16 = mb.Tensor("d16", schema::DataType_FLOAT32, {65536});
    mb.Op(schema::OpCode_DEQUANTIZE, {q8}, {d8});
    mb.Op(schema::OpCode_DEQUANTIZE, {q16}, {d16});
    mb.Output(d8);
    mb.Output(d16);
    const RunResult r = RunModel(mb.Build(), {AsBytes(codes8), AsBytes(codes16)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    EXPECT_EQ(r.kernels[0], reference ? "reference/dequantize" : "optimized/dequantize");
    EXPECT_EQ(r.kernels[1], reference ? "reference/dequantize_int16" : "optimized/dequantize_int16");
    const auto got8 = FromBytes<float>(r.outputs[0]), got16 = FromBytes<float>(r.outputs[1]);
    int mismatches = 0;
    for (size_t i = 0; i < codes8.size(); ++i) {
      const float want = scale * static_cast<float>(codes8[i] - zero_point);
      if (got8[i] != want && mismatches++ < 5) ADD_FAILURE() << "int8 " << int{codes8[i]} << ": " << got8[i] << " vs " << want;
    }
    for (size_t i = 0; i < codes16.size(); ++i) {
      const float want = scale * static_cast<float>(codes16[i]);
      if (got16[i] != want && mismatches++ < 5) ADD_FAILURE() << "int16 " << codes16[i] << ": " << got16[i] << " vs " << want;
    }
    EXPECT_EQ(mismatches, 0);
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

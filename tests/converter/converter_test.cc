// The converter on small ONNX graphs built here with the ONNX protobuf API:
// folding, fusion, layout, errors that name the node, atomic writes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <onnx/onnx_pb.h>

#include "convert.h"
#include "kite/kite.hpp"
#include "kite_generated.h"
#include "support/model_builder.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// Conv -> BatchNormalization -> Relu becomes one CONV_2D with a fused clamp,
// in NHWC between the two transposes the NCHW graph input and output need,
// and computes the same as the three ops.
TEST(Converter, FoldsBatchNormAndReluIntoConv) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 3});
  b.Initializer("w", {2, 2, 1, 1}, {1, 2, 3, 4});
  b.Initializer("gamma", {2}, {2, 0.5});
  b.Initializer("beta", {2}, {0.1f, -1});
  b.Initializer("mean", {2}, {1, 0});
  b.Initializer("var", {2}, {4, 0.25});
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"});
  b.Node("Relu", {"bn"}, {"y"});
  b.Output("y");
  const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "bn.onnx"), {}, nullptr);
  const schema::ModelT m = Unpack(bytes);
  ASSERT_EQ(m.operators.size(), 3u);
  EXPECT_EQ(m.operators[0]->opcode, schema::OpCode_TRANSPOSE);
  EXPECT_EQ(m.operators[1]->opcode, schema::OpCode_CONV_2D);
  EXPECT_EQ(m.operators[2]->opcode, schema::OpCode_TRANSPOSE);
  EXPECT_EQ(m.operators[1]->options.AsConv2DOptions()->activation_min, 0.0f);
  EXPECT_EQ(m.tensors[m.outputs[0]->tensor]->name, "y");  // the ONNX output name survives fusion
  // Input NCHW [1,2,3,3]: channel 0 = 1..9, channel 1 = 0.5 everywhere.
  std::vector<float> x(18);
  for (int i = 0; i < 9; ++i) x[i] = static_cast<float>(i + 1);
  for (int i = 9; i < 18; ++i) x[i] = 0.5f;
  const auto y = RunFirstOutput(bytes, x);
  for (int p = 0; p < 9; ++p) {
    const float c0 = 1 * x[p] + 2 * x[9 + p], c1 = 3 * x[p] + 4 * x[9 + p];
    const float bn0 = (c0 - 1) / std::sqrt(4 + 1e-5f) * 2 + 0.1f, bn1 = (c1 - 0) / std::sqrt(0.25f + 1e-5f) * 0.5f - 1;
    EXPECT_NEAR(y[p], std::max(0.0f, bn0), 1e-4);
    EXPECT_NEAR(y[9 + p], std::max(0.0f, bn1), 1e-4);
  }
}

// PP-LCNetV3's learnable affine block: Conv -> Mul (per channel) -> Add
// (scalar) becomes one CONV_2D computing the same.
TEST(Converter, FoldsPerChannelMultiplyAndAddIntoConv) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 3});
  b.Initializer("w", {2, 2, 1, 1}, {1, 2, 3, 4});
  b.Initializer("bias", {2}, {0.5f, -0.5f});
  b.Initializer("scale", {1, 2, 1, 1}, {2.0f, -3.0f});
  b.Initializer("shift", {1}, {0.25f});
  b.Node("Conv", {"x", "w", "bias"}, {"c"});
  b.Node("Mul", {"c", "scale"}, {"m"});
  b.Node("Add", {"shift", "m"}, {"y"});
  b.Output("y");
  const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "affine.onnx"), {}, nullptr);
  const schema::ModelT m = Unpack(bytes);
  int convs = 0, others = 0;
  for (const auto& op : m.operators) (op->opcode == schema::OpCode_CONV_2D ? convs : others) += op->opcode != schema::OpCode_TRANSPOSE;
  EXPECT_EQ(convs, 1);
  EXPECT_EQ(others, 0);
  std::vector<float> x(18);
  for (int i = 0; i < 18; ++i) x[i] = static_cast<float>(i) * 0.1f - 0.5f;
  const auto y = RunFirstOutput(bytes, x);
  for (int p = 0; p < 9; ++p) {
    EXPECT_NEAR(y[p], (1 * x[p] + 2 * x[9 + p] + 0.5f) * 2.0f + 0.25f, 1e-5);
    EXPECT_NEAR(y[9 + p], (3 * x[p] + 4 * x[9 + p] - 0.5f) * -3.0f + 0.25f, 1e-5);
  }
}

// A ConvTranspose's bias exported as an Add, and a per-channel Mul, fold
// into the transposed conv (weights [in, out, kh, kw]): one
// CONV_TRANSPOSE_2D computing the same as the three ops (PP-OCR det's head).
TEST(Converter, FoldsPerChannelMultiplyAndAddIntoConvTranspose) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 2, 2});
  b.Initializer("w", {2, 3, 1, 1}, {1, 2, 3, 4, 5, 6});  // in 2, out 3, 1x1 stride 2
  b.Initializer("scale", {1, 3, 1, 1}, {2.0f, -1.0f, 0.5f});
  b.Initializer("bias", {1, 3, 1, 1}, {0.25f, -0.5f, 1.0f});
  OnnxBuilder::IntsAttr(b.Node("ConvTranspose", {"x", "w"}, {"c"}), "strides", {2, 2});
  b.Node("Mul", {"c", "scale"}, {"m"});
  b.Node("Add", {"m", "bias"}, {"y"});
  b.Output("y");
  const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "affine_transposed.onnx"), {}, nullptr);
  const schema::ModelT m = Unpack(bytes);
  int deconvs = 0, others = 0;
  for (const auto& op : m.operators) {
    (op->opcode == schema::OpCode_CONV_TRANSPOSE_2D ? deconvs : others) += op->opcode != schema::OpCode_TRANSPOSE;
  }
  EXPECT_EQ(deconvs, 1);
  EXPECT_EQ(others, 0);
  const std::vector<float> x = {0.5f, -1, 2, 0.25f, -0.75f, 1.5f, 1, -2};  // NCHW [1, 2, 2, 2]
  const auto y = RunFirstOutput(bytes, x);
  ASSERT_EQ(y.size(), 3u * 3 * 3);  // [1, 3, 3, 3]: stride 2 leaves zeros between the pixels
  const float scale[3] = {2.0f, -1.0f, 0.5f}, bias[3] = {0.25f, -0.5f, 1.0f};
  for (int o = 0; o < 3; ++o) {
    for (int oy = 0; oy < 3; ++oy) {
      for (int ox = 0; ox < 3; ++ox) {
        float c = 0;
        if (oy % 2 == 0 && ox % 2 == 0) {
          const int p = (oy / 2) * 2 + ox / 2;
          c = x[p] * (1.0f + o) + x[4 + p] * (4.0f + o);  // w[0][o] = 1 + o, w[1][o] = 4 + o
        }
        EXPECT_NEAR(y[(o * 3 + oy) * 3 + ox], c * scale[o] + bias[o], 1e-5) << "channel " << o << " at " << oy << "," << ox;
      }
    }
  }
}

// Shape -> Gather -> Concat computing a Reshape target folds away; the
// NCHW->NHWC transposes of a layout round trip cancel.
TEST(Converter, FoldsShapeChainsAndCancelsTransposes) {
  OnnxBuilder b;
  b.Input("x", {1, 4, 4, 3});  // NHWC input, as BlazeFace
  auto* t1 = b.Node("Transpose", {"x"}, {"nchw"});
  OnnxBuilder::IntsAttr(t1, "perm", {0, 3, 1, 2});
  b.Node("Relu", {"nchw"}, {"r"});
  auto* t2 = b.Node("Transpose", {"r"}, {"nhwc"});
  OnnxBuilder::IntsAttr(t2, "perm", {0, 2, 3, 1});
  b.Node("Shape", {"nhwc"}, {"shape"});
  b.IntInitializer("idx", {0});
  b.Node("Gather", {"shape", "idx"}, {"batch"});
  b.IntInitializer("minus_one", {-1});
  auto* concat = b.Node("Concat", {"batch", "minus_one"}, {"target"});
  auto* axis = concat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  b.Node("Reshape", {"nhwc", "target"}, {"y"});
  b.Output("y");
  converter::ConvertReport report;
  const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "fold.onnx"), {}, &report);
  const schema::ModelT m = Unpack(bytes);
  ASSERT_EQ(m.operators.size(), 2u);
  EXPECT_EQ(m.operators[0]->opcode, schema::OpCode_RELU);
  EXPECT_EQ(m.operators[1]->opcode, schema::OpCode_RESHAPE);
  EXPECT_EQ(report.transposes_in_kite, 0);
  std::vector<float> x(48);
  for (int i = 0; i < 48; ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  const auto y = RunFirstOutput(bytes, x);
  ASSERT_EQ(y.size(), 48u);
  for (int i = 0; i < 48; ++i) EXPECT_EQ(y[i], std::max(0.0f, x[i]));
}

// TensorFlow's SAME padding of a strided conv as ONNX writes it: Pad one row
// and column at the end, then an unpadded Conv. The Pad becomes the Conv's
// padding, and the result is the padded convolution's.
TEST(Converter, ZeroPadBecomesTheConvsPadding) {
  for (const float value : {0.0f, 0.5f}) {
    OnnxBuilder b;
    b.Input("x", {1, 1, 4, 4});
    b.IntInitializer("pads", {0, 0, 0, 0, 0, 0, 1, 1});
    b.Initializer("value", {}, {value});
    b.Initializer("w", {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    b.Node("Pad", {"x", "pads", "value"}, {"p"});
    auto* conv = b.Node("Conv", {"p", "w"}, {"y"});
    OnnxBuilder::IntsAttr(conv, "strides", {2, 2});
    b.Output("y");
    const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "pad_conv.onnx"), {}, nullptr);
    const schema::ModelT m = Unpack(bytes);
    int pads = 0;
    const schema::Conv2DOptionsT* o = nullptr;
    for (const auto& op : m.operators) {
      pads += op->opcode == schema::OpCode_PAD;
      if (op->opcode == schema::OpCode_CONV_2D) o = op->options.AsConv2DOptions();
    }
    ASSERT_NE(o, nullptr);
    // Only a zero Pad is the conv's padding.
    EXPECT_EQ(pads, value == 0.0f ? 0 : 1) << "value " << value;
    EXPECT_EQ(o->pad_bottom, value == 0.0f ? 1 : 0);
    EXPECT_EQ(o->pad_right, value == 0.0f ? 1 : 0);
    EXPECT_EQ(o->pad_top, 0);
    std::vector<float> x(16);
    for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i) - 5.0f;
    const auto y = RunFirstOutput(bytes, x);
    ASSERT_EQ(y.size(), 4u);
    for (int oy = 0; oy < 2; ++oy) {
      for (int ox = 0; ox < 2; ++ox) {
        float want = 0;
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = 2 * oy + ky, ix = 2 * ox + kx;
            want += static_cast<float>(ky * 3 + kx + 1) * (iy < 4 && ix < 4 ? x[iy * 4 + ix] : value);
          }
        }
        EXPECT_NEAR(y[oy * 2 + ox], want, 1e-4) << "value " << value << " at " << oy << "," << ox;
      }
    }
  }
}

TEST(Converter, HardSigmoidTimesInputBecomesHardSwish) {
  OnnxBuilder b;
  b.Input("x", {1, 8});
  auto* hs = b.Node("HardSigmoid", {"x"}, {"h"});
  OnnxBuilder::FloatAttr(hs, "alpha", 1.0f / 6.0f);
  OnnxBuilder::FloatAttr(hs, "beta", 0.5f);
  b.Node("Mul", {"x", "h"}, {"y"});
  b.Output("y");
  const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "hswish.onnx"), {}, nullptr);
  const schema::ModelT m = Unpack(bytes);
  ASSERT_EQ(m.operators.size(), 1u);
  EXPECT_EQ(m.operators[0]->opcode, schema::OpCode_HARD_SWISH);
}

// Paddle writes hard-swish as x * Clip(x + 3, 0, 6) / 6 (or * 1/6), the
// Clip's bounds as inputs (opset 11): one HardSwish op, the same values. A
// Clip to another range is not hard-swish and stays as written.
TEST(Converter, PaddleHardSwishBecomesOneOp) {
  struct Case {
    const char* scale_op;
    float scale, clip_max;
    bool fused;
  };
  for (const Case c : {Case{"Div", 6.0f, 6.0f, true}, Case{"Mul", 1.0f / 6.0f, 6.0f, true}, Case{"Div", 6.0f, 5.0f, false}}) {
    SCOPED_TRACE(std::string(c.scale_op) + " clip max " + std::to_string(c.clip_max));
    OnnxBuilder b;
    b.Input("x", {1, 12});
    b.Initializer("three", {}, {3.0f});
    b.Initializer("lo", {}, {0.0f});
    b.Initializer("hi", {}, {c.clip_max});
    b.Initializer("scale", {}, {c.scale});
    b.Node("Add", {"x", "three"}, {"shifted"});
    b.Node("Clip", {"shifted", "lo", "hi"}, {"clipped"});
    b.Node("Mul", {"x", "clipped"}, {"product"});
    b.Node(c.scale_op, {"product", "scale"}, {"y"});
    b.Output("y");
    const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "paddle_hswish.onnx"), {}, nullptr);
    const schema::ModelT m = Unpack(bytes);
    if (c.fused) {
      ASSERT_EQ(m.operators.size(), 1u);
      EXPECT_EQ(m.operators[0]->opcode, schema::OpCode_HARD_SWISH);
    } else {
      EXPECT_GT(m.operators.size(), 1u);
      for (const auto& op : m.operators) EXPECT_NE(op->opcode, schema::OpCode_HARD_SWISH);
    }
    std::vector<float> x(12);
    for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i) * 0.75f - 4.5f;
    const auto y = RunFirstOutput(bytes, x);
    ASSERT_EQ(y.size(), x.size());
    for (int i = 0; i < 12; ++i) {
      EXPECT_NEAR(y[i], x[i] * std::min(std::max(x[i] + 3.0f, 0.0f), c.clip_max) / 6.0f, 1e-5f) << "x = " << x[i];
    }
  }
}
// The GELU that PyTorch exports (x / sqrt(2), Erf, + 1, * x, * 0.5), and the
// forms with x * (1 / sqrt(2)) and with 0.5 applied to x first, become one
// GELU op with GELU's values; with another constant (here 0.6 instead of
// 0.5) the ops stay as written.
TEST(Converter, ExportedGeluBecomesOneOp) {
  struct Case {
    const char* scale_op;
    float scale, half;
    bool half_first, fused;
  };
  for (const Case c : {Case{"Div", std::sqrt(2.0f), 0.5f, false, true}, Case{"Mul", 1.0f / std::sqrt(2.0f), 0.5f, true, true},
                       Case{"Div", std::sqrt(2.0f), 0.6f, false, false}}) {
    SCOPED_TRACE(std::string(c.scale_op) + (c.half_first ? ", half first" : "") + ", half " + std::to_string(c.half));
    OnnxBuilder b;
    b.Input("x", {1, 16});
    b.Initializer("scale", {}, {c.scale});
    b.Initializer("one", {}, {1.0f});
    b.Initializer("half", {}, {c.half});
    b.Node(c.scale_op, {"x", "scale"}, {"scaled"});
    b.Node("Erf", {"scaled"}, {"erf"});
    b.Node("Add", {"one", "erf"}, {"shifted"});
    if (c.half_first) {
      b.Node("Mul", {"x", "half"}, {"halved"});
      b.Node("Mul", {"shifted", "halved"}, {"y"});
    } else {
      b.Node("Mul", {"x", "shifted"}, {"product"});
      b.Node("Mul", {"product", "half"}, {"y"});
    }
    b.Output("y");
    const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "gelu.onnx"), {}, nullptr);
    const schema::ModelT m = Unpack(bytes);
    if (c.fused) {
      ASSERT_EQ(m.operators.size(), 1u);
      EXPECT_EQ(m.operators[0]->opcode, schema::OpCode_GELU);
    } else {
      EXPECT_GT(m.operators.size(), 1u);
      for (const auto& op : m.operators) EXPECT_NE(op->opcode, schema::OpCode_GELU);
    }
    std::vector<float> x(16);
    for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i) * 0.5f - 4.0f;
    const auto y = RunFirstOutput(bytes, x);
    ASSERT_EQ(y.size(), x.size());
    for (int i = 0; i < 16; ++i) {
      EXPECT_NEAR(y[i], c.half * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0))), 1e-5) << "x = " << x[i];
    }
  }
}

// 1-D Conv and MaxPool ([N, C, L]) run as 2-D ones on [N, C, 1, L]: the
// same result as the 2-D model written out by hand (whose ops the ONNX
// conformance data checks), and no Transpose between the 1-D layers (the
// Squeeze/Unsqueeze around each keep the NHWC bytes).
TEST(Converter, OneDimensionalWindowsRunAsTwoDimensionalOnes) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Random random(seed);
  const std::vector<float> w1 = random.Floats(8 * 3 * 3), b1 = random.Floats(8), w2 = random.Floats(4 * 8);
  auto build = [&](bool two_d) {
    OnnxBuilder b;
    auto dims = [&](std::vector<int64_t> d) {
      if (two_d) d.insert(d.begin() + 2, 1);
      return d;
    };
    auto window = [&](std::vector<int64_t> v, bool pads) {
      if (!two_d) return v;
      return pads ? std::vector<int64_t>{0, v[0], 0, v[1]} : std::vector<int64_t>{1, v[0]};
    };
    b.Input("x", dims({1, 3, 20}));
    b.Initializer("w1", dims({8, 3, 3}), w1);
    b.Initializer("b1", {8}, b1);
    b.Initializer("w2", dims({4, 8, 1}), w2);
    auto* c1 = b.Node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
    OnnxBuilder::IntsAttr(c1, "pads", window({1, 2}, true));
    OnnxBuilder::IntsAttr(c1, "strides", window({2}, false));
    OnnxBuilder::IntsAttr(c1, "dilations", window({2}, false));
    b.Node("Relu", {"c1"}, {"r1"}, "relu1");
    b.Node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
    auto* pool = b.Node("MaxPool", {"c2"}, {"y"}, "pool");
    OnnxBuilder::IntsAttr(pool, "kernel_shape", window({2}, false));
    OnnxBuilder::IntsAttr(pool, "strides", window({2}, false));
    b.Output("y");
    return converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, two_d ? "conv2d.onnx" : "conv1d.onnx"), {}, nullptr);
  };
  const auto one = build(false), two = build(true);
  const std::vector<float> input = random.Floats(60);
  EXPECT_EQ(RunFirstOutput(one, input), RunFirstOutput(two, input));
  const schema::ModelT m = Unpack(one);
  int transposes = 0;
  for (const auto& op : m.operators) transposes += op->opcode == schema::OpCode_TRANSPOSE;
  EXPECT_LE(transposes, 2) << "the graph input and output need one each at most";
}

// Trilu with a constant k: the triangle ONNX defines (j - i <= k kept for
// the lower one), of the last two dimensions, through the converter.
TEST(Converter, TriluKeepsTheTriangleItsConstantKNames) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int64_t k : {-1, 0, 2}) {
    OnnxBuilder b;
    b.Opset(14);
    b.Input("x", {2, 3, 4});
    b.IntInitializer("k", {k});
    OnnxBuilder::IntAttr(b.Node("Trilu", {"x", "k"}, {"y"}, "tril"), "upper", 0);
    b.Output("y");
    const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "trilu.onnx"), {}, nullptr);
    const std::vector<float> x = Random(seed).Floats(24);
    const std::vector<float> y = RunFirstOutput(bytes, x);
    ASSERT_EQ(y.size(), 24u);
    for (int e = 0; e < 24; ++e) {
      const int i = (e / 4) % 3, j = e % 4;
      EXPECT_EQ(y[e], j - i <= k ? x[e] : 0.0f) << "k " << k << ", element " << e;
    }
  }
}

// Edge and reflect Pad of H and W after a Conv (so the pad runs on NHWC
// bytes), against the padding written out: reflect mirrors without the edge
// element, edge repeats it.
TEST(Converter, EdgeAndReflectPadAfterAConv) {
  for (const char* mode : {"reflect", "edge"}) {
    SCOPED_TRACE(mode);
    OnnxBuilder b;
    b.Input("x", {1, 2, 3, 4});
    b.Initializer("w", {2, 2, 1, 1}, {1, 0, 0, 1});  // the identity on channels
    b.Node("Conv", {"x", "w"}, {"c"});
    auto* pad = b.Node("Pad", {"c"}, {"y"});
    OnnxBuilder::IntsAttr(pad, "pads", {0, 0, 2, 1, 0, 0, 1, 3});  // H: 2 before, 1 after; W: 1 before, 3 after
    auto* a = pad->add_attribute();
    a->set_name("mode");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(mode);
    b.Output("y");
    b.Opset(10);  // pads as an attribute
    const auto bytes = converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, std::string(mode) + "_pad.onnx"), {}, nullptr);
    std::vector<float> x(24);
    for (int i = 0; i < 24; ++i) x[i] = static_cast<float>(i);
    const auto source = [&](int i, int n, int before) {
      int k = i - before;
      if (std::string(mode) == "edge") return std::min(std::max(k, 0), n - 1);
      if (k < 0) k = -k;
      if (k >= n) k = 2 * (n - 1) - k;
      return k;
    };
    std::vector<double> expected;
    for (int c = 0; c < 2; ++c)
      for (int h = 0; h < 6; ++h)
        for (int w = 0; w < 8; ++w) expected.push_back(x[(c * 3 + source(h, 3, 2)) * 4 + source(w, 4, 1)]);
    ExpectNearAll(RunFirstOutput(bytes, x), expected, 0.0);
  }
}

// What the recurrent unrolling cannot do is refused naming the node and the
// reason: lengths known only at run time, an activation with no ONNX op,
// weights that do not match hidden_size.
TEST(Converter, RecurrentOpsRefuseWhatTheyCannotUnroll) {
  struct Case {
    const char* what;
    bool lengths, affine, wrong_weights;
    const char* message;
  };
  for (const Case c : {Case{"sequence_lens as an input", true, false, false, "sequence_lens must be a constant"},
                       Case{"Affine", false, true, false, "activation Affine is not supported"},
                       Case{"W for another hidden size", false, false, true, "W has shape [1,16,3], expected [1,12,3]"}}) {
    SCOPED_TRACE(c.what);
    OnnxBuilder b;
    b.Input("x", {5, 2, 3});
    b.Initializer("W", {1, c.wrong_weights ? 16 : 12, 3}, std::vector<float>(c.wrong_weights ? 48 : 36, 0.1f));
    b.Initializer("R", {1, 12, 4}, std::vector<float>(48, 0.1f));
    std::vector<std::string> inputs = {"x", "W", "R"};
    if (c.lengths) {
      b.Input("lengths", {2}, onnx::TensorProto::INT32);
      inputs.insert(inputs.end(), {"", "lengths"});
    }
    auto* gru = b.Node("GRU", inputs, {"y"}, "gru");
    OnnxBuilder::IntAttr(gru, "hidden_size", 4);
    if (c.affine) {
      auto* a = gru->add_attribute();
      a->set_name("activations");
      a->set_type(onnx::AttributeProto::STRINGS);
      a->add_strings("Sigmoid");
      a->add_strings("Affine");
    }
    b.Output("y");
    try {
      converter::ConvertOnnxBytes(b.Bytes(), {}, nullptr);
      ADD_FAILURE() << "converted";
    } catch (const converter::ConversionError& e) {
      EXPECT_NE(std::string(e.what()).find("node 'gru' (GRU)"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

// A 0-d C scaled by beta stays 0-d (the mutation test found beta as a [1]
// constant making the product [1], which the runtime refused).
TEST(Converter, GemmScalesAZeroDimensionalBiasInput) {
  OnnxBuilder b;
  b.Input("a", {2, 3});
  b.Input("c", {});
  b.Initializer("w", {3, 2}, {1, 2, 3, 4, 5, 6});
  OnnxBuilder::FloatAttr(b.Node("Gemm", {"a", "w", "c"}, {"y"}, "gemm"), "beta", 0.5f);
  b.Output("y");
  const AlignedBytes model(converter::ConvertOnnxBytes(b.Bytes(), {}, nullptr));
  ModelHandle m;
  ASSERT_EQ(m.Load(model.data(), model.size()), KITE_OK) << m.error();
  InterpreterHandle it;
  ASSERT_EQ(it.Create(m, nullptr, 0), KITE_OK) << it.error();
  ASSERT_EQ(it.Prepare(), KITE_OK) << it.error();
  const float a[6] = {1, 0, 2, -1, 1, 0}, c = 10.0f;
  ASSERT_EQ(it.SetInput(0, a, sizeof a), KITE_OK) << it.error();
  ASSERT_EQ(it.SetInput(1, &c, sizeof c), KITE_OK) << it.error();
  ASSERT_EQ(it.Invoke(), KITE_OK) << it.error();
  float y[4];
  ASSERT_EQ(it.GetOutput(0, y, sizeof y), KITE_OK) << it.error();
  // Rows of a times w: [1*1 + 2*5, 1*2 + 2*6] = [11, 14]; [-1*1 + 1*3, -1*2 + 1*4] = [2, 2]; plus 0.5 * 10.
  const float expected[4] = {16, 19, 7, 7};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
}

// A Tile of constants folds to the shape its rule infers (the fold read the
// output's shape before any rule had set it: a declared one, or none).
TEST(Converter, TileOfAConstantFoldsToItsInferredShape) {
  OnnxBuilder b;
  b.Input("x", {2, 4});
  b.Initializer("c", {1, 2}, {1.0f, 2.0f});
  b.IntInitializer("repeats", {2, 2});
  b.Node("Tile", {"c", "repeats"}, {"t"}, "tile");
  b.Node("Add", {"x", "t"}, {"y"}, "add");
  b.Output("y");
  const auto y = RunFirstOutput(converter::ConvertOnnxBytes(b.Bytes(), {}, nullptr), std::vector<float>(8, 0.0f));
  EXPECT_EQ(y, std::vector<float>({1, 2, 1, 2, 1, 2, 1, 2}));
}

TEST(Converter, UnsupportedOperatorNamesNodeAndOp) {
  OnnxBuilder b;
  b.Input("x", {1, 8});
  b.Node("Relu", {"x"}, {"r"});
  b.Node("Unique", {"r"}, {"y"}, "my_unique_node");  // a data-dependent shape
  b.Output("y");
  try {
    converter::ConvertOnnx(b.Save(KITE_TEST_WORK_DIR, "unique.onnx"), {}, nullptr);
    FAIL() << "conversion should fail";
  } catch (const converter::ConversionError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("my_unique_node"), std::string::npos) << what;
    EXPECT_NE(what.find("Unique"), std::string::npos) << what;
  }
}

TEST(Converter, DynamicInputNeedsAShape) {
  OnnxBuilder b;
  b.Input("x", {-1, 8});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  const std::string path = b.Save(KITE_TEST_WORK_DIR, "dynamic.onnx");
  try {
    converter::ConvertOnnx(path, {}, nullptr);
    FAIL() << "conversion should fail";
  } catch (const converter::ConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("--input-shape x:"), std::string::npos) << e.what();
  }
  converter::ConvertOptions options;
  options.import.input_shapes["x"] = {3, 8};
  const schema::ModelT m = Unpack(converter::ConvertOnnx(path, options, nullptr));
  EXPECT_EQ(m.tensors[m.inputs[0]->tensor]->shape, (std::vector<int32_t>{3, 8}));
}

TEST(Converter, FailedConversionLeavesNoFile) {
  OnnxBuilder b;
  b.Input("x", {1, 8});
  b.Node("Unique", {"x"}, {"y"});
  b.Output("y");
  const std::string out = std::string(KITE_TEST_WORK_DIR) + "/never.kite";
  std::remove(out.c_str());
  EXPECT_THROW(converter::ConvertOnnxFile(b.Save(KITE_TEST_WORK_DIR, "never.onnx"), out, {}), converter::ConversionError);
  EXPECT_EQ(std::fopen(out.c_str(), "rb"), nullptr);
  EXPECT_EQ(std::fopen((out + ".tmp").c_str(), "rb"), nullptr);
}

TEST(Converter, NotAnOnnxFile) {
  const std::string path = std::string(KITE_TEST_WORK_DIR) + "/garbage.onnx";
  std::ofstream(path) << "this is not a protobuf";
  EXPECT_THROW(converter::ConvertOnnx(path, {}, nullptr), converter::ConversionError);
}

}  // namespace
}  // namespace testing
}  // namespace kite

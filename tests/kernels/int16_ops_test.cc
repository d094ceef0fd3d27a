// The 16x8 scheme beyond Conv2D's shapes (conv2d_test.cc): FullyConnected,
// ConvTranspose2D, int16 weights (16x16), an accumulator that int32 could not hold,
// Quantize/Dequantize to and from int16, Add and Mul, the ops
// that move int16 values, and the refusals (an op without a 16x8 kernel, an
// int16 tensor with a zero point).
#include <cmath>
#include <cstdint>

#include "kernels/int8/ukernels.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

std::vector<int16_t> RandomInt16s(Random& rng, size_t n) {
  std::vector<int16_t> v(n);
  for (int16_t& x : v) x = static_cast<int16_t>(rng.Int(-32768, 32767));
  return v;
}

void ExpectEqualInt16(const std::vector<int16_t>& actual, const std::vector<int16_t>& expected);

// Every dense 16x8 kernel (RunDense16x8) on input x gives `expected` and
// reports the kernel it should; `op` names the reference and portable ones.
void ExpectEveryDenseRun(const AlignedBytes& model, const std::vector<int16_t>& x, const std::string& op,
                         const std::vector<int16_t>& expected) {
  for (const Int16x8Run& run : RunDense16x8(model, {AsBytes(x)}, "reference/" + op, "optimized/" + op)) {
    SCOPED_TRACE("variant " + run.variant);
    ASSERT_EQ(run.result.status, KITE_OK) << run.result.error;
    EXPECT_EQ(run.result.kernels[0], run.expected_kernel);
    ExpectEqualInt16(FromBytes<int16_t>(run.result.outputs[0]), expected);
  }
}

void ExpectEqualInt16(const std::vector<int16_t>& actual, const std::vector<int16_t>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  int mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (actual[i] != expected[i] && mismatches++ < 5) ADD_FAILURE() << "element " << i << ": " << actual[i] << " vs " << expected[i];
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Int16x8, FullyConnectedPerChannel) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int rows = 6, in_c = 97, out_c = 10;  // odd: the rows are copied into whole pairs
  const auto x = RandomInt16s(rng, rows * in_c);
  const auto w = rng.Int8s(out_c * in_c, -127, 127);
  const auto b32 = rng.Int32s(out_c, -3000000, 3000000);
  std::vector<int64_t> b(b32.begin(), b32.end());
  b[0] = int64_t{3} << 32;  // beyond int32: the bias is int64 in 16x8
  std::vector<float> ws(out_c);
  for (float& s : ws) s = rng.Uniform(0.003f, 0.01f);
  const float si = 1e-4f, so = 2e-3f;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {2, 3, in_c}, PerTensor(si, 0));
  const int wt = mb.Constant("w", schema::DataType_INT8, {out_c, in_c}, w, Quant{ws, std::vector<int64_t>(ws.size(), 0), 0});
  const int bt = mb.Constant("b", schema::DataType_INT64, {out_c}, b);
  const int out = mb.Tensor("y", schema::DataType_INT16, {2, 3, out_c}, PerTensor(so, 0));
  mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt, bt}, {out});
  mb.Output(out);
  std::vector<int16_t> expected;
  for (int row = 0; row < rows; ++row) {
    for (int o = 0; o < out_c; ++o) {
      int64_t acc = b[o];
      for (int k = 0; k < in_c; ++k) acc += int64_t{x[row * in_c + k]} * w[o * in_c + k];
      expected.push_back(SpecRoundToInt16(static_cast<float>(acc) * (si * ws[o] / so)));
    }
  }
  ExpectEveryDenseRun(mb.Build(), x, "fully_connected_16x8", expected);
}

// ConvTranspose2D against a scatter of every input pixel through every tap
// (the kernels gather), on every dense 16x8 kernel (8 output channels and
// more; fewer run the reference): stride 2, kernel 3,
// padding 1, output padding 1 (taps that reach no input), and a 2x2 kernel
// of stride 2 (a segmentation head's upsampling) with 40 input channels.
TEST(Int16x8, ConvTranspose2D) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  struct Geometry {
    int in_h, in_w, in_c, out_c, k, stride, pad, output_pad;
  };
  for (const Geometry g : {Geometry{4, 5, 6, 9, 3, 2, 1, 1}, Geometry{3, 4, 40, 17, 2, 2, 0, 0}}) {
    SCOPED_TRACE("kernel " + std::to_string(g.k) + ", " + std::to_string(g.in_c) + " input channels");
    const int out_h = (g.in_h - 1) * g.stride - 2 * g.pad + g.k + g.output_pad;
    const int out_w = (g.in_w - 1) * g.stride - 2 * g.pad + g.k + g.output_pad;
    const auto x = RandomInt16s(rng, g.in_h * g.in_w * g.in_c);
    const auto w = rng.Int8s(g.out_c * g.k * g.k * g.in_c, -127, 127);
    const auto b32 = rng.Int32s(g.out_c, -500000, 500000);
    const std::vector<int64_t> b(b32.begin(), b32.end());
    const float si = 1e-4f, ws = 0.01f, so = 2e-3f;
    ModelBuilder mb;
    const int in = mb.Input("x", schema::DataType_INT16, {1, g.in_h, g.in_w, g.in_c}, PerTensor(si, 0));
    const int wt = mb.Constant("w", schema::DataType_INT8, {g.out_c, g.k, g.k, g.in_c}, w, PerTensor(ws, 0));
    const int bt = mb.Constant("b", schema::DataType_INT64, {g.out_c}, b);
    const int out = mb.Tensor("y", schema::DataType_INT16, {1, out_h, out_w, g.out_c}, PerTensor(so, 0));
    schema::ConvTranspose2DOptionsT o;
    o.stride_h = o.stride_w = g.stride;
    o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = g.pad;
    o.output_padding_h = o.output_padding_w = g.output_pad;
    mb.Op(schema::OpCode_CONV_TRANSPOSE_2D, {in, wt, bt}, {out}, o);
    mb.Output(out);
    std::vector<int64_t> acc(out_h * out_w * g.out_c);
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) acc[(oy * out_w + ox) * g.out_c + oc] = b[oc];
    for (int iy = 0; iy < g.in_h; ++iy)
      for (int ix = 0; ix < g.in_w; ++ix)
        for (int ky = 0; ky < g.k; ++ky)
          for (int kx = 0; kx < g.k; ++kx) {
            const int oy = iy * g.stride - g.pad + ky, ox = ix * g.stride - g.pad + kx;
            if (oy < 0 || oy >= out_h || ox < 0 || ox >= out_w) continue;
            for (int oc = 0; oc < g.out_c; ++oc)
              for (int ic = 0; ic < g.in_c; ++ic)
                acc[(oy * out_w + ox) * g.out_c + oc] +=
                    int64_t{x[(iy * g.in_w + ix) * g.in_c + ic]} * w[((oc * g.k + ky) * g.k + kx) * g.in_c + ic];
          }
    std::vector<int16_t> expected;
    for (int64_t a : acc) expected.push_back(SpecRoundToInt16(static_cast<float>(a) * (si * ws / so)));
    ExpectEveryDenseRun(mb.Build(), x, "conv_transpose2d_16x8", expected);
  }
}

// A transposed conv whose kernel is its stride (no padding) runs as a 1x1
// conv of kh * kw * out_c outputs wherever there is a 16x8 GEMM, with any
// number of output channels (PP-OCR det's head: 24 -> 1, 2x2, stride 2);
// the portable kernels run the reference below 8. Odd input channels are
// copied into whole pairs; per-channel weight scales and a bias beyond int32
// take the finish's other paths. Against the scatter, on every kernel.
TEST(Int16x8, ConvTranspose2DKernelEqualToStride) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  struct Geometry {
    int in_h, in_w, in_c, out_c, k;
    bool wide_bias;
  };
  for (const Geometry g : {Geometry{5, 7, 24, 1, 2, false}, Geometry{3, 4, 7, 20, 2, false}, Geometry{4, 3, 10, 3, 3, true}}) {
    SCOPED_TRACE(std::to_string(g.in_c) + " -> " + std::to_string(g.out_c) + " channels, kernel and stride " + std::to_string(g.k));
    const int out_h = g.in_h * g.k, out_w = g.in_w * g.k;
    const auto x = RandomInt16s(rng, g.in_h * g.in_w * g.in_c);
    const auto w = rng.Int8s(g.out_c * g.k * g.k * g.in_c, -127, 127);
    const auto b32 = rng.Int32s(g.out_c, -500000, 500000);
    std::vector<int64_t> b(b32.begin(), b32.end());
    if (g.wide_bias) b[0] = int64_t{5} << 33;
    std::vector<float> ws(g.out_c);
    for (float& v : ws) v = rng.Uniform(0.003f, 0.01f);
    const float si = 1e-4f, so = 2e-3f;
    ModelBuilder mb;
    const int in = mb.Input("x", schema::DataType_INT16, {1, g.in_h, g.in_w, g.in_c}, PerTensor(si, 0));
    const int wt = mb.Constant("w", schema::DataType_INT8, {g.out_c, g.k, g.k, g.in_c}, w,
                               Quant{ws, std::vector<int64_t>(ws.size(), 0), 0});
    const int bt = mb.Constant("b", schema::DataType_INT64, {g.out_c}, b);
    const int out = mb.Tensor("y", schema::DataType_INT16, {1, out_h, out_w, g.out_c}, PerTensor(so, 0));
    schema::ConvTranspose2DOptionsT o;
    o.stride_h = o.stride_w = g.k;
    mb.Op(schema::OpCode_CONV_TRANSPOSE_2D, {in, wt, bt}, {out}, o);
    mb.Output(out);
    std::vector<int16_t> expected(out_h * out_w * g.out_c);
    for (int iy = 0; iy < g.in_h; ++iy)
      for (int ix = 0; ix < g.in_w; ++ix)
        for (int ky = 0; ky < g.k; ++ky)
          for (int kx = 0; kx < g.k; ++kx)
            for (int oc = 0; oc < g.out_c; ++oc) {
              int64_t acc = b[oc];
              for (int ic = 0; ic < g.in_c; ++ic)
                acc += int64_t{x[(iy * g.in_w + ix) * g.in_c + ic]} * w[((oc * g.k + ky) * g.k + kx) * g.in_c + ic];
              expected[((iy * g.k + ky) * out_w + ix * g.k + kx) * g.out_c + oc] =
                  SpecRoundToInt16(static_cast<float>(acc) * (si * ws[oc] / so));
            }
    for (const Int16x8Run& run : RunDense16x8(mb.Build(), {AsBytes(x)}, "reference/conv_transpose2d_16x8",
                                              "optimized/conv_transpose2d_16x8")) {
      SCOPED_TRACE("variant " + run.variant);
      ASSERT_EQ(run.result.status, KITE_OK) << run.result.error;
      const bool portable_reference = g.out_c < 8 && run.expected_kernel == "optimized/conv_transpose2d_16x8";
      EXPECT_EQ(run.result.kernels[0], portable_reference ? "reference/conv_transpose2d_16x8" : run.expected_kernel);
      ExpectEqualInt16(FromBytes<int16_t>(run.result.outputs[0]), expected);
    }
  }
}

// 3x3 taps over 64 channels of 32767 * 127 sum to 2.4e9 > 2^31: an int32
// accumulator would wrap to a negative value; int64 gives the true sum.
TEST(Int16x8, AccumulatorBeyondInt32) {
  const int c = 64, out_c = 2;
  std::vector<int16_t> x(3 * 3 * c, 32767);
  std::vector<int8_t> w(out_c * 3 * 3 * c, 127);
  for (size_t i = w.size() / 2; i < w.size(); ++i) w[i] = -127;  // channel 1: the negative sum
  const float si = 1e-4f, ws = 1e-2f, so = 1.0f;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {1, 3, 3, c}, PerTensor(si, 0));
  const int wt = mb.Constant("w", schema::DataType_INT8, {out_c, 3, 3, c}, w, PerTensor(ws, 0));
  const int out = mb.Tensor("y", schema::DataType_INT16, {1, 1, 1, out_c}, PerTensor(so, 0));
  schema::Conv2DOptionsT o;
  mb.Op(schema::OpCode_CONV_2D, {in, wt}, {out}, o);
  mb.Output(out);
  const int64_t acc = int64_t{9} * c * 32767 * 127;
  ASSERT_GT(acc, int64_t{INT32_MAX});
  const int16_t expected = SpecRoundToInt16(static_cast<float>(acc) * (si * ws / so));
  ExpectEveryDenseRun(mb.Build(), x, "conv2d_16x8", {expected, static_cast<int16_t>(-expected)});
}

// A 16x16 op (int16 weights) with `largest` the weights' largest magnitude:
// one-group ops run the variant's SIMD 16x16 GEMM where it has one, the
// reference elsewhere; depthwise ones Kite's loops where `taps` sums of
// products fit int32.
std::string Expected16x16Kernel(const int8::Ukernels* v, const std::string& op, bool depthwise, int taps, int largest) {
  if (depthwise) {
    return int64_t{taps} * 32768 * largest <= INT32_MAX ? "optimized/depthwise_conv2d_16x16" : "reference/conv2d_16x16";
  }
  return v->gemm16x16 != nullptr ? std::string(v->gemm16x16_name) : "reference/" + op + "_16x16";
}

// 16x16: Conv2D (one group and depthwise), FullyConnected and
// ConvTranspose2D with int16 weights against the definition (int64 sums of
// int16 x int16 products, the 16x8 finish), on every kernel: weights of 12
// bits (the converter's: 16 pairs per int32 sum, so the 1x1 conv's 200
// channels and the 3x3 conv's 63 taps take several), and over the whole
// range (one pair per sum; depthwise then runs the reference). Inputs at
// the extremes of int16 in a third of the draws.
TEST(Int16x16, ConvsAndFullyConnectedTakeInt16Weights) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int h = 5, w_ = 6, c = 7;
  const float si = 1e-4f, so = 16.0f;
  struct Case {
    const char* name;
    schema::OpCode op;
    int in_c, out_c, groups, k;
  };
  for (const int largest : {2047, 32767}) {
    for (const Case& t : {Case{"conv2d", schema::OpCode_CONV_2D, c, 20, 1, 3}, Case{"conv2d", schema::OpCode_CONV_2D, 200, 3, 1, 1},
                          Case{"conv2d", schema::OpCode_CONV_2D, c, c, c, 3},
                          Case{"conv_transpose2d", schema::OpCode_CONV_TRANSPOSE_2D, c, 5, 1, 3},
                          Case{"fully_connected", schema::OpCode_FULLY_CONNECTED, 40, 9, 1, 1}}) {
      const bool fc = t.op == schema::OpCode_FULLY_CONNECTED, depthwise = t.groups > 1;
      SCOPED_TRACE(std::string(t.name) + (depthwise ? " depthwise" : "") + ", " + std::to_string(t.in_c) +
                   " input channels, weights up to " + std::to_string(largest));
      const int group_in = t.in_c / t.groups, taps = t.k * t.k * group_in, pad = t.k / 2;
      std::vector<int16_t> x = RandomInt16s(rng, static_cast<size_t>(h) * w_ * t.in_c);
      if (rng.Int(0, 2) == 0) {
        for (int16_t& v : x) v = v < 0 ? int16_t{-32768} : int16_t{32767};
      }
      std::vector<int16_t> w(static_cast<size_t>(t.out_c) * taps);
      for (int16_t& v : w) v = static_cast<int16_t>(rng.Int(-largest, largest));
      w[0] = static_cast<int16_t>(-largest);
      std::vector<float> ws(t.out_c);
      for (float& v : ws) v = rng.Uniform(1e-5f, 1e-4f);
      const auto b32 = rng.Int32s(t.out_c, -3000000, 3000000);
      std::vector<int64_t> b(b32.begin(), b32.end());
      b[0] = int64_t{5} << 33;
      ModelBuilder mb;
      const std::vector<int32_t> x_shape = fc ? std::vector<int32_t>{h * w_, t.in_c} : std::vector<int32_t>{1, h, w_, t.in_c};
      const int in = mb.Input("x", schema::DataType_INT16, x_shape, PerTensor(si, 0));
      const std::vector<int32_t> w_shape =
          fc ? std::vector<int32_t>{t.out_c, t.in_c} : std::vector<int32_t>{t.out_c, t.k, t.k, group_in};
      const int wt = mb.Constant("w", schema::DataType_INT16, w_shape, w, Quant{ws, std::vector<int64_t>(ws.size(), 0), 0});
      const int bt = mb.Constant("b", schema::DataType_INT64, {t.out_c}, b);
      const std::vector<int32_t> y_shape = fc ? std::vector<int32_t>{h * w_, t.out_c} : std::vector<int32_t>{1, h, w_, t.out_c};
      const int out = mb.Tensor("y", schema::DataType_INT16, y_shape, PerTensor(so, 0));
      // Stride 1, padding k / 2: the output keeps the input's height and
      // width (the transposed conv's taps gather from oy + pad - ky).
      if (t.op == schema::OpCode_CONV_2D) {
        schema::Conv2DOptionsT o;
        o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = pad;
        o.groups = t.groups;
        mb.Op(t.op, {in, wt, bt}, {out}, o);
      } else if (t.op == schema::OpCode_CONV_TRANSPOSE_2D) {
        schema::ConvTranspose2DOptionsT o;
        o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = pad;
        mb.Op(t.op, {in, wt, bt}, {out}, o);
      } else {
        mb.Op(t.op, {in, wt, bt}, {out});
      }
      mb.Output(out);
      std::vector<int16_t> expected;
      for (int p = 0; p < h * w_; ++p) {
        const int oy = p / w_, ox = p % w_;
        for (int oc = 0; oc < t.out_c; ++oc) {
          int64_t acc = b[oc];
          const int g = oc / (t.out_c / t.groups);
          for (int ky = 0; ky < t.k; ++ky) {
            for (int kx = 0; kx < t.k; ++kx) {
              const bool transposed = t.op == schema::OpCode_CONV_TRANSPOSE_2D;
              const int iy = transposed ? oy + pad - ky : oy - pad + ky, ix = transposed ? ox + pad - kx : ox - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w_) continue;
              for (int i = 0; i < group_in; ++i) {
                acc += int64_t{x[(iy * w_ + ix) * t.in_c + g * group_in + i]} * w[((oc * t.k + ky) * t.k + kx) * group_in + i];
              }
            }
          }
          expected.push_back(SpecRoundToInt16(static_cast<float>(acc) * (si * ws[oc] / so)));
        }
      }
      const auto runs = RunEveryInt8Variant(mb.Build(), {AsBytes(x)}, "reference/" + std::string(t.name) + "_16x16",
                                            [&](const int8::Ukernels* v) {
                                              return Expected16x16Kernel(v, t.name, depthwise, t.k * t.k, largest);
                                            });
      for (const Int16x8Run& run : runs) {
        SCOPED_TRACE("variant " + run.variant);
        ASSERT_EQ(run.result.status, KITE_OK) << run.result.error;
        EXPECT_EQ(run.result.kernels[0], run.expected_kernel);
        ExpectEqualInt16(FromBytes<int16_t>(run.result.outputs[0]), expected);
      }
    }
  }
}

// 16x16 at the limits: every product 2^15 x 2047 of one sign, 1000 of them
// in a row (6.7e10): the GEMM's int32 sums of 16 pairs (2.15e9) just fit,
// one pair more would wrap.
TEST(Int16x16, LongRowAtTheLimitsSumsExactly) {
  const int in_c = 1000, out_c = 2;
  const std::vector<int16_t> x(2 * in_c, -32768);
  std::vector<int16_t> w(out_c * in_c, -2047);
  for (int i = in_c; i < out_c * in_c; ++i) w[i] = 2047;
  const float si = 1e-4f, ws = 1e-4f, so = 1e-1f;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {2, in_c}, PerTensor(si, 0));
  const int wt = mb.Constant("w", schema::DataType_INT16, {out_c, in_c}, w, PerTensor(ws, 0));
  const int out = mb.Tensor("y", schema::DataType_INT16, {2, out_c}, PerTensor(so, 0));
  mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt}, {out});
  mb.Output(out);
  const int64_t acc = int64_t{in_c} * 32768 * 2047;
  const int16_t expected = SpecRoundToInt16(static_cast<float>(acc) * (si * ws / so));
  ASSERT_GT(expected, 0);
  ASSERT_LT(expected, 32767) << "the output should not clamp";
  const auto runs = RunEveryInt8Variant(mb.Build(), {AsBytes(x)}, "reference/fully_connected_16x16",
                                        [](const int8::Ukernels* v) { return Expected16x16Kernel(v, "fully_connected", false, 0, 2047); });
  for (const Int16x8Run& run : runs) {
    SCOPED_TRACE("variant " + run.variant);
    ASSERT_EQ(run.result.status, KITE_OK) << run.result.error;
    EXPECT_EQ(run.result.kernels[0], run.expected_kernel);
    ExpectEqualInt16(FromBytes<int16_t>(run.result.outputs[0]), {expected, static_cast<int16_t>(-expected), expected,
                                                                   static_cast<int16_t>(-expected)});
  }
}

// 1200 inputs at the extremes of int16 and int8 in one row: beyond int32
// (1200 x 32767 x 127 = 5.0e9), and past the optimized kernels' int32
// pieces (511 terms; the SIMD GEMMs' 255 pairs), whose worst case, every
// product 32768 x 128 (row 3), just fits.
TEST(Int16x8, LongRowAtTheLimitsSumsExactly) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int in_c = 1200, out_c = 4;
  std::vector<int16_t> x(in_c);
  for (int16_t& v : x) v = rng.Int(0, 1) != 0 ? 32767 : -32768;
  std::vector<int8_t> w(out_c * in_c);
  for (int k = 0; k < in_c; ++k) {
    w[k] = x[k] > 0 ? 127 : -127;          // every product positive and maximal
    w[in_c + k] = x[k] > 0 ? -127 : 127;   // every product negative
    w[2 * in_c + k] = static_cast<int8_t>(rng.Int(-127, 127));
    w[3 * in_c + k] = x[k] > 0 ? 127 : -128;  // an int8 weight the converter never writes, but a file may hold
  }
  const float si = 1e-4f, ws = 1e-2f, so = 10.0f;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {1, in_c}, PerTensor(si, 0));
  const int wt = mb.Constant("w", schema::DataType_INT8, {out_c, in_c}, w, PerTensor(ws, 0));
  const int out = mb.Tensor("y", schema::DataType_INT16, {1, out_c}, PerTensor(so, 0));
  mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt}, {out});
  mb.Output(out);
  std::vector<int16_t> expected;
  for (int o = 0; o < out_c; ++o) {
    int64_t acc = 0;
    for (int k = 0; k < in_c; ++k) acc += int64_t{x[k]} * w[o * in_c + k];
    if (o == 0) EXPECT_GT(acc, int64_t{INT32_MAX});
    expected.push_back(SpecRoundToInt16(static_cast<float>(acc) * (si * ws / so)));
  }
  ExpectEveryDenseRun(mb.Build(), x, "fully_connected_16x8", expected);
}

// A hostile bias at the int64 limit wraps (two's complement, as int8's
// int32 bias does) instead of overflowing: a defined result, no UB.
TEST(Int16x8, BiasAtTheInt64LimitWraps) {
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {1, 1}, PerTensor(1.0f, 0));
  const int wt = mb.Constant("w", schema::DataType_INT8, {1, 1}, std::vector<int8_t>{127}, PerTensor(1.0f, 0));
  const int bt = mb.Constant("b", schema::DataType_INT64, {1}, std::vector<int64_t>{INT64_MAX});
  const int out = mb.Tensor("y", schema::DataType_INT16, {1, 1}, PerTensor(1.0f, 0));
  mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt, bt}, {out});
  mb.Output(out);
  const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<int16_t>{32767})});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(FromBytes<int16_t>(r.outputs[0]), std::vector<int16_t>{-32768}) << "INT64_MAX + 32767 * 127 wraps negative";
}

// QuantizeLinear to int16 rounds half to even and saturates at -32768 and
// 32767; Dequantize multiplies back.
TEST(Int16x8, QuantizeDequantize) {
  const std::vector<float> in = {0.0f, 0.25f, 0.75f, -0.25f, -1.25f, 1e6f, -1e6f, 16383.5f, NAN};
  ModelBuilder mb;
  const int n = static_cast<int>(in.size());
  const int x = mb.Input("x", schema::DataType_FLOAT32, {n});
  const int q = mb.Tensor("q", schema::DataType_INT16, {n}, PerTensor(0.5f, 0));
  const int d = mb.Tensor("d", schema::DataType_FLOAT32, {n});
  mb.Op(schema::OpCode_QUANTIZE, {x}, {q});
  mb.Op(schema::OpCode_DEQUANTIZE, {q}, {d});
  mb.Output(q);
  mb.Output(d);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/quantize_int16" : "optimized/quantize_int16");
  // x / 0.5 = 0, 0.5, 1.5, -0.5, -2.5, 2e6, -2e6, 32767, NaN -> the minimum.
  const std::vector<int16_t> expected = {0, 0, 2, 0, -2, 32767, -32768, 32767, -32768};
  ExpectEqualInt16(FromBytes<int16_t>(r.outputs[0]), expected);
  std::vector<double> back;
  for (int16_t v : expected) back.push_back(0.5 * v);
  ExpectNearAll(FromBytes<float>(r.outputs[1]), back, 0);
}

// Transpose, Slice and Reshape move int16 elements (two bytes each).
TEST(Int16x8, MovesKeepElements) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = RandomInt16s(rng, 2 * 3 * 4);
  ModelBuilder mb;
  const Quant q = PerTensor(0.01f, 0);
  const int in = mb.Input("x", schema::DataType_INT16, {2, 3, 4}, q);
  const int t = mb.Tensor("t", schema::DataType_INT16, {4, 2, 3}, q);
  const int s = mb.Tensor("s", schema::DataType_INT16, {2, 2, 3}, q);
  const int y = mb.Tensor("y", schema::DataType_INT16, {12}, q);
  schema::TransposeOptionsT to;
  to.perm = {2, 0, 1};
  mb.Op(schema::OpCode_TRANSPOSE, {in}, {t}, to);
  schema::SliceOptionsT so;
  so.begin = {3, 0, 0};
  so.step = {-2, 1, 1};
  mb.Op(schema::OpCode_SLICE, {t}, {s}, so);
  mb.Op(schema::OpCode_RESHAPE, {s}, {y}, schema::ReshapeOptionsT());
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<int16_t> expected;
  for (int c : {3, 1})  // transposed dim 0 is x's channel; the slice takes 3 then 1
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expected.push_back(x[(i * 3 + j) * 4 + c]);
  ExpectEqualInt16(FromBytes<int16_t>(r.outputs[0]), expected);
}

// Add and Mul in int16 with a broadcast per-channel operand, as the affine
// blocks after PP-LCNet's activations are.
TEST(Int16x8, AddAndMulBroadcast) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int n = 6 * 5, c = 4;
  const auto x = RandomInt16s(rng, n * c), k = RandomInt16s(rng, c);
  const float sx = 3e-4f, sk = 2e-4f, sy = 1.2e-3f, sp = 1e-3f;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT16, {1, 6, 5, c}, PerTensor(sx, 0));
  const int kt = mb.Constant("k", schema::DataType_INT16, {c}, k, PerTensor(sk, 0));
  const int sum = mb.Tensor("sum", schema::DataType_INT16, {1, 6, 5, c}, PerTensor(sy, 0));
  const int prod = mb.Tensor("prod", schema::DataType_INT16, {1, 6, 5, c}, PerTensor(sp, 0));
  mb.Op(schema::OpCode_ADD, {in, kt}, {sum}, schema::BinaryOptionsT());
  mb.Op(schema::OpCode_MUL, {in, kt}, {prod}, schema::BinaryOptionsT());
  mb.Output(sum);
  mb.Output(prod);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/binary_int16" : "optimized/add_int16");
  std::vector<int16_t> want_sum, want_prod;
  for (int i = 0; i < n * c; ++i) {
    const int32_t a = x[i], b = k[i % c];
    want_sum.push_back(SpecRoundToInt16(static_cast<float>(a) * (sx / sy) + static_cast<float>(b) * (sk / sy)));
    want_prod.push_back(SpecRoundToInt16(static_cast<float>(a * b) * (sx * sk / sp)));
  }
  ExpectEqualInt16(FromBytes<int16_t>(r.outputs[0]), want_sum);
  ExpectEqualInt16(FromBytes<int16_t>(r.outputs[1]), want_prod);
}

// An op without a 16x8 kernel is refused at prepare, naming the reason,
// rather than run by a kernel that would read the int16 bytes as something
// else.
TEST(Int16x8, OpWithoutKernelIsRefused) {
  ModelBuilder mb;
  const Quant q = PerTensor(0.01f, 0);
  const int a = mb.Input("a", schema::DataType_INT16, {8}, q);
  const int b = mb.Input("b", schema::DataType_INT16, {8}, q);
  const int y = mb.Tensor("y", schema::DataType_INT16, {8}, q);
  mb.Op(schema::OpCode_DIV, {a, b}, {y}, schema::BinaryOptionsT());
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<int16_t>(8)), AsBytes(std::vector<int16_t>(8))});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("int16 (16x8) kernel"), std::string::npos) << r.error;
}

TEST(Int16x8, ZeroPointIsRefused) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {4});
  const int q = mb.Tensor("q", schema::DataType_INT16, {4}, PerTensor(0.5f, 3));
  mb.Op(schema::OpCode_QUANTIZE, {x}, {q});
  mb.Output(q);
  const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<float>(4))});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("int16 is symmetric"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

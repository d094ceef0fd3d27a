// ConvTranspose2D and FullyConnected against direct double-precision sums
// (float) and the quantization specification (int8).
#include <cmath>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

struct DeconvCase {
  int in_h, in_w, in_c, out_c, kernel, stride, pad, output_padding, groups;
  const char* name;
};

// gtest prints a parameter by name, not as bytes.
void PrintTo(const DeconvCase& c, std::ostream* os) { *os << c.name; }

class ConvTranspose2D : public ::testing::TestWithParam<DeconvCase> {
 protected:
  int out_size(int in) const {
    const DeconvCase& c = GetParam();
    return (in - 1) * c.stride - 2 * c.pad + c.kernel + c.output_padding;
  }
  // Scatter form of the definition, independent of the kernel's gather form.
  template <typename Acc, typename X, typename W, typename Fn>
  std::vector<Acc> Scatter(const std::vector<X>& x, const std::vector<W>& w, Fn product) const {
    const DeconvCase& c = GetParam();
    const int oh = out_size(c.in_h), ow = out_size(c.in_w), gi = c.in_c / c.groups, go = c.out_c / c.groups;
    std::vector<Acc> acc(static_cast<size_t>(oh) * ow * c.out_c, 0);
    for (int iy = 0; iy < c.in_h; ++iy)
      for (int ix = 0; ix < c.in_w; ++ix)
        for (int oc = 0; oc < c.out_c; ++oc)
          for (int ky = 0; ky < c.kernel; ++ky)
            for (int kx = 0; kx < c.kernel; ++kx) {
              const int oy = iy * c.stride - c.pad + ky, ox = ix * c.stride - c.pad + kx;
              if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
              for (int ic = 0; ic < gi; ++ic) {
                const int g = oc / go;
                acc[(static_cast<size_t>(oy) * ow + ox) * c.out_c + oc] +=
                    product(x[(static_cast<size_t>(iy) * c.in_w + ix) * c.in_c + g * gi + ic],
                            w[((static_cast<size_t>(oc) * c.kernel + ky) * c.kernel + kx) * gi + ic]);
              }
            }
    return acc;
  }
  schema::ConvTranspose2DOptionsT Options() const {
    const DeconvCase& c = GetParam();
    schema::ConvTranspose2DOptionsT o;
    o.stride_h = o.stride_w = c.stride;
    o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = c.pad;
    o.output_padding_h = o.output_padding_w = c.output_padding;
    o.groups = c.groups;
    return o;
  }
};

TEST_P(ConvTranspose2D, Float32) {
  const DeconvCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = rng.Floats(static_cast<size_t>(c.in_h) * c.in_w * c.in_c);
  const auto w = rng.Floats(static_cast<size_t>(c.out_c) * c.kernel * c.kernel * (c.in_c / c.groups));
  const auto b = rng.Floats(c.out_c);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_FLOAT32, {1, c.in_h, c.in_w, c.in_c});
  const int wt = mb.Constant("w", schema::DataType_FLOAT32, {c.out_c, c.kernel, c.kernel, c.in_c / c.groups}, w);
  const int bt = mb.Constant("b", schema::DataType_FLOAT32, {c.out_c}, b);
  const int out = mb.Tensor("y", schema::DataType_FLOAT32, {1, out_size(c.in_h), out_size(c.in_w), c.out_c});
  mb.Op(schema::OpCode_CONV_TRANSPOSE_2D, {in, wt, bt}, {out}, Options());
  mb.Output(out);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  auto acc = Scatter<double>(x, w, [](float a, float b) { return double{a} * b; });
  for (size_t i = 0; i < acc.size(); ++i) acc[i] += b[i % c.out_c];
  ExpectNearAll(FromBytes<float>(r.outputs[0]), acc, 1e-4, 1e-5);
}

TEST_P(ConvTranspose2D, Int8) {
  const DeconvCase& c = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto x = rng.Int8s(static_cast<size_t>(c.in_h) * c.in_w * c.in_c);
  const auto w = rng.Int8s(static_cast<size_t>(c.out_c) * c.kernel * c.kernel * (c.in_c / c.groups), -127, 127);
  const auto b = rng.Int32s(c.out_c, -500, 500);
  const float si = 0.02f, so = 0.05f;
  const int zi = -3, zo = 6;
  std::vector<float> ws(c.out_c);
  for (float& s : ws) s = rng.Uniform(0.002f, 0.01f);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT8, {1, c.in_h, c.in_w, c.in_c}, PerTensor(si, zi));
  const int wt = mb.Constant("w", schema::DataType_INT8, {c.out_c, c.kernel, c.kernel, c.in_c / c.groups}, w,
                             Quant{ws, std::vector<int64_t>(c.out_c, 0), 0});
  const int bt = mb.Constant("b", schema::DataType_INT32, {c.out_c}, b);
  const int out = mb.Tensor("y", schema::DataType_INT8, {1, out_size(c.in_h), out_size(c.in_w), c.out_c}, PerTensor(so, zo));
  mb.Op(schema::OpCode_CONV_TRANSPOSE_2D, {in, wt, bt}, {out}, Options());
  mb.Output(out);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto acc = Scatter<int64_t>(x, w, [zi](int8_t a, int8_t b) { return (int64_t{a} - zi) * b; });
  std::vector<int8_t> expected;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int oc = static_cast<int>(i % c.out_c);
    expected.push_back(SpecRoundToInt8(static_cast<float>(acc[i] + b[oc]) * (si * ws[oc] / so), zo));
  }
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
#if KITE_WITH_XNNPACK
  // Non-overlapping taps run on XNNPACK (qc8 1x1 convolution + scatter).
  if (TestKernelSet() == KernelSet::kOptimized && c.kernel == c.stride && c.pad == 0 && c.output_padding == 0 && c.groups == 1) {
    EXPECT_EQ(r.kernels[0], "xnnpack/conv_transpose2d_qc8_taps");
  }
#endif
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvTranspose2D,
                         ::testing::Values(DeconvCase{4, 5, 3, 4, 2, 2, 0, 0, 1, "Upsample2x"},
                                           DeconvCase{6, 3, 24, 1, 2, 2, 0, 0, 1, "Upsample2xToOneChannel"},
                                           DeconvCase{3, 4, 5, 7, 3, 3, 0, 0, 1, "Upsample3x"},
                                           DeconvCase{5, 4, 4, 6, 3, 2, 1, 1, 1, "Stride2Pad1OutPad1"},
                                           DeconvCase{4, 4, 4, 4, 3, 1, 1, 0, 2, "Groups2"},
                                           DeconvCase{3, 3, 2, 2, 4, 3, 1, 0, 1, "Kernel4Stride3"}),
                         [](const ::testing::TestParamInfo<DeconvCase>& i) { return i.param.name; });

TEST(FullyConnected, Float32Batched) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int rows = 6, in_c = 37, out_c = 11;
  const auto x = rng.Floats(rows * in_c), w = rng.Floats(out_c * in_c), b = rng.Floats(out_c);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_FLOAT32, {2, 3, in_c});
  const int wt = mb.Constant("w", schema::DataType_FLOAT32, {out_c, in_c}, w);
  const int bt = mb.Constant("b", schema::DataType_FLOAT32, {out_c}, b);
  const int out = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, out_c});
  schema::FullyConnectedOptionsT o;
  o.activation_min = 0.0f;
  mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt, bt}, {out}, o);
  mb.Output(out);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int i = 0; i < rows; ++i)
    for (int o2 = 0; o2 < out_c; ++o2) {
      double acc = b[o2];
      for (int k = 0; k < in_c; ++k) acc += double{x[i * in_c + k]} * w[o2 * in_c + k];
      expected.push_back(std::max(0.0, acc));
    }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-5, 1e-5);
}

// Per-tensor weights (one scale) run as per-channel with equal scales; six
// rows (a [2, 3, in] input), as a sequence model's FC sees them.
TEST(FullyConnected, Int8PerTensorAndPerChannel) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(std::string(per_channel ? "per-channel" : "per-tensor") + ", seed " + std::to_string(TestSeed()));
    Random rng(TestSeed());
    const int rows = 6, in_c = 64, out_c = 10;
    const auto x = rng.Int8s(rows * in_c), w = rng.Int8s(out_c * in_c, -127, 127);
    const auto b = rng.Int32s(out_c, -3000, 3000);
    std::vector<float> ws(per_channel ? out_c : 1);
    for (float& s : ws) s = rng.Uniform(0.003f, 0.01f);
    const float si = 0.05f, so = 0.1f;
    const int zi = 10, zo = -5;
    ModelBuilder mb;
    const int in = mb.Input("x", schema::DataType_INT8, {2, 3, in_c}, PerTensor(si, zi));
    const int wt = mb.Constant("w", schema::DataType_INT8, {out_c, in_c}, w, Quant{ws, std::vector<int64_t>(ws.size(), 0), 0});
    const int bt = mb.Constant("b", schema::DataType_INT32, {out_c}, b);
    const int out = mb.Tensor("y", schema::DataType_INT8, {2, 3, out_c}, PerTensor(so, zo));
    mb.Op(schema::OpCode_FULLY_CONNECTED, {in, wt, bt}, {out});
    mb.Output(out);
    const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<int8_t> expected;
    for (int row = 0; row < rows; ++row) {
      for (int o = 0; o < out_c; ++o) {
        int64_t acc = b[o];
        for (int k = 0; k < in_c; ++k) acc += (int64_t{x[row * in_c + k]} - zi) * w[o * in_c + k];
        expected.push_back(SpecRoundToInt8(static_cast<float>(acc) * (si * ws[per_channel ? o : 0] / so), zo));
      }
    }
    ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
#if KITE_WITH_XNNPACK
    if (TestKernelSet() == KernelSet::kOptimized) EXPECT_EQ(r.kernels[0], "xnnpack/fully_connected_qc8");
#endif
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

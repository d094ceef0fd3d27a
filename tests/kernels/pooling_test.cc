// MaxPool, AveragePool (both padding conventions) and GlobalAveragePool
// against direct computation (float) and the quantization specification (int8).
#include <cmath>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

struct PoolCase {
  bool max;
  int in_h, in_w, c, kernel, stride, pad_top, pad_bottom;
  bool count_include_pad;
  const char* name;
};

// gtest prints a parameter by name, not as bytes.
void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

class Pool2D : public ::testing::TestWithParam<PoolCase> {
 protected:
  int out(int in) const {
    const PoolCase& p = GetParam();
    return (in + p.pad_top + p.pad_bottom - p.kernel) / p.stride + 1;
  }
  schema::Pool2DOptionsT Options() const {
    const PoolCase& p = GetParam();
    schema::Pool2DOptionsT o;
    o.kernel_h = o.kernel_w = p.kernel;
    o.stride_h = o.stride_w = p.stride;
    o.pad_top = o.pad_left = p.pad_top;
    o.pad_bottom = o.pad_right = p.pad_bottom;
    o.count_include_pad = p.count_include_pad;
    return o;
  }
  // Visits the window of output (oy, ox): in-bounds values and the divisor.
  template <typename T, typename Fn>
  void Window(const std::vector<T>& x, int oy, int ox, int ch, Fn fn, int* divisor) const {
    const PoolCase& p = GetParam();
    int inside = 0, padded = 0;
    for (int ky = 0; ky < p.kernel; ++ky)
      for (int kx = 0; kx < p.kernel; ++kx) {
        const int iy = oy * p.stride - p.pad_top + ky, ix = ox * p.stride - p.pad_top + kx;
        if (iy >= p.in_h + p.pad_bottom || ix >= p.in_w + p.pad_bottom) continue;
        ++padded;
        if (iy < 0 || ix < 0 || iy >= p.in_h || ix >= p.in_w) continue;
        ++inside;
        fn(x[(static_cast<size_t>(iy) * p.in_w + ix) * p.c + ch]);
      }
    *divisor = p.count_include_pad ? padded : inside;
  }
};

TEST_P(Pool2D, Float32) {
  const PoolCase& p = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto x = Random(TestSeed()).Floats(static_cast<size_t>(p.in_h) * p.in_w * p.c);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_FLOAT32, {1, p.in_h, p.in_w, p.c});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, out(p.in_h), out(p.in_w), p.c});
  mb.Op(p.max ? schema::OpCode_MAX_POOL_2D : schema::OpCode_AVERAGE_POOL_2D, {in}, {y}, Options());
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int oy = 0; oy < out(p.in_h); ++oy)
    for (int ox = 0; ox < out(p.in_w); ++ox)
      for (int ch = 0; ch < p.c; ++ch) {
        double best = -INFINITY, sum = 0;
        int divisor = 0;
        Window(x, oy, ox, ch, [&](float v) { best = std::max<double>(best, v); sum += v; }, &divisor);
        expected.push_back(p.max ? best : sum / divisor);
      }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
}

TEST_P(Pool2D, Int8) {
  const PoolCase& p = GetParam();
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto x = Random(TestSeed()).Int8s(static_cast<size_t>(p.in_h) * p.in_w * p.c);
  const float si = 0.1f, so = p.max ? 0.1f : 0.07f;
  const int zi = 4, zo = p.max ? 4 : -9;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT8, {1, p.in_h, p.in_w, p.c}, PerTensor(si, zi));
  const int y = mb.Tensor("y", schema::DataType_INT8, {1, out(p.in_h), out(p.in_w), p.c}, PerTensor(so, zo));
  mb.Op(p.max ? schema::OpCode_MAX_POOL_2D : schema::OpCode_AVERAGE_POOL_2D, {in}, {y}, Options());
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<int8_t> expected;
  for (int oy = 0; oy < out(p.in_h); ++oy)
    for (int ox = 0; ox < out(p.in_w); ++ox)
      for (int ch = 0; ch < p.c; ++ch) {
        int best = -128, sum = 0, divisor = 0;
        Window(x, oy, ox, ch, [&](int8_t v) { best = std::max<int>(best, v); sum += v - zi; }, &divisor);
        expected.push_back(p.max ? static_cast<int8_t>(best)
                                 : SpecRoundToInt8(static_cast<float>(sum) * (si / (so * static_cast<float>(divisor))), zo));
      }
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Pool2D,
                         ::testing::Values(PoolCase{true, 8, 8, 5, 2, 2, 0, 0, false, "Max2x2"},
                                           PoolCase{true, 9, 7, 3, 3, 2, 1, 1, false, "Max3x3Pad"},
                                           PoolCase{false, 8, 8, 5, 2, 2, 0, 0, false, "Avg2x2"},
                                           PoolCase{false, 9, 7, 3, 3, 2, 1, 1, false, "Avg3x3PadExcluded"},
                                           PoolCase{false, 9, 7, 3, 3, 2, 1, 2, true, "Avg3x3PadIncluded"}),
                         [](const ::testing::TestParamInfo<PoolCase>& i) { return i.param.name; });

TEST(GlobalAveragePool, Float32AndInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int h = 7, w = 5, c = 12;
  const auto xf = rng.Floats(h * w * c);
  const auto xq = rng.Int8s(h * w * c);
  ModelBuilder mb;
  const int inf = mb.Input("xf", schema::DataType_FLOAT32, {1, h, w, c});
  const int inq = mb.Input("xq", schema::DataType_INT8, {1, h, w, c}, PerTensor(0.2f, -3));
  const int yf = mb.Tensor("yf", schema::DataType_FLOAT32, {1, 1, 1, c});
  const int yq = mb.Tensor("yq", schema::DataType_INT8, {1, 1, 1, c}, PerTensor(0.01f, 2));
  mb.Op(schema::OpCode_GLOBAL_AVERAGE_POOL, {inf}, {yf});
  mb.Op(schema::OpCode_GLOBAL_AVERAGE_POOL, {inq}, {yq});
  mb.Output(yf);
  mb.Output(yq);
  const RunResult r = RunModel(mb.Build(), {AsBytes(xf), AsBytes(xq)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> ef;
  std::vector<int8_t> eq;
  for (int ch = 0; ch < c; ++ch) {
    double sf = 0;
    int sq = 0;
    for (int p = 0; p < h * w; ++p) { sf += xf[p * c + ch]; sq += xq[p * c + ch] + 3; }
    ef.push_back(sf / (h * w));
    eq.push_back(SpecRoundToInt8(static_cast<float>(sq) * (0.2f / (0.01f * static_cast<float>(h * w))), 2));
  }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), ef, 1e-6, 1e-6);
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
}

// Two images, 37 channels (a vector loop's tail), 9x11 pixels: the optimized
// int8 kernel against the reference, bit for bit.
TEST(GlobalAveragePool, Int8OptimizedMatchesReference) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto xq = Random(TestSeed()).Int8s(2 * 9 * 11 * 37);
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT8, {2, 9, 11, 37}, PerTensor(0.3f, 11));
  const int out = mb.Tensor("y", schema::DataType_INT8, {2, 1, 1, 37}, PerTensor(0.004f, -6));
  mb.Op(schema::OpCode_GLOBAL_AVERAGE_POOL, {in}, {out});
  mb.Output(out);
  const AlignedBytes model = mb.Build();
  const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(xq)});
  ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
  ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
  EXPECT_EQ(runs.optimized.kernels[0], "optimized/global_average_pool_int8");
  ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), FromBytes<int8_t>(runs.reference.outputs[0]));
}


// int8 MaxPool: Kite's own kernel against the reference, bit for bit, over
// the geometries it treats differently: horizontal stride 1 (runs of pixels)
// and 2 (pixel by pixel), dilation, asymmetric padding, a window wholly in
// the padding (-128), 1 channel (M-LSD's peak map), a vector tail of 37, at
// 1 and 2 threads.
struct MaxPoolCase {
  const char* name;
  int batch, h, w, c, kernel_h, kernel_w, stride_h, stride_w, dilation, pad_top, pad_left, pad_bottom, pad_right;
};

TEST(MaxPool2D, Int8OptimizedMatchesReference) {
  const MaxPoolCase cases[] = {
      {"PeakMap3x3", 1, 17, 19, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"Stride2Pad", 2, 11, 9, 37, 3, 3, 2, 2, 1, 1, 1, 1, 1},
      {"Dilated", 1, 12, 13, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2},
      {"AsymmetricPad", 1, 7, 10, 5, 2, 3, 1, 2, 1, 0, 2, 1, 0},
      {"WindowInPadding", 1, 5, 6, 64, 2, 2, 2, 2, 1, 2, 2, 0, 0},
      {"Wide5x5", 2, 9, 16, 3, 5, 5, 1, 1, 1, 2, 2, 2, 2},
  };
  for (const MaxPoolCase& p : cases) {
    SCOPED_TRACE(std::string(p.name) + ", seed " + std::to_string(TestSeed()));
    const auto x = Random(TestSeed()).Int8s(static_cast<size_t>(p.batch) * p.h * p.w * p.c);
    const int out_h = (p.h + p.pad_top + p.pad_bottom - (p.dilation * (p.kernel_h - 1) + 1)) / p.stride_h + 1;
    const int out_w = (p.w + p.pad_left + p.pad_right - (p.dilation * (p.kernel_w - 1) + 1)) / p.stride_w + 1;
    ModelBuilder mb;
    const int in = mb.Input("x", schema::DataType_INT8, {p.batch, p.h, p.w, p.c}, PerTensor(0.05f, -3));
    const int out = mb.Tensor("y", schema::DataType_INT8, {p.batch, out_h, out_w, p.c}, PerTensor(0.05f, -3));
    schema::Pool2DOptionsT o;
    o.kernel_h = p.kernel_h;
    o.kernel_w = p.kernel_w;
    o.stride_h = p.stride_h;
    o.stride_w = p.stride_w;
    o.dilation_h = o.dilation_w = p.dilation;
    o.pad_top = p.pad_top;
    o.pad_left = p.pad_left;
    o.pad_bottom = p.pad_bottom;
    o.pad_right = p.pad_right;
    mb.Op(schema::OpCode_MAX_POOL_2D, {in}, {out}, o);
    mb.Output(out);
    const AlignedBytes model = mb.Build();
    const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(x)});
    ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
    ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
    EXPECT_EQ(runs.optimized.kernels[0], "optimized/max_pool2d_int8");
    const auto expected = FromBytes<int8_t>(runs.reference.outputs[0]);
    ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[0]), expected);
    if (std::string(p.name) == "WindowInPadding") EXPECT_EQ(expected[0], -128);
#if !defined(__SANITIZE_THREAD__)  // pthreadpool is not instrumented
    const ScopedKernelSet optimized(KernelSet::kOptimized);
    const RunResult two = RunModelWith(model, {AsBytes(x)}, nullptr, 2);
    if (two.status != KITE_ERROR_MODEL_UNSUPPORTED) {  // no thread pool without XNNPACK
      ASSERT_EQ(two.status, KITE_OK) << two.error;
      ExpectEqualInt8(FromBytes<int8_t>(two.outputs[0]), expected);
    }
#endif
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

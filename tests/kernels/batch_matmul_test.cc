// BatchMatMul (MatMul of two activations: attention's Q.K^T and P.V) against
// direct sums: float in double precision, int8 by the specification at the
// top of kernels/reference/batch_matmul.cc.
#include <cmath>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// A [.., M, K] x B [.., K, N] model with numpy batch broadcasting, and the
// expected product of the given operands (row-major, broadcast strides 0).
class BatchMatMulTester {
 public:
  BatchMatMulTester(std::vector<int32_t> a_shape, std::vector<int32_t> b_shape)
      : a_shape_(std::move(a_shape)), b_shape_(std::move(b_shape)) {
    const size_t rank = std::max(a_shape_.size(), b_shape_.size());
    for (size_t i = 0; i + 2 < rank; ++i) {
      const int32_t da = Dim(a_shape_, i, rank), db = Dim(b_shape_, i, rank);
      y_shape_.push_back(da == 1 ? db : da);
    }
    m_ = a_shape_[a_shape_.size() - 2];
    k_ = a_shape_.back();
    n_ = b_shape_.back();
    y_shape_.push_back(m_);
    y_shape_.push_back(n_);
  }
  const std::vector<int32_t>& y_shape() const { return y_shape_; }
  size_t a_size() const { return Count(a_shape_); }
  size_t b_size() const { return Count(b_shape_); }

  // y[i] = finish(sum_k product(a[.., m, k], b[.., k, n])) in output order.
  template <typename T, typename Acc, typename Product, typename Finish>
  auto Expected(const std::vector<T>& a, const std::vector<T>& b, Product product, Finish finish) const {
    using Out = decltype(finish(Acc{}));
    const size_t rank = y_shape_.size(), batches = Count(y_shape_) / (static_cast<size_t>(m_) * n_);
    std::vector<Out> y;
    for (size_t batch = 0; batch < batches; ++batch) {
      // The batch index in each operand: its dimensions of 1 broadcast.
      size_t rest = batch, a_batch = 0, b_batch = 0, a_stride = 1, b_stride = 1;
      for (size_t i = rank - 2; i-- > 0;) {
        const size_t idx = rest % y_shape_[i];
        rest /= y_shape_[i];
        const size_t da = Dim(a_shape_, i, rank), db = Dim(b_shape_, i, rank);
        a_batch += (da == 1 ? 0 : idx) * a_stride;
        b_batch += (db == 1 ? 0 : idx) * b_stride;
        a_stride *= da;
        b_stride *= db;
      }
      const T* pa = a.data() + a_batch * m_ * k_;
      const T* pb = b.data() + b_batch * k_ * n_;
      for (int32_t r = 0; r < m_; ++r)
        for (int32_t c = 0; c < n_; ++c) {
          Acc acc = 0;
          for (int32_t x = 0; x < k_; ++x) acc += product(pa[r * k_ + x], pb[x * n_ + c]);
          y.push_back(finish(acc));
        }
    }
    return y;
  }

  RunResult Run(schema::DataType type, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                const Quant& a_q = {}, const Quant& b_q = {}, const Quant& y_q = {},
                schema::DataType y_type = schema::DataType_MAX) const {
    ModelBuilder mb;
    const int ta = mb.Input("a", type, a_shape_, a_q);
    const int tb = mb.Input("b", type, b_shape_, b_q);
    const int y = mb.Tensor("y", y_type == schema::DataType_MAX ? type : y_type, y_shape_, y_q);
    mb.Op(schema::OpCode_BATCH_MATMUL, {ta, tb}, {y});
    mb.Output(y);
    return RunModel(mb.Build(), {a, b});
  }

 private:
  static int32_t Dim(const std::vector<int32_t>& shape, size_t i, size_t rank) {
    const size_t offset = rank - shape.size();
    return i < offset ? 1 : shape[i - offset];
  }
  static size_t Count(const std::vector<int32_t>& shape) {
    size_t n = 1;
    for (int32_t d : shape) n *= static_cast<size_t>(d);
    return n;
  }
  std::vector<int32_t> a_shape_, b_shape_, y_shape_;
  int32_t m_, k_, n_;
};

TEST(BatchMatMul, BroadcastsBatchDimensions) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const BatchMatMulTester t({2, 1, 3, 4}, {3, 4, 5});  // -> [2, 3, 3, 5]
  const auto a = rng.Floats(t.a_size()), b = rng.Floats(t.b_size());
  const RunResult r = t.Run(schema::DataType_FLOAT32, AsBytes(a), AsBytes(b));
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto expected = t.Expected<float, double>(
      a, b, [](float x, float y) { return double{x} * y; }, [](double acc) { return acc; });
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6, 1e-6);
  EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/batch_matmul_float32"
                                                                    : "optimized/batch_matmul_float32");
}

// A vision transformer's attention sizes (4 heads, 50 tokens of 64): the
// optimized kernel sums in float along the row, the reference in double.
TEST(BatchMatMul, Float32AttentionShapes) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  for (const auto& [a_shape, b_shape] : {std::make_pair(std::vector<int32_t>{1, 4, 50, 64}, std::vector<int32_t>{1, 4, 64, 50}),
                                         std::make_pair(std::vector<int32_t>{1, 4, 50, 50}, std::vector<int32_t>{1, 4, 50, 64})}) {
    const BatchMatMulTester t(a_shape, b_shape);
    const auto a = rng.Floats(t.a_size()), b = rng.Floats(t.b_size());
    const RunResult r = t.Run(schema::DataType_FLOAT32, AsBytes(a), AsBytes(b));
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    const auto expected = t.Expected<float, double>(
        a, b, [](float x, float y) { return double{x} * y; }, [](double acc) { return acc; });
    ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-5, 1e-5);
  }
}

// Attention's shapes (heads as a batch dimension, K^T broadcast over a batch
// of one) with nonzero zero points on every tensor.
TEST(BatchMatMul, Int8MatchesTheSpecification) {
  struct Case {
    std::vector<int32_t> a, b;
  };
  for (const Case& c : {Case{{1, 8, 40, 15}, {1, 8, 15, 40}}, Case{{2, 3, 5, 33}, {1, 33, 7}}, Case{{4, 1}, {1, 9}}}) {
    SCOPED_TRACE("seed " + std::to_string(TestSeed()));
    Random rng(TestSeed());
    const BatchMatMulTester t(c.a, c.b);
    const auto a = rng.Int8s(t.a_size()), b = rng.Int8s(t.b_size());
    const float sa = rng.Uniform(0.01f, 0.1f), sb = rng.Uniform(0.01f, 0.1f);
    // Sums spread over about +-25 codes (uniform codes: 74 each standard
    // deviation): beyond 128 only past 5 deviations.
    const float sy = sa * sb * 74.0f * 74.0f * std::sqrt(static_cast<float>(c.a.back())) / 25.0f;
    const int32_t za = -7, zb = 19, zy = 3;
    const RunResult r = t.Run(schema::DataType_INT8, AsBytes(a), AsBytes(b), PerTensor(sa, za), PerTensor(sb, zb),
                              PerTensor(sy, zy));
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    const float scale = sa * sb / sy;
    const auto expected = t.Expected<int8_t, int64_t>(
        a, b, [&](int8_t x, int8_t y) { return (int64_t{x} - za) * (int64_t{y} - zb); },
        [&](int64_t acc) { return SpecRoundToInt8(static_cast<float>(acc) * scale, zy); });
    const auto got = FromBytes<int8_t>(r.outputs[0]);
    ExpectEqualInt8(got, expected);
    EXPECT_EQ(r.kernels[0], TestKernelSet() == KernelSet::kReference ? "reference/batch_matmul_int8" : "optimized/batch_matmul_int8");
    // Mostly inside the range, or the case tests only the clamp.
    int saturated = 0;
    for (int8_t v : got) saturated += v == -128 || v == 127;
    EXPECT_LT(saturated, static_cast<int>(got.size()) / 10);
  }
}

// The largest products for many terms: the int32 accumulator must stay exact.
TEST(BatchMatMul, Int8ExtremeCodesAccumulateExactly) {
  const int32_t k = 4096;
  const BatchMatMulTester t({2, k}, {k, 2});
  std::vector<int8_t> a(t.a_size()), b(t.b_size());
  for (int32_t x = 0; x < k; ++x) {
    a[x] = -128;                  // row 0: (-128 - 127) = -255 each
    a[k + x] = x % 2 ? 127 : -128;  // row 1: alternating
    b[x * 2] = 127;               // column 0: 127 - (-128) = 255 each
    b[x * 2 + 1] = -128;          // column 1: 0 each
  }
  const float sy = 255.0f * 255.0f * k / 100.0f;  // row 0, column 0 = -100
  const RunResult r = t.Run(schema::DataType_INT8, AsBytes(a), AsBytes(b), PerTensor(1.0f, 127), PerTensor(1.0f, -128),
                            PerTensor(sy, 0));
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  const auto got = FromBytes<int8_t>(r.outputs[0]);
  EXPECT_EQ(got[0], -100);
  EXPECT_EQ(got[1], 0);
  EXPECT_EQ(got[2], SpecRoundToInt8(static_cast<float>(int64_t{k / 2} * -255 * 255) * (1.0f / sy), 0));
  EXPECT_EQ(got[3], 0);
}

TEST(BatchMatMul, Int8RefusesMixedTypesAndTooDeepProducts) {
  const BatchMatMulTester small({2, 3}, {3, 2});
  const RunResult mixed = small.Run(schema::DataType_INT8, AsBytes(std::vector<int8_t>(6)), AsBytes(std::vector<int8_t>(6)),
                                    PerTensor(1.0f, 0), PerTensor(1.0f, 0), {}, schema::DataType_FLOAT32);
  EXPECT_EQ(mixed.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(mixed.error.find("output"), std::string::npos) << mixed.error;
  const int32_t k = 32769;
  const BatchMatMulTester deep({1, k}, {k, 1});
  const RunResult r = deep.Run(schema::DataType_INT8, AsBytes(std::vector<int8_t>(k)), AsBytes(std::vector<int8_t>(k)),
                               PerTensor(1.0f, 0), PerTensor(1.0f, 0), PerTensor(1.0f, 0));
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("overflows int32"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

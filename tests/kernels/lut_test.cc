// The int8 table lookups (runtime/kernels/int8/lut.h): every variant this
// CPU runs gives exactly table[(uint8_t)x] for every length (vector bodies
// and tails), misaligned and in place, writing nothing past the end; and an
// int8 element-wise op picks the best variant only in the optimized set.
#include <cstring>

#include "executor/c_api_internal.h"
#include "kernels/int8/lut.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

std::vector<const int8::Lut*> Variants() {
  const int8::Lut* v[int8::kMaxLuts];
  const size_t n = int8::AvailableLuts(v);
  return std::vector<const int8::Lut*>(v, v + n);
}

TEST(Int8Lut, EveryVariantMatchesTheTableAtEveryLengthAndOffset) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  std::vector<int8_t> table(256);
  for (int8_t& t : table) t = static_cast<int8_t>(rng.Int(-128, 127));
  constexpr size_t kMax = 700, kGuard = 64;
  std::vector<int8_t> x(kMax + 8);
  for (int8_t& v : x) v = static_cast<int8_t>(rng.Int(-128, 127));
  for (const int8::Lut* lut : Variants()) {
    SCOPED_TRACE(lut->name);
    for (size_t n = 0; n <= kMax; n += n < 300 ? 1 : 97) {
      for (size_t offset : {0, 1, 3}) {
        std::vector<int8_t> y(n + offset + kGuard, 0x5A);
        lut->fn(n, x.data() + offset, table.data(), y.data() + offset);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(y[offset + i], table[static_cast<uint8_t>(x[offset + i])]) << "n " << n << " offset " << offset
                                                                               << " at " << i;
        }
        for (size_t i = 0; i < offset; ++i) ASSERT_EQ(y[i], 0x5A) << "wrote before the output";
        for (size_t i = n + offset; i < y.size(); ++i) ASSERT_EQ(y[i], 0x5A) << "n " << n << ": wrote past the end";
      }
    }
  }
}

TEST(Int8Lut, EveryCodeInPlace) {
  // A table whose every entry differs from its index and its neighbours'.
  std::vector<int8_t> table(256);
  for (int i = 0; i < 256; ++i) table[i] = static_cast<int8_t>((i * 37 + 11) & 0xFF);
  for (const int8::Lut* lut : Variants()) {
    SCOPED_TRACE(lut->name);
    std::vector<int8_t> v(256 * 3);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int8_t>(static_cast<uint8_t>(i * 7));
    const std::vector<int8_t> x = v;
    lut->fn(v.size(), v.data(), table.data(), v.data());
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], table[static_cast<uint8_t>(x[i])]) << "at " << i;
  }
}

// HardSwish on int8: the optimized set looks the table up with the best SIMD
// variant, the portable set with the reference loop; the outputs are equal.
TEST(Int8Lut, TheOptimizedSetUsesTheBestVariant) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  std::vector<int8_t> x(3 * 1000 + 5);
  for (int8_t& v : x) v = static_cast<int8_t>(rng.Int(-128, 127));
  ModelBuilder mb;
  const int32_t n = static_cast<int32_t>(x.size());
  const int in = mb.Input("x", schema::DataType_INT8, {n}, PerTensor(0.05f, 3));
  const int out = mb.Tensor("y", schema::DataType_INT8, {n}, PerTensor(0.03f, -20));
  mb.Op(schema::OpCode_HARD_SWISH, {in}, {out});
  mb.Output(out);
  const AlignedBytes bytes = mb.Build();
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, nullptr), KITE_OK);
  std::vector<std::vector<int8_t>> outputs;
  for (kite_kernels set : {KITE_KERNELS_OPTIMIZED, KITE_KERNELS_PORTABLE, KITE_KERNELS_REFERENCE}) {
    kite_options options = KITE_OPTIONS_DEFAULT;
    options.kernels = set;
    kite_interpreter* it = nullptr;
    ASSERT_EQ(kite_interpreter_create_with_options(model, &options, nullptr, 0, &it, nullptr), KITE_OK);
    ASSERT_EQ(kite_interpreter_prepare(it), KITE_OK) << kite_interpreter_error(it);
    ASSERT_EQ(kite_interpreter_set_input(it, 0, x.data(), x.size()), KITE_OK);
    ASSERT_EQ(kite_interpreter_invoke(it), KITE_OK);
    outputs.emplace_back(x.size());
    ASSERT_EQ(kite_interpreter_get_output(it, 0, outputs.back().data(), x.size()), KITE_OK);
    const char* kernel = it->impl.node(0).kernel_name;
    if (set == KITE_KERNELS_OPTIMIZED && int8::BestLut()->simd) {
      EXPECT_STREQ(kernel, int8::BestLut()->name);
    } else {
      EXPECT_STREQ(kernel, "reference/unary_int8_table");
    }
    if (set == KITE_KERNELS_PORTABLE) {
      EXPECT_STREQ(it->impl.node(0).declined, "int8 table lookup: portable kernels requested (no SIMD)");
    }
    kite_interpreter_free(it);
  }
  ExpectEqualInt8(outputs[0], outputs[2]);
  ExpectEqualInt8(outputs[1], outputs[2]);
  kite_model_free(model);
}

}  // namespace
}  // namespace testing
}  // namespace kite

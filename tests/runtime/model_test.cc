// Whole models through the public API: offline plan vs runtime fallback plan,
// in-place reuse, the exact arena size (API misuse: api_misuse_test.cc).
#include <cmath>
#include <cstdlib>
#include <memory>

#include "kite/kite.hpp"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// conv(3x3, relu) -> sigmoid -> add(skip from conv) -> mean over H, W.
ModelBuilder ChainModel(uint32_t seed) {
  Random rng(seed);
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 8, 8, 4});
  const int w = mb.Constant("w", schema::DataType_FLOAT32, {6, 3, 3, 4}, rng.Floats(6 * 36));
  const int c = mb.Tensor("conv", schema::DataType_FLOAT32, {1, 8, 8, 6});
  schema::Conv2DOptionsT o;
  o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = 1;
  o.activation_min = 0.0f;
  mb.Op(schema::OpCode_CONV_2D, {x, w}, {c}, o, "conv");
  const int s = mb.Tensor("sig", schema::DataType_FLOAT32, {1, 8, 8, 6});
  mb.Op(schema::OpCode_SIGMOID, {c}, {s}, nullptr, "sig");
  const int a = mb.Tensor("sum", schema::DataType_FLOAT32, {1, 8, 8, 6});
  mb.Op(schema::OpCode_ADD, {s, c}, {a}, schema::BinaryOptionsT{}, "sum");
  const int m = mb.Tensor("mean", schema::DataType_FLOAT32, {1, 6});
  schema::ReduceOptionsT r;
  r.axes = {1, 2};
  mb.Op(schema::OpCode_REDUCE_MEAN, {a}, {m}, r, "mean");
  mb.Output(m);
  return mb;
}

TEST(Model, OfflinePlanAndFallbackPlanAgree) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const auto x = Random(TestSeed() + 1).Floats(8 * 8 * 4);
  const RunResult planned = RunModel(ChainModel(TestSeed()).Build(true), {AsBytes(x)});
  const RunResult fallback = RunModel(ChainModel(TestSeed()).Build(false), {AsBytes(x)});
  ASSERT_EQ(planned.status, KITE_OK) << planned.error;
  ASSERT_EQ(fallback.status, KITE_OK) << fallback.error;
  EXPECT_EQ(planned.outputs, fallback.outputs);
  // The output is a mean of sigmoid(c) + c with c >= 0: at least 0.5.
  for (float v : FromBytes<float>(planned.outputs[0])) EXPECT_GE(v, 0.5f);
}

TEST(Model, PlanRecordsLowerBound) {
  ModelBuilder mb = ChainModel(1);
  mb.Build(true);
  const auto& plan = *mb.model().plan;
  // conv, sig and sum are 1536 bytes each; "sum" is written in place over
  // "sig" (which dies there), so at most two buffers are alive at once.
  EXPECT_EQ(plan.lower_bound, 2u * 1536u);
  EXPECT_EQ(plan.arena_size, 2u * 1536u);
  const auto& t = mb.model().tensors;
  auto offset = [&](const char* name) {
    for (const auto& x : t) if (x->name == name) return x->arena_offset;
    return int64_t{-2};
  };
  EXPECT_EQ(offset("sum"), offset("sig"));
  EXPECT_NE(offset("sig"), offset("conv"));
}

TEST(Model, InPlaceElementwiseIsAcceptedAndCorrect) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 16});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 16});
  mb.Op(schema::OpCode_TANH, {x}, {y});
  const int z = mb.Tensor("z", schema::DataType_FLOAT32, {1, 16});
  mb.Op(schema::OpCode_RELU, {y}, {z});
  mb.Output(z);
  mb.Build(true);
  // Put every tensor at offset 0: each op overwrites an input that dies there.
  for (auto& t : mb.model().tensors) t->arena_offset = 0;
  mb.model().plan->arena_size = 64;
  const AlignedBytes bytes(converter::SerializeModel(mb.model()));
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i - 8) / 4.0f;
  const RunResult r = RunModel(bytes, {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (float v : in) expected.push_back(std::max(0.0, std::tanh(static_cast<double>(v))));
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6);
}

TEST(Model, ConvOverItsLiveInputIsRejected) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 4, 4, 1});
  const int w = mb.Constant("w", schema::DataType_FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 2, 2, 1});
  mb.Op(schema::OpCode_CONV_2D, {x, w}, {y}, schema::Conv2DOptionsT{});
  mb.Output(y);
  mb.Build(true);
  for (auto& t : mb.model().tensors) t->arena_offset = t->buffer == 0 ? 0 : -1;
  const RunResult r = RunModel(AlignedBytes(converter::SerializeModel(mb.model())), {});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_PLAN);
  EXPECT_NE(r.error.find("overlap"), std::string::npos) << r.error;
}

// Every arena size below the reported one fails cleanly with
// KITE_ERROR_ARENA_TOO_SMALL; the reported size works. This walks every
// allocation-failure path of create and prepare.
TEST(Model, ArenaSizeIsExact) {
  for (bool plan : {true, false}) {
    SCOPED_TRACE(plan ? "offline plan" : "runtime plan");
    const AlignedBytes bytes = ChainModel(3).Build(plan);
    ModelHandle model;
    ASSERT_EQ(model.Load(bytes.data(), bytes.size()), KITE_OK) << model.error();
    size_t exact = 0;
    ASSERT_EQ(model.ArenaSize(&exact), KITE_OK) << model.error();
    void* arena = std::aligned_alloc(KITE_ARENA_ALIGNMENT, exact);
    std::vector<size_t> sizes = {0, 1, exact - 1};
    for (size_t s = 64; s < exact; s += 64) sizes.push_back(s);
    for (size_t size : sizes) {
      InterpreterHandle it;
      kite_status status = it.Create(model, arena, size);
      if (status == KITE_OK) status = it.Prepare();
      ASSERT_EQ(status, KITE_ERROR_ARENA_TOO_SMALL) << "arena of " << size << " of " << exact;
      EXPECT_NE(std::string(it.error()).find("too small"), std::string::npos) << it.error();
    }
    {
      // The interpreter lives in the arena: it must go before the arena does.
      InterpreterHandle it;
      ASSERT_EQ(it.Create(model, arena, exact), KITE_OK) << it.error();
      EXPECT_EQ(it.Prepare(), KITE_OK) << it.error();
    }
    std::free(arena);
  }
}

// Firmware loads without the heap: the handle in caller storage, the
// interpreter in a caller arena, and the results are the heap path's.
TEST(Model, LoadIntoCallerStorage) {
  const AlignedBytes bytes = ChainModel(3).Build();
  alignas(16) static uint8_t storage[1024];
  ASSERT_LE(kite_model_handle_size(), sizeof(storage));
  kite_model* model = nullptr;
  kite_error error;
  EXPECT_EQ(kite_model_load_into(bytes.data(), bytes.size(), storage, kite_model_handle_size() - 1, &model, &error),
            KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("kite_model_handle_size"), std::string::npos) << error.message;
  EXPECT_EQ(kite_model_load_into(bytes.data(), bytes.size(), storage + 1, sizeof(storage) - 1, &model, &error),
            KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(model, nullptr);
  ASSERT_EQ(kite_model_load_into(bytes.data(), bytes.size(), storage, sizeof(storage), &model, &error), KITE_OK)
      << error.message;
  EXPECT_EQ(static_cast<void*>(model), static_cast<void*>(storage));
  size_t arena_bytes = 0;
  ASSERT_EQ(kite_arena_size(model, &arena_bytes, &error), KITE_OK);
  EXPECT_GT(arena_bytes, 0u);
  kite_model_free(model);  // releases nothing but the handle
  const AlignedBytes garbage(std::vector<uint8_t>(64, 0xAB));
  EXPECT_NE(kite_model_load_into(garbage.data(), garbage.size(), storage, sizeof(storage), &model, &error), KITE_OK);
  EXPECT_EQ(model, nullptr);
}

TEST(Model, KiteAllocatedArena) {
  const AlignedBytes bytes = ChainModel(5).Build();
  ModelHandle model;
  ASSERT_EQ(model.Load(bytes.data(), bytes.size()), KITE_OK);
  InterpreterHandle it;
  ASSERT_EQ(it.Create(model, nullptr, 0), KITE_OK) << it.error();
  ASSERT_EQ(it.Prepare(), KITE_OK) << it.error();
  std::vector<float> x(256, 0.25f);
  ASSERT_EQ(it.SetInput(0, x.data(), 1024), KITE_OK);
  EXPECT_EQ(it.Invoke(), KITE_OK);
}

}  // namespace
}  // namespace testing
}  // namespace kite

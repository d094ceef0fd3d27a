// One model, two interpreters, two threads: a model is read-only after load,
// so interpreters made from it may run concurrently, each in its own arena.
// Built with ThreadSanitizer (scripts/test.sh --sanitize, build-tsan/) a data
// race between them fails the test; in every build both threads must get
// exactly the outputs of a single-threaded run.
#include <thread>
#include <vector>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// Float and int8 paths in one model: conv (XNNPACK where built) -> quantize
// -> int8 add with itself -> int8 softmax -> dequantize.
AlignedBytes MixedModel() {
  Random rng(11);
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 8, 8, 3});
  const int w = mb.Constant("w", schema::DataType_FLOAT32, {8, 3, 3, 3}, rng.Floats(8 * 27));
  const int c = mb.Tensor("conv", schema::DataType_FLOAT32, {1, 8, 8, 8});
  schema::Conv2DOptionsT o;
  o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = 1;
  mb.Op(schema::OpCode_CONV_2D, {x, w}, {c}, o, "conv");
  const int q = mb.Tensor("q", schema::DataType_INT8, {1, 8, 8, 8}, PerTensor(0.05f, 3));
  mb.Op(schema::OpCode_QUANTIZE, {c}, {q}, nullptr, "quantize");
  const int a = mb.Tensor("a", schema::DataType_INT8, {1, 8, 8, 8}, PerTensor(0.1f, -2));
  mb.Op(schema::OpCode_ADD, {q, q}, {a}, schema::BinaryOptionsT{}, "add");
  const int s = mb.Tensor("s", schema::DataType_INT8, {1, 8, 8, 8}, PerTensor(1.0f / 256, -128));
  mb.Op(schema::OpCode_SOFTMAX, {a}, {s}, schema::SoftmaxOptionsT{}, "softmax");
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 8, 8, 8});
  mb.Op(schema::OpCode_DEQUANTIZE, {s}, {y}, nullptr, "dequantize");
  mb.Output(y);
  return mb.Build();
}

TEST(SharedModel, TwoInterpretersOnTwoThreads) {
  const AlignedBytes bytes = MixedModel();
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, nullptr), KITE_OK);
  constexpr int kRuns = 40;
  std::vector<std::vector<float>> inputs;
  for (int r = 0; r < kRuns; ++r) inputs.push_back(Random(100 + r).Floats(8 * 8 * 3));

  // One interpreter per thread (Kite allocates each arena); each thread runs
  // every input and keeps its outputs.
  auto run_all = [&](std::vector<std::vector<float>>* outputs, kite_status* status) {
    kite_interpreter* it = nullptr;
    *status = kite_interpreter_create(model, nullptr, 0, &it, nullptr);
    if (*status == KITE_OK) *status = kite_interpreter_prepare(it);
    for (int r = 0; r < kRuns && *status == KITE_OK; ++r) {
      std::vector<float> y(8 * 8 * 8);
      *status = kite_interpreter_set_input(it, 0, inputs[r].data(), inputs[r].size() * sizeof(float));
      if (*status == KITE_OK) *status = kite_interpreter_invoke(it);
      if (*status == KITE_OK) *status = kite_interpreter_get_output(it, 0, y.data(), y.size() * sizeof(float));
      outputs->push_back(std::move(y));
    }
    kite_interpreter_free(it);
  };
  std::vector<std::vector<float>> expected, first, second;
  kite_status s0 = KITE_OK, s1 = KITE_OK, s2 = KITE_OK;
  run_all(&expected, &s0);
  ASSERT_EQ(s0, KITE_OK);
  std::thread a(run_all, &first, &s1);
  std::thread b(run_all, &second, &s2);
  a.join();
  b.join();
  EXPECT_EQ(s1, KITE_OK);
  EXPECT_EQ(s2, KITE_OK);
  EXPECT_EQ(first, expected);
  EXPECT_EQ(second, expected);
  kite_model_free(model);
}

}  // namespace
}  // namespace testing
}  // namespace kite

// The C API used wrongly: null pointers, calls out of order, wrong sizes and
// indices, arenas too small or misaligned, storage too small. Each call gets
// a status (and, where there is an interpreter, a message), never a crash.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// x[1,16] -> fully connected (4 outputs) -> softmax.
AlignedBytes SmallModel() {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 16});
  const int w = mb.Constant("w", schema::DataType_FLOAT32, {4, 16}, Random(7).Floats(64));
  const int h = mb.Tensor("h", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_FULLY_CONNECTED, {x, w}, {h}, schema::FullyConnectedOptionsT{}, "fc");
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_SOFTMAX, {h}, {y}, schema::SoftmaxOptionsT{}, "softmax");
  mb.Output(y);
  return mb.Build();
}

struct Free {
  void operator()(void* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t, Free>;
Buffer Aligned(size_t bytes) { return Buffer(static_cast<uint8_t*>(std::aligned_alloc(KITE_ARENA_ALIGNMENT, (bytes + 127) / 64 * 64))); }

class ApiMisuse : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kite_model_load(bytes_.data(), bytes_.size(), &model_, nullptr), KITE_OK);
    ASSERT_EQ(kite_arena_size(model_, &arena_bytes_, nullptr), KITE_OK);
    arena_ = Aligned(arena_bytes_);
  }
  void TearDown() override {
    kite_interpreter_free(interpreter_);
    kite_model_free(model_);
  }
  kite_status Create(size_t offset, size_t bytes) {
    return kite_interpreter_create(model_, arena_.get() + offset, bytes, &interpreter_, &error_);
  }

  const AlignedBytes bytes_ = SmallModel();
  kite_model* model_ = nullptr;
  size_t arena_bytes_ = 0;
  Buffer arena_;  // freed after the interpreter that lives in it
  kite_interpreter* interpreter_ = nullptr;
  kite_error error_{};
};

TEST_F(ApiMisuse, NullPointersGetInvalidArgument) {
  kite_model* m = nullptr;
  kite_error e;
  EXPECT_EQ(kite_model_load(nullptr, 64, &m, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_model_load(bytes_.data(), bytes_.size(), nullptr, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_model_load_file(nullptr, &m, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_model_load_file("x.kite", nullptr, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_model_load_into(bytes_.data(), bytes_.size(), nullptr, 4096, &m, &e), KITE_ERROR_INVALID_ARGUMENT);
  size_t n = 0;
  EXPECT_EQ(kite_arena_size(nullptr, &n, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_arena_size(model_, nullptr, &e), KITE_ERROR_INVALID_ARGUMENT);
  kite_interpreter* it = nullptr;
  EXPECT_EQ(kite_interpreter_create(nullptr, nullptr, 0, &it, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_create(model_, nullptr, 0, nullptr, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_prepare(nullptr), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_set_num_threads(nullptr, 2), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_invoke(nullptr), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_input_count(nullptr), 0u);
  EXPECT_EQ(kite_interpreter_output_count(nullptr), 0u);
  kite_tensor_info info;
  EXPECT_EQ(kite_interpreter_input_info(nullptr, 0, &info), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_output_info(nullptr, 0, &info), KITE_ERROR_INVALID_ARGUMENT);
  float x[16] = {};
  EXPECT_EQ(kite_interpreter_set_input(nullptr, 0, x, sizeof(x)), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_get_output(nullptr, 0, x, 16), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_input_data(nullptr, 0), nullptr);
  EXPECT_EQ(kite_interpreter_output_data(nullptr, 0), nullptr);
  EXPECT_STREQ(kite_interpreter_error(nullptr), "interpreter is NULL");
  kite_model_free(nullptr);
  kite_interpreter_free(nullptr);
  EXPECT_STRNE(kite_status_string(static_cast<kite_status>(0x7f)), "");

  // With an interpreter: null info and data pointers.
  ASSERT_EQ(Create(0, arena_bytes_), KITE_OK) << error_.message;
  ASSERT_EQ(kite_interpreter_prepare(interpreter_), KITE_OK);
  EXPECT_EQ(kite_interpreter_input_info(interpreter_, 0, nullptr), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 0, nullptr, sizeof(x)), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_get_output(interpreter_, 0, nullptr, 16), KITE_ERROR_INVALID_ARGUMENT);
}

TEST_F(ApiMisuse, CallsOutOfOrderGetInvalidState) {
  ASSERT_EQ(Create(0, arena_bytes_), KITE_OK) << error_.message;
  float x[16] = {}, y[4] = {};
  EXPECT_EQ(kite_interpreter_invoke(interpreter_), KITE_ERROR_INVALID_STATE);
  EXPECT_NE(std::string(kite_interpreter_error(interpreter_)).find("before"), std::string::npos);
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 0, x, sizeof(x)), KITE_ERROR_INVALID_STATE);
  EXPECT_EQ(kite_interpreter_get_output(interpreter_, 0, y, sizeof(y)), KITE_ERROR_INVALID_STATE);
  EXPECT_EQ(kite_interpreter_input_data(interpreter_, 0), nullptr);
  // Tensor descriptions are valid from create on.
  kite_tensor_info info;
  EXPECT_EQ(kite_interpreter_input_info(interpreter_, 0, &info), KITE_OK);
  EXPECT_EQ(info.bytes, sizeof(x));
  ASSERT_EQ(kite_interpreter_prepare(interpreter_), KITE_OK) << kite_interpreter_error(interpreter_);
  EXPECT_EQ(kite_interpreter_prepare(interpreter_), KITE_ERROR_INVALID_STATE);
  EXPECT_EQ(kite_interpreter_set_num_threads(interpreter_, 1), KITE_ERROR_INVALID_STATE);
  // Still usable after the misuse.
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 0, x, sizeof(x)), KITE_OK);
  EXPECT_EQ(kite_interpreter_invoke(interpreter_), KITE_OK);
  EXPECT_EQ(kite_interpreter_get_output(interpreter_, 0, y, sizeof(y)), KITE_OK);
  EXPECT_FLOAT_EQ(y[0] + y[1] + y[2] + y[3], 1.0f);
}

TEST_F(ApiMisuse, WrongSizesAndIndicesGetInvalidArgument) {
  ASSERT_EQ(Create(0, arena_bytes_), KITE_OK) << error_.message;
  ASSERT_EQ(kite_interpreter_prepare(interpreter_), KITE_OK);
  float x[17] = {}, y[5] = {};
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 0, x, 15 * sizeof(float)), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kite_interpreter_error(interpreter_)).find("takes 64 bytes"), std::string::npos)
      << kite_interpreter_error(interpreter_);
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 0, x, sizeof(x)), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, 1, x, 64), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_set_input(interpreter_, SIZE_MAX, x, 64), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_get_output(interpreter_, 0, y, sizeof(y)), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_get_output(interpreter_, 1, y, 16), KITE_ERROR_INVALID_ARGUMENT);
  kite_tensor_info info;
  EXPECT_EQ(kite_interpreter_output_info(interpreter_, 1, &info), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_interpreter_input_data(interpreter_, 1), nullptr);
  EXPECT_EQ(kite_interpreter_output_data(interpreter_, 1), nullptr);
  EXPECT_EQ(kite_interpreter_set_num_threads(interpreter_, 0), KITE_ERROR_INVALID_ARGUMENT);
}

TEST_F(ApiMisuse, ArenaTooSmallOrMisaligned) {
  for (size_t offset : {1u, 8u, 16u, 32u}) {
    EXPECT_EQ(Create(offset, arena_bytes_), KITE_ERROR_ARENA_MISALIGNED) << offset;
    EXPECT_EQ(interpreter_, nullptr);
  }
  EXPECT_EQ(Create(0, 0), KITE_ERROR_ARENA_TOO_SMALL);
  EXPECT_EQ(Create(0, 16), KITE_ERROR_ARENA_TOO_SMALL);
  // One byte fewer than kite_arena_size: refused at create or at prepare,
  // with a message that names the exact size.
  kite_status status = Create(0, arena_bytes_ - 1);
  if (status == KITE_OK) {
    status = kite_interpreter_prepare(interpreter_);
    EXPECT_NE(std::string(kite_interpreter_error(interpreter_)).find("kite_arena_size"), std::string::npos)
        << kite_interpreter_error(interpreter_);
  }
  EXPECT_EQ(status, KITE_ERROR_ARENA_TOO_SMALL);
}

TEST_F(ApiMisuse, ModelStorageTooSmallOrMisaligned) {
  const size_t need = kite_model_handle_size();
  Buffer storage = Aligned(need + 64);
  kite_model* m = nullptr;
  kite_error e;
  EXPECT_EQ(kite_model_load_into(bytes_.data(), bytes_.size(), storage.get(), need - 1, &m, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kite_model_load_into(bytes_.data(), bytes_.size(), storage.get() + 4, need, &m, &e), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_STRNE(e.message, "");
  ASSERT_EQ(kite_model_load_into(bytes_.data(), bytes_.size(), storage.get(), need, &m, &e), KITE_OK) << e.message;
  kite_model_free(m);
}

}  // namespace
}  // namespace testing
}  // namespace kite

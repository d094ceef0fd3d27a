// Bad model files: each is rejected with its own status and a message that
// says what is wrong, never a crash.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

ModelBuilder Small() {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 4});
  const int w = mb.Constant("w", schema::DataType_FLOAT32, {3, 4}, std::vector<float>(12, 0.5f));
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 3});
  mb.Op(schema::OpCode_FULLY_CONNECTED, {x, w}, {y}, schema::FullyConnectedOptionsT{}, "fc1");
  mb.Output(y);
  return mb;
}

struct Outcome {
  kite_status status;
  std::string message;
};

Outcome Load(const AlignedBytes& bytes) {
  kite_error error;
  kite_model* model = nullptr;
  const kite_status status = kite_model_load(bytes.data(), bytes.size(), &model, &error);
  kite_model_free(model);
  return {status, error.message};
}

void ExpectRejected(const Outcome& o, kite_status status, const char* words) {
  EXPECT_EQ(o.status, status) << kite_status_string(o.status) << ": " << o.message;
  EXPECT_NE(o.message.find(words), std::string::npos) << o.message;
}

TEST(Rejection, EmptyFile) {
  ExpectRejected(Load(AlignedBytes(std::vector<uint8_t>{})), KITE_ERROR_MODEL_TOO_SMALL, "at least");
  const char* path = "rejection_empty.kite";
  std::fclose(std::fopen(path, "wb"));
  kite_error error;
  kite_model* model = nullptr;
  EXPECT_EQ(kite_model_load_file(path, &model, &error), KITE_ERROR_MODEL_TOO_SMALL);
  EXPECT_EQ(kite_model_load_file("no/such/file.kite", &model, &error), KITE_ERROR_IO);
  EXPECT_NE(std::string(error.message).find("no/such/file.kite"), std::string::npos);
  std::remove(path);
}

TEST(Rejection, TruncatedFile) {
  auto bytes = Small().Build().ToVector();
  for (size_t keep : {bytes.size() / 2, bytes.size() - 20, size_t{12}}) {
    ExpectRejected(Load(AlignedBytes(std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep))),
                   KITE_ERROR_MODEL_MALFORMED, "truncated or corrupt");
  }
}

TEST(Rejection, WrongIdentifier) {
  auto bytes = Small().Build().ToVector();
  ASSERT_GE(bytes.size(), 8u);
  const char identifier[] = "TFL3";
  std::copy(identifier, identifier + 4, bytes.begin() + 4);
  ExpectRejected(Load(AlignedBytes(bytes)), KITE_ERROR_MODEL_IDENTIFIER, "'TFL3'");
}

TEST(Rejection, NewerVersion) {
  ModelBuilder mb = Small();
  mb.model().version = KITE_FORMAT_VERSION + 1;
  ExpectRejected(Load(mb.Build()), KITE_ERROR_MODEL_VERSION, "newer");
}

TEST(Rejection, TensorIndexOutOfRange) {
  ModelBuilder mb = Small();
  mb.model().operators[0]->inputs[1] = 99;
  ExpectRejected(Load(mb.Build(false)), KITE_ERROR_MODEL_INDEX, "tensor 99");
}

TEST(Rejection, ArenaOffsetPastTheEnd) {
  ModelBuilder mb = Small();
  mb.Build(true);
  mb.model().tensors[2]->arena_offset = static_cast<int64_t>(mb.model().plan->arena_size);
  ExpectRejected(Load(AlignedBytes(converter::SerializeModel(mb.model()))), KITE_ERROR_MODEL_PLAN,
                 "ends past the planned arena");
}

TEST(Rejection, BufferShorterThanTensor) {
  ModelBuilder mb = Small();
  mb.model().buffers[1]->data.resize(40);
  ExpectRejected(Load(mb.Build()), KITE_ERROR_MODEL_BUFFER, "needs 48 bytes");
}

TEST(Rejection, ArenaOneByteTooSmall) {
  const AlignedBytes bytes = Small().Build();
  kite_error error;
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, &error), KITE_OK);
  size_t exact = 0;
  ASSERT_EQ(kite_arena_size(model, &exact, &error), KITE_OK);
  void* arena = std::aligned_alloc(KITE_ARENA_ALIGNMENT, exact);
  kite_interpreter* it = nullptr;
  kite_status status = kite_interpreter_create(model, arena, exact - 1, &it, &error);
  std::string message = error.message;
  if (status == KITE_OK) {
    status = kite_interpreter_prepare(it);
    message = kite_interpreter_error(it);
  }
  EXPECT_EQ(status, KITE_ERROR_ARENA_TOO_SMALL);
  EXPECT_NE(message.find("too small"), std::string::npos) << message;
  kite_interpreter_free(it);
  std::free(arena);
  kite_model_free(model);
}

TEST(Rejection, UnknownOpCodeNamesTheNode) {
  ModelBuilder mb = Small();
  mb.model().operators[0]->opcode = static_cast<schema::OpCode>(250);
  const RunResult r = RunModel(mb.Build(), {});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("fc1"), std::string::npos) << r.error;
}

TEST(Rejection, ShapeInconsistentWithOp) {
  ModelBuilder mb = Small();
  mb.model().tensors[2]->shape = {1, 5};
  const RunResult r = RunModel(mb.Build(), {});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("expected [1,3]"), std::string::npos) << r.error;
}

TEST(Rejection, BadQuantization) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_INT8, {4}, PerTensor(-1.0f, 0));
  const int y = mb.Tensor("y", schema::DataType_INT8, {4}, PerTensor(1.0f, 0));
  mb.Op(schema::OpCode_RELU, {x}, {y});
  mb.Output(y);
  ExpectRejected(Load(mb.Build()), KITE_ERROR_MODEL_INVALID, "positive finite");
}

// Points tensor `x`'s zero-point vector 4 bytes further: its length is then
// the low half of the int64 1 (one element), its element 4-byte aligned only.
void ExpectMisalignedZeroPointsRejected(std::vector<uint8_t> bytes, int x) {
  const schema::Quantization* q = schema::GetModel(bytes.data())->tensors()->Get(x)->quantization();
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(q);  // generated tables inherit it privately
  const auto field = reinterpret_cast<const uint8_t*>(q) + table->GetOptionalFieldOffset(schema::Quantization::VT_ZERO_POINT);
  uint32_t offset = 0;
  std::memcpy(&offset, field, 4);
  offset += 4;
  std::memcpy(bytes.data() + (field - bytes.data()), &offset, 4);
  ExpectRejected(Load(AlignedBytes(bytes)), KITE_ERROR_MODEL_MALFORMED, "not 8-byte aligned");
}

// FlatBuffers' verifier checks a vector's 4-byte length, not the alignment
// of 8-byte elements: the loader does (found by fuzz_model_structure). A
// float tensor with zero points and no scale once skipped the check, and the
// structure fuzzer's object-API reader loaded them misaligned.
TEST(Rejection, MisalignedZeroPoints) {
  for (const bool float_tensor : {false, true}) {
    SCOPED_TRACE(float_tensor ? "float tensor, zero points only" : "int8 tensor");
    ModelBuilder mb;
    const schema::DataType type = float_tensor ? schema::DataType_FLOAT32 : schema::DataType_INT8;
    const Quant quantization = float_tensor ? Quant{} : PerTensor(1.0f, 1);
    const int x = mb.Input("x", type, {4}, quantization);
    const int y = mb.Tensor("y", type, {4}, float_tensor ? Quant{} : PerTensor(1.0f, 0));
    if (float_tensor) {
      mb.model().tensors[x]->quantization = std::make_unique<schema::QuantizationT>();
      mb.model().tensors[x]->quantization->zero_point = {1};
    }
    mb.Op(schema::OpCode_RELU, {x}, {y});
    mb.Output(y);
    ExpectMisalignedZeroPointsRejected(mb.Build().ToVector(), x);
  }
}

// Enums are signed bytes in the file: a Resize mode of -1 once passed the
// check (only > MAX was tested) and wrote through a null table (found by the
// mutation test on M-LSD).
TEST(Rejection, NegativeEnumValues) {
  for (int field = 0; field < 3; ++field) {
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 2, 2, 1});
    const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 4, 4, 1});
    schema::ResizeOptionsT o;
    o.mode = field == 0 ? static_cast<schema::ResizeMode>(-1) : schema::ResizeMode_BILINEAR;
    o.coordinate_transform = field == 1 ? static_cast<schema::CoordinateTransform>(-1) : schema::CoordinateTransform_HALF_PIXEL;
    o.nearest_rounding = field == 2 ? static_cast<schema::NearestRounding>(-128) : schema::NearestRounding_FLOOR;
    o.scale_h = o.scale_w = 2.0f;
    mb.Op(schema::OpCode_RESIZE, {x}, {y}, o, "resize");
    mb.Output(y);
    for (KernelSet set : AllKernelSets()) {
      ScopedKernelSet kernels(set);
      const RunResult r = RunModel(mb.Build(), {AsBytes(std::vector<float>(4, 1.0f))});
      EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID) << field << " " << r.error;
      EXPECT_NE(r.error.find("invalid ResizeOptions"), std::string::npos) << r.error;
    }
  }
}

// A one-byte uint8 or bool tensor read by a float kernel would be read past
// its end: only CAST and RESHAPE take them, on every kernel set.
TEST(Rejection, Uint8AndBoolTensorsOutsideCast) {
  for (const schema::DataType type : {schema::DataType_UINT8, schema::DataType_BOOL}) {
    for (const bool as_output : {false, true}) {
      SCOPED_TRACE(std::string(schema::EnumNameDataType(type)) + (as_output ? " output" : " input"));
      ModelBuilder mb;
      const int x = mb.Input("x", as_output ? schema::DataType_FLOAT32 : type, {16});
      const int y = mb.Tensor("y", as_output ? type : schema::DataType_FLOAT32, {16});
      mb.Op(schema::OpCode_RELU, {x}, {y});
      mb.Output(y);
      for (KernelSet set : AllKernelSets()) {
        ScopedKernelSet kernels(set);
        const RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(as_output ? 64 : 16)});
        EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED) << r.error;
        EXPECT_NE(r.error.find("CAST only"), std::string::npos) << r.error;
      }
    }
  }
}

TEST(Rejection, MisalignedModelBytes) {
  const auto bytes = Small().Build().ToVector();
  std::vector<uint8_t> shifted(bytes.size() + 64);
  uint8_t* base = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(shifted.data()) + 63) & ~uintptr_t{63});
  std::memcpy(base + 4, bytes.data(), bytes.size());
  kite_error error;
  kite_model* model = nullptr;
  EXPECT_EQ(kite_model_load(base + 4, bytes.size(), &model, &error), KITE_ERROR_MODEL_MISALIGNED);
}

// Every status above is distinct: a caller can tell the cases apart.
TEST(Rejection, StatusesAreDistinctAndNamed) {
  const kite_status all[] = {KITE_ERROR_MODEL_TOO_SMALL, KITE_ERROR_MODEL_MALFORMED, KITE_ERROR_MODEL_IDENTIFIER,
                             KITE_ERROR_MODEL_VERSION, KITE_ERROR_MODEL_INDEX, KITE_ERROR_MODEL_PLAN,
                             KITE_ERROR_MODEL_BUFFER, KITE_ERROR_ARENA_TOO_SMALL};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_STRNE(kite_status_string(all[i]), "KITE_ERROR_UNKNOWN");
    for (size_t j = i + 1; j < std::size(all); ++j) EXPECT_NE(all[i], all[j]);
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

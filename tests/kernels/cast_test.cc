// CAST between float32, int32, int64, uint8 and bool, against values worked
// out by hand from ONNX's (numpy's) rules: float to integer truncates toward
// zero, narrower integers keep their low bits, anything to bool is x != 0.
#include <cmath>
#include <limits>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

template <typename To>
std::vector<To> Cast(schema::DataType from, schema::DataType to, const std::vector<uint8_t>& bytes, int32_t count) {
  ModelBuilder mb;
  const int x = mb.Input("x", from, {count});
  const int y = mb.Tensor("y", to, {count});
  mb.Op(schema::OpCode_CAST, {x}, {y});
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {bytes});
  EXPECT_EQ(r.status, KITE_OK) << r.error;
  return r.status == KITE_OK ? FromBytes<To>(r.outputs[0]) : std::vector<To>();
}

const std::vector<float> kFloats = {0.0f, 2.9f, -2.9f, 255.5f, 256.0f, -1.0f, 300.0f, NAN, 1e30f, -0.0f};

TEST(Cast, FloatToIntegersTruncatesAndWraps) {
  EXPECT_EQ((Cast<int64_t>(schema::DataType_FLOAT32, schema::DataType_INT64, AsBytes(kFloats), 10)),
            (std::vector<int64_t>{0, 2, -2, 255, 256, -1, 300, 0, std::numeric_limits<int64_t>::max(), 0}));
  EXPECT_EQ((Cast<int32_t>(schema::DataType_FLOAT32, schema::DataType_INT32, AsBytes(kFloats), 10)),
            (std::vector<int32_t>{0, 2, -2, 255, 256, -1, 300, 0, -1, 0}));
  EXPECT_EQ((Cast<uint8_t>(schema::DataType_FLOAT32, schema::DataType_UINT8, AsBytes(kFloats), 10)),
            (std::vector<uint8_t>{0, 2, 254, 255, 0, 255, 44, 0, 255, 0}));
  EXPECT_EQ((Cast<uint8_t>(schema::DataType_FLOAT32, schema::DataType_BOOL, AsBytes(kFloats), 10)),
            (std::vector<uint8_t>{0, 1, 1, 1, 1, 1, 1, 1, 1, 0}));
}

TEST(Cast, IntegersAndBoolToFloat) {
  const std::vector<uint8_t> u8 = {0, 1, 128, 255};
  EXPECT_EQ((Cast<float>(schema::DataType_UINT8, schema::DataType_FLOAT32, u8, 4)),
            (std::vector<float>{0.0f, 1.0f, 128.0f, 255.0f}));
  // Any nonzero byte of a bool reads as true.
  EXPECT_EQ((Cast<float>(schema::DataType_BOOL, schema::DataType_FLOAT32, u8, 4)),
            (std::vector<float>{0.0f, 1.0f, 1.0f, 1.0f}));
  const std::vector<int32_t> i32 = {-7, 0, 16777216, -2147483647 - 1};
  EXPECT_EQ((Cast<float>(schema::DataType_INT32, schema::DataType_FLOAT32, AsBytes(i32), 4)),
            (std::vector<float>{-7.0f, 0.0f, 16777216.0f, -2147483648.0f}));
}

TEST(Cast, BetweenIntegersKeepsTheLowBits) {
  const std::vector<int64_t> i64 = {-1, 256 + 3, (int64_t{1} << 40) + 5, std::numeric_limits<int64_t>::min(), 9007199254740993};
  EXPECT_EQ((Cast<int64_t>(schema::DataType_INT64, schema::DataType_INT64, AsBytes(i64), 5)), i64);  // every bit
  EXPECT_EQ((Cast<int32_t>(schema::DataType_INT64, schema::DataType_INT32, AsBytes(i64), 5)),
            (std::vector<int32_t>{-1, 259, 5, 0, 1}));
  EXPECT_EQ((Cast<uint8_t>(schema::DataType_INT64, schema::DataType_UINT8, AsBytes(i64), 5)),
            (std::vector<uint8_t>{255, 3, 5, 0, 1}));
  EXPECT_EQ((Cast<uint8_t>(schema::DataType_INT64, schema::DataType_BOOL, AsBytes(i64), 5)),
            (std::vector<uint8_t>{1, 1, 1, 1, 1}));
  const std::vector<uint8_t> u8 = {0, 200};
  EXPECT_EQ((Cast<int64_t>(schema::DataType_UINT8, schema::DataType_INT64, u8, 2)), (std::vector<int64_t>{0, 200}));
}

TEST(Cast, RefusesQuantizedTypesAndShapeChanges) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_INT8, {4}, PerTensor(0.5f, 0));
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {4});
  mb.Op(schema::OpCode_CAST, {x}, {y});
  mb.Output(y);
  RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(4)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("int8"), std::string::npos) << r.error;

  ModelBuilder sb;
  const int sx = sb.Input("x", schema::DataType_UINT8, {4});
  const int sy = sb.Tensor("y", schema::DataType_FLOAT32, {2, 2});
  sb.Op(schema::OpCode_CAST, {sx}, {sy});
  sb.Output(sy);
  r = RunModel(sb.Build(), {std::vector<uint8_t>(4)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

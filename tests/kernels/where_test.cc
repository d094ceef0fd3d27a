// WHERE: condition ? x : z, the three broadcast numpy-style, against a direct
// selection (nonzero conditions, NaN included, are true).
#include <cmath>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

TEST(Where, BroadcastsAllThreeOperands) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  // condition [3, 1], x [2, 3, 4], z [4]: the output is [2, 3, 4].
  std::vector<float> c = {0.0f, 1.0f, NAN};
  const std::vector<float> x = rng.Floats(24);
  const std::vector<float> z = rng.Floats(4);
  ModelBuilder mb;
  const int tc = mb.Input("c", schema::DataType_FLOAT32, {3, 1});
  const int tx = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4});
  const int tz = mb.Input("z", schema::DataType_FLOAT32, {4});
  const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 4});
  mb.Op(schema::OpCode_WHERE, {tc, tx, tz}, {ty});
  mb.Output(ty);
  const RunResult r = RunModel(mb.Build(), {AsBytes(c), AsBytes(x), AsBytes(z)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int i = 0; i < 24; ++i) expected.push_back(c[(i / 4) % 3] != 0.0f ? x[i] : z[i % 4]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 0.0);
}

TEST(Where, RefusesShapesThatDoNotBroadcastAndInt8) {
  ModelBuilder mb;
  const int tc = mb.Input("c", schema::DataType_FLOAT32, {3});
  const int tx = mb.Input("x", schema::DataType_FLOAT32, {2});
  const int tz = mb.Input("z", schema::DataType_FLOAT32, {1});
  const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {3});
  mb.Op(schema::OpCode_WHERE, {tc, tx, tz}, {ty});
  mb.Output(ty);
  RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(12), std::vector<uint8_t>(8), std::vector<uint8_t>(4)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("broadcast"), std::string::npos) << r.error;

  ModelBuilder qb;
  const int qc = qb.Input("c", schema::DataType_FLOAT32, {2});
  const int qx = qb.Input("x", schema::DataType_INT8, {2}, PerTensor(0.1f, 0));
  const int qz = qb.Input("z", schema::DataType_INT8, {2}, PerTensor(0.1f, 0));
  const int qy = qb.Tensor("y", schema::DataType_INT8, {2}, PerTensor(0.1f, 0));
  qb.Op(schema::OpCode_WHERE, {qc, qx, qz}, {qy});
  qb.Output(qy);
  r = RunModel(qb.Build(), {std::vector<uint8_t>(8), std::vector<uint8_t>(2), std::vector<uint8_t>(2)});
  EXPECT_NE(r.status, KITE_OK);
}

}  // namespace
}  // namespace testing
}  // namespace kite

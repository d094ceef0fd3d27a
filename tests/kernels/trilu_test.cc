// TRILU: the upper or lower triangle of the last two dimensions, against a
// direct mask, on float32 and int8 (zero is the zero point), with k moving
// the diagonal both ways.
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

TEST(Trilu, UpperAndLowerEveryDiagonalFloatAndInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const std::vector<float> xf = rng.Floats(2 * 3 * 5);
  const std::vector<int8_t> xq = rng.Int8s(2 * 3 * 5);
  const int zero_point = -7;
  for (bool upper : {true, false})
    for (int64_t k : {-4, -1, 0, 2, 6}) {
      SCOPED_TRACE(std::string(upper ? "upper" : "lower") + " k " + std::to_string(k));
      ModelBuilder mb;
      const int f = mb.Input("f", schema::DataType_FLOAT32, {2, 3, 5});
      const int q = mb.Input("q", schema::DataType_INT8, {2, 3, 5}, PerTensor(0.1f, zero_point));
      const int fy = mb.Tensor("fy", schema::DataType_FLOAT32, {2, 3, 5});
      const int qy = mb.Tensor("qy", schema::DataType_INT8, {2, 3, 5}, PerTensor(0.1f, zero_point));
      schema::TriluOptionsT o;
      o.upper = upper;
      o.k = k;
      mb.Op(schema::OpCode_TRILU, {f}, {fy}, o);
      mb.Op(schema::OpCode_TRILU, {q}, {qy}, o);
      mb.Output(fy);
      mb.Output(qy);
      const RunResult r = RunModel(mb.Build(), {AsBytes(xf), AsBytes(xq)});
      ASSERT_EQ(r.status, KITE_OK) << r.error;
      std::vector<double> ef;
      std::vector<int8_t> eq;
      for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 5; ++j) {
            const int e = (b * 3 + i) * 5 + j;
            const bool keep = upper ? j - i >= k : j - i <= k;
            ef.push_back(keep ? xf[e] : 0.0);
            eq.push_back(keep ? xq[e] : static_cast<int8_t>(zero_point));
          }
      ExpectNearAll(FromBytes<float>(r.outputs[0]), ef, 0.0);
      ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
    }
}

TEST(Trilu, RefusesARankOneInputAndRequantization) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {5});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {5});
  mb.Op(schema::OpCode_TRILU, {x}, {y}, schema::TriluOptionsT{});
  mb.Output(y);
  RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(20)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("rank 2"), std::string::npos) << r.error;

  ModelBuilder qb;
  const int qx = qb.Input("x", schema::DataType_INT8, {2, 2}, PerTensor(0.1f, 0));
  const int qy = qb.Tensor("y", schema::DataType_INT8, {2, 2}, PerTensor(0.2f, 0));
  qb.Op(schema::OpCode_TRILU, {qx}, {qy}, schema::TriluOptionsT{});
  qb.Output(qy);
  r = RunModel(qb.Build(), {std::vector<uint8_t>(4)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
}

}  // namespace
}  // namespace testing
}  // namespace kite

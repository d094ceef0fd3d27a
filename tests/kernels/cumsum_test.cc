// CUMSUM: running sums along each axis of a rank-3 tensor, inclusive and
// exclusive, forward and reverse, against sums written out directly.
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

TEST(CumSum, EveryAxisExclusiveAndReverse) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const int32_t dims[3] = {2, 3, 4};
  const std::vector<float> x = rng.Floats(24);
  for (int axis = 0; axis < 3; ++axis)
    for (bool exclusive : {false, true})
      for (bool reverse : {false, true}) {
        SCOPED_TRACE("axis " + std::to_string(axis) + (exclusive ? " exclusive" : "") + (reverse ? " reverse" : ""));
        ModelBuilder mb;
        const int tx = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4});
        const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 4});
        schema::CumSumOptionsT o;
        o.axis = axis;
        o.exclusive = exclusive;
        o.reverse = reverse;
        mb.Op(schema::OpCode_CUMSUM, {tx}, {ty}, o);
        mb.Output(ty);
        const RunResult r = RunModel(mb.Build(), {AsBytes(x)});
        ASSERT_EQ(r.status, KITE_OK) << r.error;
        std::vector<double> expected(24);
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k) {
              const int at[3] = {i, j, k};
              double sum = 0;
              for (int m = 0; m < dims[axis]; ++m) {
                const bool in = reverse ? (exclusive ? m > at[axis] : m >= at[axis]) : (exclusive ? m < at[axis] : m <= at[axis]);
                if (!in) continue;
                int idx[3] = {i, j, k};
                idx[axis] = m;
                sum += x[(idx[0] * 3 + idx[1]) * 4 + idx[2]];
              }
              expected[(i * 3 + j) * 4 + k] = sum;
            }
        ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 1e-6);
      }
}

TEST(CumSum, RefusesAnAxisOutsideTheRankAndInt8) {
  ModelBuilder mb;
  const int tx = mb.Input("x", schema::DataType_FLOAT32, {3});
  const int ty = mb.Tensor("y", schema::DataType_FLOAT32, {3});
  schema::CumSumOptionsT o;
  o.axis = 1;
  mb.Op(schema::OpCode_CUMSUM, {tx}, {ty}, o);
  mb.Output(ty);
  RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(12)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("axis 1"), std::string::npos) << r.error;

  ModelBuilder qb;
  const int qx = qb.Input("x", schema::DataType_INT8, {3}, PerTensor(0.1f, 0));
  const int qy = qb.Tensor("y", schema::DataType_INT8, {3}, PerTensor(0.1f, 0));
  qb.Op(schema::OpCode_CUMSUM, {qx}, {qy}, schema::CumSumOptionsT{});
  qb.Output(qy);
  r = RunModel(qb.Build(), {std::vector<uint8_t>(3)});
  EXPECT_NE(r.status, KITE_OK);
}

}  // namespace
}  // namespace testing
}  // namespace kite

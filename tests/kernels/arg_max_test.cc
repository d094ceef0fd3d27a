// ARG_MAX / ARG_MIN: against a direct search, with ties (first or last
// index), kept or dropped axes, int8 codes and the errors prepare reports.
#include <algorithm>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

// One ARG op on x [2, 5, 3] along `axis`; the output keeps the axis as 1
// unless `drop`.
struct ArgTester {
  schema::OpCode op = schema::OpCode_ARG_MAX;
  int32_t axis = 1;
  bool last = false, drop = false;
  schema::DataType type = schema::DataType_FLOAT32;

  std::vector<int32_t> OutShape() const {
    std::vector<int32_t> s = {2, 5, 3};
    const int32_t a = axis < 0 ? axis + 3 : axis;
    if (drop) s.erase(s.begin() + a);
    else s[a] = 1;
    return s;
  }
  RunResult Run(const std::vector<uint8_t>& x, schema::DataType out_type = schema::DataType_INT64) const {
    ModelBuilder mb;
    const int in = type == schema::DataType_INT8 ? mb.Input("x", type, {2, 5, 3}, PerTensor(0.5f, -3))
                                                  : mb.Input("x", type, {2, 5, 3});
    const int out = mb.Tensor("y", out_type, OutShape());
    schema::ArgOptionsT o;
    o.axis = axis;
    o.select_last_index = last;
    mb.Op(op, {in}, {out}, o);
    mb.Output(out);
    return RunModel(mb.Build(), {x});
  }
  // The direct search over values v (as doubles).
  std::vector<int64_t> Expected(const std::vector<double>& v) const {
    const int dims[3] = {2, 5, 3};
    const int a = axis < 0 ? axis + 3 : axis;
    std::vector<int64_t> result;
    for (int i = 0; i < (a == 0 ? 1 : 2); ++i)
      for (int j = 0; j < (a == 1 ? 1 : 5); ++j)
        for (int k = 0; k < (a == 2 ? 1 : 3); ++k) {
          int best = 0;
          for (int t = 0; t < dims[a]; ++t) {
            const int idx[3] = {a == 0 ? t : i, a == 1 ? t : j, a == 2 ? t : k};
            const int b_idx[3] = {a == 0 ? best : i, a == 1 ? best : j, a == 2 ? best : k};
            const double x = v[(idx[0] * 5 + idx[1]) * 3 + idx[2]], b = v[(b_idx[0] * 5 + b_idx[1]) * 3 + b_idx[2]];
            const bool max = op == schema::OpCode_ARG_MAX;
            if (t > 0 && (max ? (last ? x >= b : x > b) : (last ? x <= b : x < b))) best = t;
          }
          result.push_back(best);
        }
    return result;
  }
};

TEST(Arg, FloatEveryAxisBothOpsTiesFirstAndLast) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  std::vector<float> x = rng.Floats(30, -2.0f, 2.0f);
  for (float& v : x) v = std::round(v * 2.0f) / 2.0f;  // few distinct values: many ties
  std::vector<double> values(x.begin(), x.end());
  for (schema::OpCode op : {schema::OpCode_ARG_MAX, schema::OpCode_ARG_MIN})
    for (int32_t axis : {0, 1, -1})
      for (bool last : {false, true})
        for (bool drop : {false, true}) {
          SCOPED_TRACE(std::string(schema::EnumNameOpCode(op)) + " axis " + std::to_string(axis) + (last ? " last" : " first") +
                       (drop ? " drop" : " keep"));
          ArgTester t;
          t.op = op;
          t.axis = axis;
          t.last = last;
          t.drop = drop;
          const RunResult r = t.Run(AsBytes(x));
          ASSERT_EQ(r.status, KITE_OK) << r.error;
          EXPECT_EQ(FromBytes<int64_t>(r.outputs[0]), t.Expected(values));
        }
}

// int8 codes order as their values: the answer is the dequantized values'.
TEST(Arg, Int8ComparesCodes) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  const std::vector<int8_t> q = Random(TestSeed()).Int8s(30);
  std::vector<double> values;
  for (int8_t v : q) values.push_back(0.5 * (v + 3));
  ArgTester t;
  t.type = schema::DataType_INT8;
  const RunResult r = t.Run(AsBytes(q));
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(FromBytes<int64_t>(r.outputs[0]), t.Expected(values));
}

TEST(Arg, RefusesAnOutputThatIsNotInt64OrAnAxisOutOfRange) {
  const std::vector<uint8_t> x(30 * 4, 0);
  ArgTester t;
  RunResult r = t.Run(x, schema::DataType_FLOAT32);
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("int64"), std::string::npos) << r.error;
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_FLOAT32, {2, 5, 3});
  const int out = mb.Tensor("y", schema::DataType_INT64, {2, 5, 3});
  schema::ArgOptionsT o;
  o.axis = 3;
  mb.Op(schema::OpCode_ARG_MAX, {in}, {out}, o);
  mb.Output(out);
  r = RunModel(mb.Build(), {x});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("out of range"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

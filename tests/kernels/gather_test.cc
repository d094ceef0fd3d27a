// GATHER: data[..., indices..., ...] along an axis, against a direct
// selection, for every axis of a rank-3 tensor, indices of every dtype it
// takes (int32, int64, float32 whole numbers) with negative ones, float32
// and int8 data. An index outside the axis gives zeros (the zero point).
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

constexpr int32_t kDims[3] = {2, 3, 4};

std::vector<uint8_t> IndexBytes(schema::DataType type, const std::vector<int64_t>& idx) {
  switch (type) {
    case schema::DataType_INT64: return AsBytes(idx);
    case schema::DataType_INT32: return AsBytes(std::vector<int32_t>(idx.begin(), idx.end()));
    default: return AsBytes(std::vector<float>(idx.begin(), idx.end()));
  }
}

TEST(Gather, EveryAxisAndIndexDtypeFloatAndInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const std::vector<float> xf = rng.Floats(24);
  const std::vector<int8_t> xq = rng.Int8s(24);
  const int zero_point = 5;
  for (int axis = 0; axis < 3; ++axis)
    for (schema::DataType itype : {schema::DataType_INT64, schema::DataType_INT32, schema::DataType_FLOAT32}) {
      SCOPED_TRACE("axis " + std::to_string(axis) + " indices " + schema::EnumNameDataType(itype));
      const int32_t len = kDims[axis];
      // [2, 2] indices: negative, repeated, and one outside the axis.
      const std::vector<int64_t> idx = {len - 1, -1, 0, len};
      std::vector<int32_t> out_shape;
      for (int d = 0; d < 3; ++d) {
        if (d == axis) {
          out_shape.push_back(2);
          out_shape.push_back(2);
        } else {
          out_shape.push_back(kDims[d]);
        }
      }
      ModelBuilder mb;
      const int f = mb.Input("f", schema::DataType_FLOAT32, {2, 3, 4});
      const int q = mb.Input("q", schema::DataType_INT8, {2, 3, 4}, PerTensor(0.1f, zero_point));
      const int i = mb.Input("i", itype, {2, 2});
      const int fy = mb.Tensor("fy", schema::DataType_FLOAT32, out_shape);
      const int qy = mb.Tensor("qy", schema::DataType_INT8, out_shape, PerTensor(0.1f, zero_point));
      schema::GatherOptionsT o;
      o.axis = axis;
      mb.Op(schema::OpCode_GATHER, {f, i}, {fy}, o);
      mb.Op(schema::OpCode_GATHER, {q, i}, {qy}, o);
      mb.Output(fy);
      mb.Output(qy);
      const RunResult r = RunModel(mb.Build(), {AsBytes(xf), AsBytes(xq), IndexBytes(itype, idx)});
      ASSERT_EQ(r.status, KITE_OK) << r.error;
      std::vector<double> ef;
      std::vector<int8_t> eq;
      const int outer = axis == 0 ? 1 : axis == 1 ? 2 : 6;
      const int inner = axis == 0 ? 12 : axis == 1 ? 4 : 1;
      for (int a = 0; a < outer; ++a)
        for (int64_t k : idx)
          for (int b = 0; b < inner; ++b) {
            const int64_t pos = k < 0 ? k + len : k;
            const bool inside = pos >= 0 && pos < len;
            const int e = static_cast<int>((a * len + pos) * inner + b);
            ef.push_back(inside ? xf[e] : 0.0);
            eq.push_back(inside ? xq[e] : static_cast<int8_t>(zero_point));
          }
      ExpectNearAll(FromBytes<float>(r.outputs[0]), ef, 0.0);
      ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
    }
}

// GatherElements on [3, 4] along each axis: output[i][j] = data[idx[i][j]][j]
// (axis 0) or data[i][idx[i][j]] (axis 1), with fewer indices than the data
// along the axis, negative ones and one outside it.
TEST(GatherElements, BothAxesFloatAndInt8) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const std::vector<float> xf = rng.Floats(12);
  const std::vector<int8_t> xq = rng.Int8s(12);
  const int zero_point = -3;
  for (int axis = 0; axis < 2; ++axis) {
    SCOPED_TRACE("axis " + std::to_string(axis));
    const int len = axis == 0 ? 3 : 4;
    // Two index rows along axis 0 ([2, 4]), or two columns along axis 1 ([3, 2]).
    const std::vector<int32_t> ishape = axis == 0 ? std::vector<int32_t>{2, 4} : std::vector<int32_t>{3, 2};
    std::vector<int64_t> idx;
    for (int i = 0; i < ishape[0] * ishape[1] - 2; ++i) idx.push_back(rng.Int(-len, len - 1));
    idx.push_back(len);  // outside: zeros
    idx.push_back(-len);
    ModelBuilder mb;
    const int f = mb.Input("f", schema::DataType_FLOAT32, {3, 4});
    const int q = mb.Input("q", schema::DataType_INT8, {3, 4}, PerTensor(0.1f, zero_point));
    const int i = mb.Input("i", schema::DataType_INT64, ishape);
    const int fy = mb.Tensor("fy", schema::DataType_FLOAT32, ishape);
    const int qy = mb.Tensor("qy", schema::DataType_INT8, ishape, PerTensor(0.1f, zero_point));
    schema::GatherOptionsT o;
    o.axis = axis;
    mb.Op(schema::OpCode_GATHER_ELEMENTS, {f, i}, {fy}, o);
    mb.Op(schema::OpCode_GATHER_ELEMENTS, {q, i}, {qy}, o);
    mb.Output(fy);
    mb.Output(qy);
    const RunResult r = RunModel(mb.Build(), {AsBytes(xf), AsBytes(xq), AsBytes(idx)});
    ASSERT_EQ(r.status, KITE_OK) << r.error;
    std::vector<double> ef;
    std::vector<int8_t> eq;
    for (int row = 0; row < ishape[0]; ++row)
      for (int col = 0; col < ishape[1]; ++col) {
        int64_t k = idx[row * ishape[1] + col];
        if (k < 0) k += len;
        const bool inside = k >= 0 && k < len;
        const int64_t e = axis == 0 ? k * 4 + col : row * 4 + k;
        ef.push_back(inside ? xf[e] : 0.0);
        eq.push_back(inside ? xq[e] : static_cast<int8_t>(zero_point));
      }
    ExpectNearAll(FromBytes<float>(r.outputs[0]), ef, 0.0);
    ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
  }
}

TEST(GatherElements, RefusesIndicesThatDoNotMatchOffTheAxis) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {3, 4});
  const int i = mb.Input("i", schema::DataType_INT64, {2, 3});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3});
  mb.Op(schema::OpCode_GATHER_ELEMENTS, {x, i}, {y}, schema::GatherOptionsT{});
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {std::vector<uint8_t>(48), std::vector<uint8_t>(48)});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("do not match"), std::string::npos) << r.error;
}

TEST(Gather, RefusesBadAxisShapeAndIndexDtype) {
  const auto run = [](int axis, schema::DataType itype, std::vector<int32_t> out_shape) {
    ModelBuilder mb;
    const int x = mb.Input("x", schema::DataType_FLOAT32, {3, 4});
    const int i = mb.Input("i", itype, {2}, itype == schema::DataType_INT8 ? PerTensor(1.0f, 0) : Quant{});
    const int y = mb.Tensor("y", schema::DataType_FLOAT32, std::move(out_shape));
    schema::GatherOptionsT o;
    o.axis = axis;
    mb.Op(schema::OpCode_GATHER, {x, i}, {y}, o);
    mb.Output(y);
    return RunModel(mb.Build(), {std::vector<uint8_t>(48), std::vector<uint8_t>(16)});
  };
  RunResult r = run(2, schema::DataType_INT64, {2, 4});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("axis 2"), std::string::npos) << r.error;
  r = run(0, schema::DataType_INT64, {3, 4});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID) << r.error;
  r = run(0, schema::DataType_INT8, {2, 4});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_UNSUPPORTED);
  EXPECT_NE(r.error.find("indices"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testing
}  // namespace kite

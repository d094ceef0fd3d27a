// Pad, Concat, Split, Slice, Transpose, Reshape: every output element checked
// against the index arithmetic of the ONNX definition.
#include <algorithm>

#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

std::vector<float> Iota(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST(Pad, Float32AndInt8) {
  // [2,3,4] padded by begin {0,1,2}, end {1,0,1}.
  ModelBuilder mb;
  const int xf = mb.Input("xf", schema::DataType_FLOAT32, {2, 3, 4});
  const int xq = mb.Input("xq", schema::DataType_INT8, {2, 3, 4}, PerTensor(0.5f, 3));
  const int yf = mb.Tensor("yf", schema::DataType_FLOAT32, {3, 4, 7});
  const int yq = mb.Tensor("yq", schema::DataType_INT8, {3, 4, 7}, PerTensor(0.5f, 3));
  schema::PadOptionsT o;
  o.pads_begin = {0, 1, 2};
  o.pads_end = {1, 0, 1};
  o.value = -1.0f;
  mb.Op(schema::OpCode_PAD, {xf}, {yf}, o);
  mb.Op(schema::OpCode_PAD, {xq}, {yq}, o);
  mb.Output(yf);
  mb.Output(yq);
  const auto in = Iota(24);
  std::vector<int8_t> inq(24);
  for (int i = 0; i < 24; ++i) inq[i] = static_cast<int8_t>(i * 5 - 60);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in), AsBytes(inq)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> ef;
  std::vector<int8_t> eq;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 7; ++c) {
        const int ia = a, ib = b - 1, ic = c - 2;
        const bool inside = ia < 2 && ib >= 0 && ic >= 0 && ic < 4;
        ef.push_back(inside ? in[(ia * 3 + ib) * 4 + ic] : -1.0);
        eq.push_back(inside ? inq[(ia * 3 + ib) * 4 + ic] : static_cast<int8_t>(-2 + 3));  // -1 / 0.5 + 3
      }
  ExpectNearAll(FromBytes<float>(r.outputs[0]), ef, 0);
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
}

TEST(Concat, ChannelsWithRequantizedInput) {
  // Two int8 inputs along the last axis; the second has other parameters.
  ModelBuilder mb;
  const int a = mb.Input("a", schema::DataType_INT8, {1, 2, 2, 3}, PerTensor(0.1f, 0));
  const int b = mb.Input("b", schema::DataType_INT8, {1, 2, 2, 2}, PerTensor(0.2f, 5));
  const int y = mb.Tensor("y", schema::DataType_INT8, {1, 2, 2, 5}, PerTensor(0.1f, 0));
  schema::ConcatOptionsT o;
  o.axis = -1;
  mb.Op(schema::OpCode_CONCAT, {a, b}, {y}, o);
  mb.Output(y);
  std::vector<int8_t> va(12), vb(8);
  for (int i = 0; i < 12; ++i) va[i] = static_cast<int8_t>(i - 6);
  for (int i = 0; i < 8; ++i) vb[i] = static_cast<int8_t>(i * 30 - 100);
  const RunResult r = RunModel(mb.Build(), {AsBytes(va), AsBytes(vb)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<int8_t> expected;
  for (int p = 0; p < 4; ++p) {
    for (int c = 0; c < 3; ++c) expected.push_back(va[p * 3 + c]);
    for (int c = 0; c < 2; ++c) expected.push_back(SpecRoundToInt8(static_cast<float>(vb[p * 2 + c] - 5) * (0.2f / 0.1f), 0));
  }
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
}

// Requantizing pieces (ratios 2, 0.5 with ties, and 0.37) with runs of 37
// and 19 channels: the optimized Concat and Split against the reference.
TEST(ConcatSplit, Int8RequantizingOptimizedMatchesReference) {
  SCOPED_TRACE("seed " + std::to_string(TestSeed()));
  Random rng(TestSeed());
  const auto va = rng.Int8s(6 * 5 * 37), vb = rng.Int8s(6 * 5 * 19);
  ModelBuilder mb;
  const int a = mb.Input("a", schema::DataType_INT8, {1, 6, 5, 37}, PerTensor(0.2f, 3));
  const int b = mb.Input("b", schema::DataType_INT8, {1, 6, 5, 19}, PerTensor(0.05f, -9));
  const int joined = mb.Tensor("joined", schema::DataType_INT8, {1, 6, 5, 56}, PerTensor(0.1f, 1));
  schema::ConcatOptionsT co;
  co.axis = 3;
  mb.Op(schema::OpCode_CONCAT, {a, b}, {joined}, co);
  const int p0 = mb.Tensor("p0", schema::DataType_INT8, {1, 6, 5, 20}, PerTensor(0.27f, -4));
  const int p1 = mb.Tensor("p1", schema::DataType_INT8, {1, 6, 5, 36}, PerTensor(0.1f, 1));
  schema::SplitOptionsT so;
  so.axis = 3;
  mb.Op(schema::OpCode_SPLIT, {joined}, {p0, p1}, so);
  mb.Output(joined);
  mb.Output(p0);
  mb.Output(p1);
  const AlignedBytes model = mb.Build();
  const BothKernelSets runs = RunOnBothKernelSets(model, {AsBytes(va), AsBytes(vb)});
  ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
  ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
  EXPECT_EQ(runs.optimized.kernels[0], "optimized/concat_requantize_int8");
  EXPECT_EQ(runs.optimized.kernels[1], "optimized/split_requantize_int8");
  for (int o = 0; o < 3; ++o) {
    ExpectEqualInt8(FromBytes<int8_t>(runs.optimized.outputs[o]), FromBytes<int8_t>(runs.reference.outputs[o]));
  }
}

TEST(ConcatSplit, RoundTripAlongMiddleAxis) {
  ModelBuilder mb;
  const int a = mb.Input("a", schema::DataType_FLOAT32, {2, 3, 4});
  const int b = mb.Input("b", schema::DataType_FLOAT32, {2, 1, 4});
  const int joined = mb.Tensor("joined", schema::DataType_FLOAT32, {2, 4, 4});
  schema::ConcatOptionsT co;
  co.axis = 1;
  mb.Op(schema::OpCode_CONCAT, {a, b}, {joined}, co);
  const int p0 = mb.Tensor("p0", schema::DataType_FLOAT32, {2, 1, 4});
  const int p1 = mb.Tensor("p1", schema::DataType_FLOAT32, {2, 3, 4});
  schema::SplitOptionsT so;
  so.axis = 1;
  mb.Op(schema::OpCode_SPLIT, {joined}, {p0, p1}, so);
  mb.Output(joined);
  mb.Output(p0);
  mb.Output(p1);
  const auto va = Iota(24);
  std::vector<float> vb = {100, 101, 102, 103, 200, 201, 202, 203};
  const RunResult r = RunModel(mb.Build(), {AsBytes(va), AsBytes(vb)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> ej, e0, e1;
  for (int n = 0; n < 2; ++n)
    for (int k = 0; k < 4; ++k)
      for (int c = 0; c < 4; ++c) ej.push_back(k < 3 ? va[(n * 3 + k) * 4 + c] : vb[n * 4 + c]);
  for (int n = 0; n < 2; ++n)
    for (int k = 0; k < 4; ++k)
      for (int c = 0; c < 4; ++c) (k == 0 ? e0 : e1).push_back(ej[(n * 4 + k) * 4 + c]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), ej, 0);
  ExpectNearAll(FromBytes<float>(r.outputs[1]), e0, 0);
  ExpectNearAll(FromBytes<float>(r.outputs[2]), e1, 0);
}

TEST(Slice, StepsIncludingNegative) {
  // x[1:3, ::-2, 1:7:3] of a [4,5,8] tensor.
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {4, 5, 8});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 3, 2});
  schema::SliceOptionsT o;
  o.begin = {1, 4, 1};
  o.step = {1, -2, 3};
  mb.Op(schema::OpCode_SLICE, {x}, {y}, o);
  mb.Output(y);
  const auto in = Iota(160);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int a = 1; a < 3; ++a)
    for (int b = 4; b >= 0; b -= 2)
      for (int c = 1; c < 7; c += 3) expected.push_back(in[(a * 5 + b) * 8 + c]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 0);
}

TEST(Slice, OutOfRangeIsRejected) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {4, 5});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 5});
  schema::SliceOptionsT o;
  o.begin = {3, 0};
  o.step = {1, 1};
  mb.Op(schema::OpCode_SLICE, {x}, {y}, o, "bad_slice");
  mb.Output(y);
  const RunResult r = RunModel(mb.Build(), {});
  EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
  EXPECT_NE(r.error.find("bad_slice"), std::string::npos) << r.error;
}

TEST(Transpose, NchwToNhwcAndInt8) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {2, 3, 4, 5});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {2, 4, 5, 3});
  const int xq = mb.Input("xq", schema::DataType_INT8, {3, 7}, PerTensor(1.0f, 0));
  const int yq = mb.Tensor("yq", schema::DataType_INT8, {7, 3}, PerTensor(1.0f, 0));
  schema::TransposeOptionsT o;
  o.perm = {0, 2, 3, 1};
  mb.Op(schema::OpCode_TRANSPOSE, {x}, {y}, o);
  schema::TransposeOptionsT o2;
  o2.perm = {1, 0};
  mb.Op(schema::OpCode_TRANSPOSE, {xq}, {yq}, o2);
  mb.Output(y);
  mb.Output(yq);
  const auto in = Iota(120);
  std::vector<int8_t> inq(21);
  for (int i = 0; i < 21; ++i) inq[i] = static_cast<int8_t>(i);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in), AsBytes(inq)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  std::vector<double> expected;
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 4; ++h)
      for (int w = 0; w < 5; ++w)
        for (int c = 0; c < 3; ++c) expected.push_back(in[((n * 3 + c) * 4 + h) * 5 + w]);
  ExpectNearAll(FromBytes<float>(r.outputs[0]), expected, 0);
  std::vector<int8_t> eq;
  for (int j = 0; j < 7; ++j)
    for (int i = 0; i < 3; ++i) eq.push_back(inq[i * 7 + j]);
  ExpectEqualInt8(FromBytes<int8_t>(r.outputs[1]), eq);
}

// Every permutation of rank-4 shapes whose coalesced boxes end in 2-D
// transposes of 2, 3, 4 and 5 columns or in plain copies, and a rank-3
// transpose of 70 x 37 (partial 32 x 32 tiles): float32 and int8, against
// the index arithmetic; the optimized set takes the 2-D cases.
TEST(Transpose, EveryPermutationAndTileTail) {
  struct Case { std::vector<int32_t> shape; };
  for (const Case& c : {Case{{2, 3, 5, 7}}, Case{{1, 4, 2, 9}}, Case{{3, 1, 70, 37}}}) {
    std::vector<int32_t> perm = {0, 1, 2, 3};
    do {
      for (bool int8 : {false, true}) {
        SCOPED_TRACE(std::string(int8 ? "int8" : "float32") + " perm " + std::to_string(perm[0]) + std::to_string(perm[1]) +
                     std::to_string(perm[2]) + std::to_string(perm[3]) + " of " + std::to_string(c.shape[2]) + "x" +
                     std::to_string(c.shape[3]));
        std::vector<int32_t> out_shape(4);
        for (int i = 0; i < 4; ++i) out_shape[i] = c.shape[perm[i]];
        const auto type = int8 ? schema::DataType_INT8 : schema::DataType_FLOAT32;
        const converter::Quant q = int8 ? PerTensor(1.0f, 0) : converter::Quant{};
        ModelBuilder mb;
        const int x = mb.Input("x", type, c.shape, q);
        const int y = mb.Tensor("y", type, out_shape, q);
        schema::TransposeOptionsT o;
        o.perm = perm;
        mb.Op(schema::OpCode_TRANSPOSE, {x}, {y}, o);
        mb.Output(y);
        const int64_t n = int64_t{c.shape[0]} * c.shape[1] * c.shape[2] * c.shape[3];
        std::vector<float> in = Iota(static_cast<int>(n));
        std::vector<int8_t> inq(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) inq[i] = static_cast<int8_t>(i * 7 % 251 - 125);
        const BothKernelSets runs = RunOnBothKernelSets(mb.Build(), {int8 ? AsBytes(inq) : AsBytes(in)});
        ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
        ASSERT_EQ(runs.reference.status, KITE_OK) << runs.reference.error;
        std::vector<uint8_t> expected;
        const int64_t strides[4] = {int64_t{c.shape[1]} * c.shape[2] * c.shape[3], int64_t{c.shape[2]} * c.shape[3],
                                    c.shape[3], 1};
        const size_t element = int8 ? 1 : 4;
        const uint8_t* src = int8 ? reinterpret_cast<const uint8_t*>(inq.data()) : reinterpret_cast<const uint8_t*>(in.data());
        for (int32_t a = 0; a < out_shape[0]; ++a)
          for (int32_t b = 0; b < out_shape[1]; ++b)
            for (int32_t d = 0; d < out_shape[2]; ++d)
              for (int32_t e = 0; e < out_shape[3]; ++e) {
                const int64_t i = a * strides[perm[0]] + b * strides[perm[1]] + d * strides[perm[2]] + e * strides[perm[3]];
                expected.insert(expected.end(), src + i * element, src + (i + 1) * element);
              }
        EXPECT_EQ(runs.optimized.outputs[0], expected);
        EXPECT_EQ(runs.reference.outputs[0], expected);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
  // NCHW -> NHWC of a 3-channel image is a 2-D transpose of 3 columns.
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 3, 8, 8});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 8, 8, 3});
  schema::TransposeOptionsT o;
  o.perm = {0, 2, 3, 1};
  mb.Op(schema::OpCode_TRANSPOSE, {x}, {y}, o);
  mb.Output(y);
  const BothKernelSets runs = RunOnBothKernelSets(mb.Build(), {AsBytes(Iota(192))});
  ASSERT_EQ(runs.optimized.status, KITE_OK) << runs.optimized.error;
  EXPECT_EQ(runs.optimized.kernels[0], "optimized/transpose_2d");
}

TEST(Reshape, KeepsBytesAndChecksElementCount) {
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {2, 6});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {3, 4});
  mb.Op(schema::OpCode_RESHAPE, {x}, {y}, schema::ReshapeOptionsT{});
  mb.Output(y);
  const auto in = Iota(12);
  const RunResult r = RunModel(mb.Build(), {AsBytes(in)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(FromBytes<float>(r.outputs[0]), in);

  ModelBuilder bad;
  const int bx = bad.Input("x", schema::DataType_FLOAT32, {2, 6});
  const int by = bad.Tensor("y", schema::DataType_FLOAT32, {5});
  bad.Op(schema::OpCode_RESHAPE, {bx}, {by}, schema::ReshapeOptionsT{});
  bad.Output(by);
  EXPECT_EQ(RunModel(bad.Build(), {}).status, KITE_ERROR_MODEL_INVALID);
}

}  // namespace
}  // namespace testing
}  // namespace kite

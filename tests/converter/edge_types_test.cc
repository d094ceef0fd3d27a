// Graph inputs and outputs of other types than float32: a uint8 camera frame
// cast to float, int64 token ids gathering an embedding, a bool mask out.
// Inside the graph Kite computes them as float32; CAST sits at the edges.
#include <gtest/gtest.h>

#include <cstring>

#include <onnx/onnx_pb.h>

#include "analysis/layer_compare.h"
#include "convert.h"
#include "data/npy.h"
#include "kite/kite.hpp"
#include "kite_generated.h"
#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {
namespace {

const std::string kDir = KITE_TEST_WORK_DIR;

// img (uint8) -> Cast -> * 1/255 -> Conv 3x3 -> Relu -> Conv 1x1 -> Relu -> y,
// and the pixels > 127.5 as a bool mask; with `as_float`, the same net on a
// float input of the pixels.
std::string FrameNet(uint32_t seed, bool as_float) {
  Random rng(seed);
  OnnxBuilder b;
  b.Input("img", {1, 3, 8, 8}, as_float ? onnx::TensorProto::FLOAT : onnx::TensorProto::UINT8);
  b.Initializer("k", {}, {1.0f / 255.0f});
  b.Initializer("w", {4, 3, 3, 3}, rng.Floats(4 * 27));
  b.Initializer("b", {4}, rng.Floats(4, -0.1f, 0.1f));
  b.Initializer("w2", {4, 4, 1, 1}, rng.Floats(16));
  b.Initializer("t", {}, {127.5f});
  const std::string pixels = as_float ? "img" : "f";
  if (!as_float) OnnxBuilder::IntAttr(b.Node("Cast", {"img"}, {"f"}), "to", onnx::TensorProto::FLOAT);
  b.Node("Mul", {pixels, "k"}, {"s"});
  OnnxBuilder::IntsAttr(b.Node("Conv", {"s", "w", "b"}, {"c"}), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  b.Node("Conv", {"r", "w2"}, {"c2"});
  b.Node("Relu", {"c2"}, {"y"});
  b.Node("Greater", {pixels, "t"}, {"mask"});
  b.Output("y");
  b.Output("mask", onnx::TensorProto::BOOL);
  return b.Save(kDir, TestScopedName(as_float ? "frame_float.onnx" : "frame_uint8.onnx"));
}

TEST(EdgeTypes, Uint8FrameInBoolMaskOut) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto uint8_model = converter::ConvertOnnx(FrameNet(seed, false), {}, nullptr);
  const auto float_model = converter::ConvertOnnx(FrameNet(seed, true), {}, nullptr);
  std::vector<uint8_t> pixels(3 * 64);
  Random rng(seed + 1);
  for (uint8_t& p : pixels) p = static_cast<uint8_t>(rng.Int(0, 255));
  pixels[0] = 0;  // the mask has both values whatever the seed
  pixels[1] = 255;
  std::vector<float> as_floats(pixels.begin(), pixels.end());

  const Outputs u = RunTyped(uint8_model, {pixels});
  const Outputs f = RunTyped(float_model, {AsBytes(as_floats)});
  ASSERT_EQ(u.dtypes, (std::vector<kite_dtype>{KITE_FLOAT32, KITE_BOOL}));
  // The cast is exact: both nets compute the same floats.
  EXPECT_EQ(u.bytes, f.bytes);
  ASSERT_EQ(u.bytes[1].size(), pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) EXPECT_EQ(u.bytes[1][i], pixels[i] > 127 ? 1 : 0) << i;
}

// Calibrated on uint8 frames (an .npy of dtype uint8), the int8 model keeps
// the uint8 input and the float model's answer.
TEST(EdgeTypes, Uint8FrameQuantizesToInt8) {
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string onnx = FrameNet(seed, false);
  Random rng(seed + 1);
  converter::NpyArray calibration{"|u1", {8, 3, 8, 8}, {}};
  for (int i = 0; i < 8 * 192; ++i) calibration.data.push_back(static_cast<uint8_t>(rng.Int(0, 255)));
  const std::string path = kDir + "/" + TestScopedName("frames.npy");
  converter::WriteNpy(path, calibration);
  converter::ConvertOptions options;
  options.quantization.int8 = true;
  options.quantization.calibration = path;
  const auto int8_model = converter::ConvertOnnx(onnx, options, nullptr);
  const auto float_model = converter::ConvertOnnx(onnx, {}, nullptr);
  const std::vector<uint8_t> frame(calibration.data.begin(), calibration.data.begin() + 192);
  const Outputs q = RunTyped(int8_model, {frame});
  const Outputs f = RunTyped(float_model, {frame});
  ASSERT_EQ(q.dtypes, (std::vector<kite_dtype>{KITE_FLOAT32, KITE_BOOL}));
  converter::ErrorStats s;
  const std::vector<float> qy = FromBytes<float>(q.bytes[0]), fy = FromBytes<float>(f.bytes[0]);
  s.Add(qy.data(), fy.data(), fy.size());
  // A calibration sample, min-max ranges: the roundings alone.
  EXPECT_GT(s.sqnr_db(), 25.0);
  const schema::Model* m = schema::GetModel(int8_model.data());
  int int8_convs = 0;
  for (const auto* op : *m->operators()) {
    if (op->opcode() == schema::OpCode_CONV_2D &&
        m->tensors()->Get(op->inputs()->Get(0))->type() == schema::DataType_INT8) {
      ++int8_convs;
    }
  }
  EXPECT_GE(int8_convs, 1);
}

// int64 ids gather rows of an embedding; Where keeps the rows whose id is
// not the padding id 0.
TEST(EdgeTypes, Int64IdsGatherAnEmbedding) {
  OnnxBuilder b;
  b.Input("ids", {2, 3}, onnx::TensorProto::INT64);
  std::vector<float> table;
  for (int i = 0; i < 5 * 4; ++i) table.push_back(static_cast<float>(i) * 0.5f);
  b.Initializer("table", {5, 4}, table);
  b.IntInitializer("pad", {0});
  b.Initializer("zero", {}, {0.0f});
  b.Node("Gather", {"table", "ids"}, {"rows"});
  b.Node("Equal", {"ids", "pad"}, {"is_pad"});
  OnnxBuilder::IntsAttr(b.Node("Unsqueeze", {"is_pad"}, {"is_pad3"}), "axes", {2});
  b.Node("Where", {"is_pad3", "zero", "rows"}, {"y"});
  b.Node("ArgMax", {"y"}, {"best"});
  b.Output("y");
  b.Output("best", onnx::TensorProto::INT64);
  b.Opset(11);
  const auto model = converter::ConvertOnnx(b.Save(kDir, "embedding.onnx"), {}, nullptr);
  const std::vector<int64_t> ids = {4, 0, -1, 2, 0, 1};  // -1: the last row
  const Outputs out = RunTyped(model, {AsBytes(ids)});
  ASSERT_EQ(out.dtypes, (std::vector<kite_dtype>{KITE_FLOAT32, KITE_INT64}));
  std::vector<double> expected;
  for (int64_t id : ids) {
    const int64_t row = id < 0 ? id + 5 : id;
    for (int c = 0; c < 4; ++c) expected.push_back(id == 0 ? 0.0 : table[row * 4 + c]);
  }
  ExpectNearAll(FromBytes<float>(out.bytes[0]), expected, 0.0);
  // Along axis 0 of [2, 3, 4]: which of the two rows of three ids is larger.
  std::vector<int64_t> best;
  for (int i = 0; i < 12; ++i) best.push_back(expected[12 + i] > expected[i] ? 1 : 0);
  EXPECT_EQ(FromBytes<int64_t>(out.bytes[1]), best);
}

// Position ids from an attention mask: CumSum(mask, axis 1) * mask - 1, and
// the rows tiled twice along the batch, then cast to int64.
TEST(EdgeTypes, PositionIdsFromAMask) {
  OnnxBuilder b;
  b.Input("mask", {2, 5}, onnx::TensorProto::INT64);
  b.IntInitializer("axis", {1});
  b.IntInitializer("one", {1});
  b.IntInitializer("repeats", {2, 1});
  b.Node("CumSum", {"mask", "axis"}, {"sums"});
  b.Node("Mul", {"sums", "mask"}, {"kept"});
  b.Node("Sub", {"kept", "one"}, {"ids"});
  b.Node("Tile", {"ids", "repeats"}, {"tiled"});
  b.Output("tiled", onnx::TensorProto::INT64);
  const auto model = converter::ConvertOnnx(b.Save(kDir, "position_ids.onnx"), {}, nullptr);
  const std::vector<int64_t> mask = {1, 1, 1, 0, 0, 0, 1, 1, 1, 1};
  const Outputs out = RunTyped(model, {AsBytes(mask)});
  ASSERT_EQ(out.dtypes, (std::vector<kite_dtype>{KITE_INT64}));
  const std::vector<int64_t> ids = {0, 1, 2, -1, -1, -1, 0, 1, 2, 3};
  std::vector<int64_t> expected = ids;
  expected.insert(expected.end(), ids.begin(), ids.end());
  EXPECT_EQ(FromBytes<int64_t>(out.bytes[0]), expected);
}

// OneHot of int64 class ids along a new axis 0: a negative id counts from
// the end, an id past the depth gives no `on` anywhere (ONNX).
TEST(EdgeTypes, OneHotOfIds) {
  OnnxBuilder b;
  b.Input("ids", {4}, onnx::TensorProto::INT64);
  b.IntInitializer("depth", {3});
  b.Initializer("values", {2}, {-1.0f, 5.0f});
  OnnxBuilder::IntAttr(b.Node("OneHot", {"ids", "depth", "values"}, {"y"}), "axis", 0);
  b.Output("y");
  const auto model = converter::ConvertOnnx(b.Save(kDir, "one_hot.onnx"), {}, nullptr);
  const Outputs out = RunTyped(model, {AsBytes(std::vector<int64_t>{0, 2, -1, 3})});
  // [depth 3, 4 ids]: row r is `on` where the id (wrapped) is r.
  ExpectNearAll(FromBytes<float>(out.bytes[0]), {5, -1, -1, -1, -1, -1, -1, -1, -1, 5, 5, -1}, 0.0);
}

TEST(EdgeTypes, RefusesInputTypesKiteHasNoTensorOf) {
  OnnxBuilder b;
  b.Input("x", {4}, onnx::TensorProto::UINT16);
  OnnxBuilder::IntAttr(b.Node("Cast", {"x"}, {"y"}), "to", onnx::TensorProto::FLOAT);
  b.Output("y");
  try {
    converter::ConvertOnnx(b.Save(kDir, "uint16.onnx"), {}, nullptr);
    FAIL() << "a uint16 input converted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

// Kite's int8 engine (runtime/kernels/int8/): every microkernel variant this
// CPU runs, at 1 and 2 threads, against the reference kernel, bit for bit,
// over the shapes its drivers and microkernels treat differently (channel
// and byte tails, pixel tails, padding, strides, dilation, depthwise block
// counts, FullyConnected rows); and packed weights as untrusted input.
#include <cmath>
#include <cstring>

#include "executor/c_api_internal.h"
#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "support/test_util.h"
#include "writer/pack_weights.h"

namespace kite {
namespace testing {
namespace {

struct EngineCase {
  const char* name;
  int batch, in_h, in_w, in_c, out_c, kernel_h, kernel_w;
  int stride = 1, dilation = 1, pad = 0, groups = 1;
  float act_min = -INFINITY, act_max = INFINITY;  // in units of the outputs' spread (40 codes)
  bool bias = true;
  bool fully_connected = false;  // in_h x in_w rows of in_c features
  bool deconv = false;           // ConvTranspose2D, stride = kernel, no padding
  int in_zp_lo = -128, in_zp_hi = 127;
  float out_codes = 40.0f;  // how many output codes the accumulators spread over
};

void PrintTo(const EngineCase& c, std::ostream* os) { *os << c.name; }

int OutSize(int in, int kernel, int stride, int dilation, int pad) {
  return (in + 2 * pad - (dilation * (kernel - 1) + 1)) / stride + 1;
}

// A one-op int8 model of `c`, with packed weights when `pack`.
AlignedBytes BuildModel(const EngineCase& c, uint32_t seed, bool pack, std::vector<int8_t>* input) {
  Random rng(seed);
  const int group_in = c.in_c / c.groups;
  const int kh = c.fully_connected ? 1 : c.kernel_h, kw = c.fully_connected ? 1 : c.kernel_w;
  const int out_h = c.fully_connected ? c.in_h : c.deconv ? c.in_h * kh : OutSize(c.in_h, kh, c.stride, c.dilation, c.pad);
  const int out_w = c.fully_connected ? c.in_w : c.deconv ? c.in_w * kw : OutSize(c.in_w, kw, c.stride, c.dilation, c.pad);
  const int taps_per_output = c.deconv ? 1 : kh * kw;  // a deconvolution's outputs each take one tap
  *input = rng.Int8s(static_cast<size_t>(c.batch) * c.in_h * c.in_w * c.in_c);
  auto w = rng.Int8s(static_cast<size_t>(c.out_c) * kh * kw * group_in, -127, 127);
  // Every channel has one weight of magnitude 64 or more, so its outputs spread over many codes
  // whatever the seed (the check below relies on it).
  for (int oc = 0; oc < c.out_c; ++oc) {
    int8_t& first = w[static_cast<size_t>(oc) * kh * kw * group_in];
    if (first > -64 && first < 64) first = static_cast<int8_t>(first < 0 ? first - 64 : first + 64);
  }
  const auto b = rng.Int32s(c.out_c, -5000, 5000);
  const float in_scale = rng.Uniform(0.01f, 0.05f);
  const int in_zp = rng.Int(c.in_zp_lo, c.in_zp_hi);
  std::vector<float> w_scales(c.out_c);
  for (float& s : w_scales) s = rng.Uniform(0.008f, 0.016f);
  // Accumulators spread by about std(x) * std(w) * sqrt(K) = 74 * 73 * sqrt(K):
  // that times the mean weight scale lands at about 40 output codes, so the
  // outputs exercise requantization more than saturation.
  const float out_scale =
      in_scale * 0.0125f * 74.0f * 73.0f * std::sqrt(static_cast<float>(taps_per_output * group_in)) / c.out_codes;
  const int out_zp = rng.Int(-10, 10);
  const float act_unit = 40.0f * out_scale;  // an activation range this wide spans 40 codes
  ModelBuilder mb;
  const int in = mb.Input("x", schema::DataType_INT8, {c.batch, c.in_h, c.in_w, c.in_c}, PerTensor(in_scale, in_zp));
  const std::vector<int32_t> w_shape =
      c.fully_connected ? std::vector<int32_t>{c.out_c, c.in_c} : std::vector<int32_t>{c.out_c, kh, kw, group_in};
  const int wt = mb.Constant("w", schema::DataType_INT8, w_shape, w, Quant{w_scales, {}, 0});
  std::vector<int32_t> inputs = {in, wt};
  if (c.bias) inputs.push_back(mb.Constant("b", schema::DataType_INT32, {c.out_c}, b));
  const int out = mb.Tensor("y", schema::DataType_INT8, {c.batch, out_h, out_w, c.out_c}, PerTensor(out_scale, out_zp));
  if (c.deconv) {
    schema::ConvTranspose2DOptionsT o;
    o.stride_h = kh;
    o.stride_w = kw;
    o.dilation_h = o.dilation_w = 1;
    o.groups = 1;
    o.activation_min = c.act_min * act_unit;
    o.activation_max = c.act_max * act_unit;
    mb.Op(schema::OpCode_CONV_TRANSPOSE_2D, inputs, {out}, o);
  } else if (c.fully_connected) {
    schema::FullyConnectedOptionsT o;
    o.activation_min = c.act_min * act_unit;
    o.activation_max = c.act_max * act_unit;
    mb.Op(schema::OpCode_FULLY_CONNECTED, inputs, {out}, o);
  } else {
    schema::Conv2DOptionsT o;
    o.stride_h = o.stride_w = c.stride;
    o.dilation_h = o.dilation_w = c.dilation;
    o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = c.pad;
    o.groups = c.groups;
    o.activation_min = c.act_min * act_unit;
    o.activation_max = c.act_max * act_unit;
    mb.Op(schema::OpCode_CONV_2D, inputs, {out}, o);
  }
  mb.Output(out);
  if (pack) EXPECT_EQ(converter::PackInt8Weights(mb.model()), 1);
  return mb.Build();
}

// The offset of the packed buffer's bytes inside the model (input 3 of op 0).
size_t PackedOffset(const AlignedBytes& model) {
  const schema::Model* fb = schema::GetModel(model.data());
  const auto* op = fb->operators()->Get(0);
  const auto* t = fb->tensors()->Get(static_cast<uint32_t>(op->inputs()->Get(3)));
  return static_cast<size_t>(fb->buffers()->Get(t->buffer())->data()->data() - model.data());
}

std::vector<const int8::Ukernels*> Variants() {
  const int8::Ukernels* v[int8::kMaxUkernels];
  const size_t n = int8::AvailableUkernels(v);
  return std::vector<const int8::Ukernels*>(v, v + n);
}

std::vector<EngineCase> Cases() {
  std::vector<EngineCase> cases = {
      {"Pointwise16x24", 1, 9, 7, 16, 24, 1, 1},
      {"PointwiseByteTail5", 1, 5, 5, 5, 40, 1, 1},
      {"PointwiseWide", 2, 6, 6, 64, 96, 1, 1},
      {"PointwiseOneChannel", 1, 3, 11, 1, 1, 1, 1},
      {"Conv3x3", 1, 8, 9, 8, 16, 3, 3, 1, 1, 1},
      {"Conv3x3Stride2", 1, 11, 10, 12, 33, 3, 3, 2, 1, 1},
      {"FirstLayer3Channels", 1, 17, 15, 3, 16, 3, 3, 2, 1, 1},
      {"Conv3x3Deep", 1, 6, 6, 72, 48, 3, 3, 1, 1, 1},
      {"Conv5x5Dilated", 1, 12, 12, 6, 20, 5, 5, 1, 2, 4},
      {"Conv1x7Unpadded", 2, 5, 13, 4, 8, 1, 7},
      {"Pointwise1x1Stride2", 1, 9, 9, 16, 17, 1, 1, 2},
      {"Depthwise3x3", 1, 9, 8, 16, 16, 3, 3, 1, 1, 1, 16},
      {"Depthwise3x3Stride2", 1, 12, 11, 24, 24, 3, 3, 2, 1, 1, 24},
      {"Depthwise5x5Wide", 1, 7, 7, 72, 72, 5, 5, 1, 1, 2, 72},
      {"Depthwise3x3Blocks4", 2, 5, 6, 136, 136, 3, 3, 1, 1, 1, 136},
      {"DepthwiseOddChannels", 1, 6, 6, 5, 5, 3, 3, 1, 1, 0, 5},
      {"Depthwise7x7", 1, 10, 10, 32, 32, 7, 7, 1, 1, 3, 32},
      {"FullyConnected", 1, 1, 5, 17, 10, 1, 1},
      {"FullyConnectedWide", 1, 1, 1, 300, 40, 1, 1},
  };
  cases[17].fully_connected = cases[18].fully_connected = true;
  // Deconvolutions: a kernel row of 2 x 24 = 48 channels (3 blocks), of 3 x 5 =
  // 15 (one block, padded), an odd input byte count, two images.
  const EngineCase deconvs[] = {
      {"Deconv2x2", 1, 6, 7, 16, 24, 2, 2},
      {"Deconv3x3NarrowOut", 2, 4, 5, 7, 5, 3, 3},
      {"Deconv2x1Wide", 1, 3, 9, 40, 33, 2, 1},
  };
  for (EngineCase d : deconvs) {
    d.deconv = true;
    cases.push_back(d);
  }
  EngineCase bounded_relu = cases[4];
  bounded_relu.name = "Conv3x3BoundedReluNoBias";
  bounded_relu.act_min = 0.0f;
  bounded_relu.act_max = 2.0f;
  bounded_relu.bias = false;
  cases.push_back(bounded_relu);
  EngineCase clip = cases[11];
  clip.name = "DepthwiseClip";
  clip.act_min = -0.5f;
  clip.act_max = 0.5f;
  cases.push_back(clip);
  // First layers packed by kernel rows: rows cut by the left and right edges
  // (pads up to 3), a row of 15 bytes (5 x 3), 7 x 1 and 3 x 4 (whole groups),
  // a stride-2 window whose last row or column lies past the image.
  cases.push_back({"FirstLayer5x5Stride2Rows", 1, 13, 61, 3, 24, 5, 5, 2, 1, 2});
  cases.push_back({"FirstLayerGray7x7Rows", 2, 9, 12, 1, 16, 7, 7, 1, 1, 3});
  cases.push_back({"FirstLayer4Channels3x3Rows", 1, 10, 13, 4, 32, 3, 3, 2, 1, 0});
  cases.push_back({"FirstLayer2ChannelsDilatedRows", 1, 12, 11, 2, 8, 3, 3, 1, 2, 2});
  // Rows long enough for the depthwise microkernels' four-pixel groups, their
  // single-pixel tails and both edges; stride 2 with 5x5 taps.
  cases.push_back({"Depthwise3x3LongRows", 1, 5, 37, 24, 24, 3, 3, 1, 1, 1, 24});
  // A last half of 12 channels (whole 4-byte groups, loaded masked) and of
  // 6 (copied first).
  cases.push_back({"Depthwise3x3Channels28", 1, 4, 21, 28, 28, 3, 3, 1, 1, 1, 28});
  cases.push_back({"Depthwise3x3Channels22", 1, 4, 21, 22, 22, 3, 3, 1, 1, 1, 22});
  cases.push_back({"Depthwise5x5Stride2LongRows", 1, 11, 41, 40, 40, 5, 5, 2, 1, 2, 40});
  cases.push_back({"Depthwise3x3Stride2Unpadded", 1, 7, 23, 32, 32, 3, 3, 2, 1, 0, 32});
  // Accumulators far outside int8 (and int16) once scaled: the saturating
  // steps of every requantizing store.
  EngineCase saturating = cases[cases.size() - 3];
  saturating.name = "Depthwise3x3Saturating";
  saturating.out_codes = 200000.0f;
  cases.push_back(saturating);
  EngineCase saturating_clip = saturating;
  saturating_clip.name = "Depthwise3x3SaturatingRelu";
  saturating_clip.act_min = 0.0f;
  cases.push_back(saturating_clip);
  EngineCase conv_saturating = cases[5];
  conv_saturating.name = "Conv3x3Stride2Saturating";
  conv_saturating.out_codes = 200000.0f;
  cases.push_back(conv_saturating);
  // Taps of 64 bytes and more (the AMX kernel's; shorter ones go to AVX512-VNNI):
  // 16-pixel tiles at one stride and not (crossing output rows, edges), whole
  // 64-byte steps with a tail of 1-3 bytes, of whole groups, and none; more
  // than four blocks (a second pass over the pixels), a partial last tile.
  cases.push_back({"PointwiseDeep260", 1, 7, 9, 260, 80, 1, 1});
  cases.push_back({"PointwiseDeep67", 1, 4, 8, 67, 16, 1, 1});
  cases.push_back({"Conv3x3Deep128", 1, 9, 21, 128, 72, 3, 3, 1, 1, 1});
  cases.push_back({"Conv3x3Deep100Stride2", 2, 12, 34, 100, 36, 3, 3, 2, 1, 1});
  EngineCase deep_deconv = {"Deconv2x2Deep", 1, 5, 18, 96, 40, 2, 2};
  deep_deconv.deconv = true;
  cases.push_back(deep_deconv);
  EngineCase edge_zp = cases[1];
  edge_zp.name = "PointwiseZeroPoint127";
  edge_zp.in_zp_lo = edge_zp.in_zp_hi = 127;
  cases.push_back(edge_zp);
  return cases;
}

class Int8Engine : public ::testing::TestWithParam<EngineCase> {};

TEST_P(Int8Engine, EveryVariantMatchesTheReference) {
  const EngineCase& c = GetParam();
  const uint32_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<int8_t> x;
  const AlignedBytes model = BuildModel(c, seed, true, &x);
  RunResult reference;
  {
    const ScopedKernelSet kernels(KernelSet::kReference);
    reference = RunModel(model, {AsBytes(x)});
  }
  ASSERT_EQ(reference.status, KITE_OK) << reference.error;
  ASSERT_EQ(reference.kernels[0].rfind("reference/", 0), 0u);
  // One-group convs of few input channels are packed by kernel rows.
  if (!c.fully_connected && !c.deconv && c.groups == 1) {
    const uint8_t* packed = model.data() + PackedOffset(model);
    const bool rows = int8::UseKernelRows(c.kernel_h, c.kernel_w, c.in_c, c.dilation);
    EXPECT_EQ(int8::PackedLayout(packed, sizeof(int8::PackedHeader)), rows ? int8::kPackedGemmRows : int8::kPackedGemm);
  }
  // The case exercises requantization, not only saturation (a saturating
  // case: both of its bounds).
  const auto expected = FromBytes<int8_t>(reference.outputs[0]);
  std::vector<bool> seen(256);
  int distinct = 0;
  for (int8_t v : expected) distinct += seen[static_cast<uint8_t>(v)] ? 0 : (seen[static_cast<uint8_t>(v)] = true, 1);
  EXPECT_GE(distinct, c.out_codes > 1000.0f ? 2 : std::min<int>(8, static_cast<int>(expected.size()) / 4));
#if defined(__SANITIZE_THREAD__)
  // pthreadpool is not instrumented: TSan cannot see its synchronization.
  const int kThreadCounts[] = {1};
#else
  const int kThreadCounts[] = {1, 2};
#endif
  for (const int8::Ukernels* v : Variants()) {
    for (int threads : kThreadCounts) {
      SCOPED_TRACE(std::string(v->name) + ", " + std::to_string(threads) + " threads");
      const RunResult r = RunModelWith(model, {AsBytes(x)}, v, threads);
      ASSERT_EQ(r.status, KITE_OK) << r.error;
      const bool depthwise = c.groups > 1;
      EXPECT_EQ(r.kernels[0], depthwise ? v->dwconv_name : v->igemm_name);
      ExpectEqualInt8(FromBytes<int8_t>(r.outputs[0]), expected);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Int8Engine, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<EngineCase>& info) { return std::string(info.param.name); });

TEST(Int8EngineChoice, BestVariantIsFirstAndScalarLast) {
  const auto variants = Variants();
  ASSERT_FALSE(variants.empty());
  EXPECT_EQ(int8::BestUkernels(), variants.front());
  EXPECT_STREQ(variants.back()->name, "scalar");
  for (const int8::Ukernels* v : variants) EXPECT_EQ(int8::FindUkernels(v->name), v);
  EXPECT_EQ(int8::FindUkernels("no-such-isa"), nullptr);
  std::string names;
  for (const int8::Ukernels* v : variants) names += std::string(v->name) + " ";
  std::printf("int8 engine variants this CPU runs: %s\n", names.c_str());
}

TEST(Int8EngineChoice, UnpackedWeightsKeepTheOtherKernels) {
  std::vector<int8_t> x;
  const AlignedBytes model = BuildModel(Cases()[4], TestSeed(), false, &x);
  const RunResult r = RunModel(model, {AsBytes(x)});
  ASSERT_EQ(r.status, KITE_OK) << r.error;
  EXPECT_EQ(r.kernels[0].rfind("int8/", 0), std::string::npos) << r.kernels[0];
  EXPECT_NE(r.declined[0].find("int8 engine: the file has no packed weights"), std::string::npos) << r.declined[0];
}

// The kernel choice is each interpreter's: two interpreters of one model,
// created and run interleaved, keep the kernels they were created with.
TEST(Int8EngineChoice, EachInterpreterKeepsItsOwnKernels) {
  if (!int8::BestUkernels()->simd) GTEST_SKIP() << "no SIMD variant of the int8 engine on this CPU";
  std::vector<int8_t> x;
  const AlignedBytes bytes = BuildModel(Cases()[4], TestSeed(), true, &x);
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, nullptr), KITE_OK);
  kite_options reference = KITE_OPTIONS_DEFAULT, optimized = KITE_OPTIONS_DEFAULT;
  reference.kernels = KITE_KERNELS_REFERENCE;
  kite_interpreter* a = nullptr;
  kite_interpreter* b = nullptr;
  ASSERT_EQ(kite_interpreter_create_with_options(model, &reference, nullptr, 0, &a, nullptr), KITE_OK);
  ASSERT_EQ(kite_interpreter_create_with_options(model, &optimized, nullptr, 0, &b, nullptr), KITE_OK);
  ASSERT_EQ(kite_interpreter_prepare(b), KITE_OK) << kite_interpreter_error(b);
  ASSERT_EQ(kite_interpreter_prepare(a), KITE_OK) << kite_interpreter_error(a);
  std::vector<int8_t> out_a, out_b;
  for (kite_interpreter* it : {a, b}) {
    ASSERT_EQ(kite_interpreter_set_input(it, 0, x.data(), x.size()), KITE_OK);
    ASSERT_EQ(kite_interpreter_invoke(it), KITE_OK);
  }
  kite_tensor_info info;
  ASSERT_EQ(kite_interpreter_output_info(a, 0, &info), KITE_OK);
  out_a.resize(info.bytes);
  out_b.resize(info.bytes);
  ASSERT_EQ(kite_interpreter_get_output(a, 0, out_a.data(), out_a.size()), KITE_OK);
  ASSERT_EQ(kite_interpreter_get_output(b, 0, out_b.data(), out_b.size()), KITE_OK);
  ExpectEqualInt8(out_b, out_a);
  const Node& node_a = a->impl.node(0);
  const Node& node_b = b->impl.node(0);
  EXPECT_EQ(std::string(node_a.kernel_name).rfind("reference/", 0), 0u) << node_a.kernel_name;
  EXPECT_STREQ(node_a.declined, "reference kernels requested");
  EXPECT_EQ(std::string(node_b.kernel_name).rfind("int8/", 0), 0u) << node_b.kernel_name;
  EXPECT_EQ(node_b.declined, nullptr) << node_b.declined;
  // Each set's arena size is the one its interpreter used.
  size_t bytes_a = 0, bytes_b = 0;
  ASSERT_EQ(kite_arena_size_with_options(model, &reference, &bytes_a, nullptr), KITE_OK);
  ASSERT_EQ(kite_arena_size_with_options(model, &optimized, &bytes_b, nullptr), KITE_OK);
  EXPECT_EQ(a->impl.RequiredArenaBytes(), bytes_a);
  EXPECT_EQ(b->impl.RequiredArenaBytes(), bytes_b);
  kite_interpreter_free(a);
  kite_interpreter_free(b);
  kite_model_free(model);
}

// The portable set is what a microcontroller build runs: neither the engine
// nor XNNPACK, whatever this build and CPU have; the same outputs.
TEST(Int8EngineChoice, PortableKernelsRunNeitherTheEngineNorXnnpack) {
  std::vector<int8_t> x;
  const AlignedBytes bytes = BuildModel(Cases()[4], TestSeed(), true, &x);
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, nullptr), KITE_OK);
  kite_options portable = KITE_OPTIONS_DEFAULT, reference = KITE_OPTIONS_DEFAULT;
  portable.kernels = KITE_KERNELS_PORTABLE;
  reference.kernels = KITE_KERNELS_REFERENCE;
  std::vector<std::vector<int8_t>> outputs;
  for (const kite_options* options : {&portable, &reference}) {
    kite_interpreter* it = nullptr;
    ASSERT_EQ(kite_interpreter_create_with_options(model, options, nullptr, 0, &it, nullptr), KITE_OK);
    ASSERT_EQ(kite_interpreter_prepare(it), KITE_OK) << kite_interpreter_error(it);
    ASSERT_EQ(kite_interpreter_set_input(it, 0, x.data(), x.size()), KITE_OK);
    ASSERT_EQ(kite_interpreter_invoke(it), KITE_OK);
    kite_tensor_info info;
    ASSERT_EQ(kite_interpreter_output_info(it, 0, &info), KITE_OK);
    outputs.emplace_back(info.bytes);
    ASSERT_EQ(kite_interpreter_get_output(it, 0, outputs.back().data(), info.bytes), KITE_OK);
    if (options == &portable) {
      EXPECT_STREQ(it->impl.node(0).kernel_name, "reference/conv2d_int8");
      EXPECT_STREQ(it->impl.node(0).declined, "int8 engine: portable kernels requested (no SIMD)");
    }
    kite_interpreter_free(it);
  }
  ExpectEqualInt8(outputs[0], outputs[1]);
  kite_model_free(model);
}

TEST(Int8EngineChoice, AnUnknownKernelsValueIsRejected) {
  std::vector<int8_t> x;
  const AlignedBytes bytes = BuildModel(Cases()[4], TestSeed(), true, &x);
  kite_model* model = nullptr;
  ASSERT_EQ(kite_model_load(bytes.data(), bytes.size(), &model, nullptr), KITE_OK);
  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = 7;
  kite_error error;
  size_t arena = 0;
  EXPECT_EQ(kite_arena_size_with_options(model, &options, &arena, &error), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("options.kernels is 7"), std::string::npos) << error.message;
  kite_interpreter* it = nullptr;
  EXPECT_EQ(kite_interpreter_create_with_options(model, &options, nullptr, 0, &it, &error), KITE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(it, nullptr);
  kite_model_free(model);
}

TEST(Int8EnginePacked, DamagedPackedWeightsAreRejectedWithAMessage) {
  struct Damage {
    const char* what;
    size_t offset;  // from the packed buffer's start
    uint8_t value;
    const char* message;
  };
  const Damage damages[] = {
      {"magic", 0, 0x00, "unknown magic"},
      {"layout", 4, 2, "another layout"},
      {"out channels", 8, 7, "other shapes"},
      {"zero point", 24, 0x55, "another input zero point"},
      {"block bytes", 32, 0x01, "block size"},
      {"a scale", sizeof(int8::PackedHeader) + 128 + 4 * 3 + 3, 0x7F, "scale of channel 3"},
  };
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.what);
    std::vector<int8_t> x;
    const AlignedBytes model = BuildModel(Cases()[4], TestSeed(), true, &x);
    model.data()[PackedOffset(model) + d.offset] = d.value;
    const RunResult r = RunModelWith(model, {AsBytes(x)}, int8::BestUkernels(), 1);
    EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID);
    EXPECT_NE(r.error.find(d.message), std::string::npos) << r.error;
  }
}

// The engine reads nothing of a node before the checks: an absent input
// (index -1) beside packed weights was read as tensor -1 (found by the
// mutation test under AddressSanitizer).
TEST(Int8EnginePacked, AbsentInputIsRejectedBeforeAnythingIsRead) {
  for (const char* input : {"x", "weights"}) {
    SCOPED_TRACE(input);
    for (const size_t c : {size_t{4}, size_t{11}, size_t{17}}) {  // conv, depthwise, fully connected
      SCOPED_TRACE(Cases()[c].name);
      std::vector<int8_t> x;
      const AlignedBytes model = BuildModel(Cases()[c], TestSeed(), true, &x);
      const auto* inputs = schema::GetModel(model.data())->operators()->Get(0)->inputs();
      const size_t at = static_cast<size_t>(reinterpret_cast<const uint8_t*>(inputs->data()) - model.data()) +
                        (std::string(input) == "x" ? 0 : 4);
      const int32_t absent = -1;
      memcpy(model.data() + at, &absent, sizeof absent);
      const RunResult r = RunModelWith(model, {AsBytes(x)}, int8::BestUkernels(), 1);
      EXPECT_EQ(r.status, KITE_ERROR_MODEL_INVALID) << r.error;
      EXPECT_FALSE(r.error.empty());
    }
  }
}

}  // namespace
}  // namespace testing
}  // namespace kite

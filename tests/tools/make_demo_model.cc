// Writes a small MobileNet-style float32 .kite model with deterministic
// weights, through the same writer the converter uses. It stands in for
// `kite convert` in the demo and the install test until the converter lands.
//
//   kite_make_demo_model OUT.kite
#include <cmath>
#include <cstdio>
#include <exception>
#include <random>

#include "support/model_builder.h"

namespace {

using kite::schema::DataType_FLOAT32;
using kite::testing::ModelBuilder;

std::vector<float> Weights(std::mt19937& rng, size_t n, int fan_in) {
  std::normal_distribution<float> d(0.0f, std::sqrt(2.0f / static_cast<float>(fan_in)));
  std::vector<float> w(n);
  for (float& v : w) v = d(rng);
  return w;
}

void Build(const char* path) {
  std::mt19937 rng(2024);
  ModelBuilder mb;
  const int x = mb.Input("image", DataType_FLOAT32, {1, 32, 32, 3});
  // Conv 3x3 stride 2, 8 channels, ReLU6.
  const int w1 = mb.Constant("conv1.weight", DataType_FLOAT32, {8, 3, 3, 3}, Weights(rng, 8 * 27, 27));
  const int b1 = mb.Constant("conv1.bias", DataType_FLOAT32, {8}, std::vector<float>(8, 0.01f));
  const int t1 = mb.Tensor("conv1", DataType_FLOAT32, {1, 16, 16, 8});
  kite::schema::Conv2DOptionsT c1;
  c1.stride_h = c1.stride_w = 2;
  c1.pad_bottom = c1.pad_right = 1;
  c1.activation_min = 0.0f;
  c1.activation_max = 6.0f;
  mb.Op(kite::schema::OpCode_CONV_2D, {x, w1, b1}, {t1}, c1, "conv1");
  // Depthwise 3x3, ReLU.
  const int w2 = mb.Constant("dw.weight", DataType_FLOAT32, {8, 3, 3, 1}, Weights(rng, 72, 9));
  const int t2 = mb.Tensor("dw", DataType_FLOAT32, {1, 16, 16, 8});
  kite::schema::Conv2DOptionsT c2;
  c2.pad_top = c2.pad_left = c2.pad_bottom = c2.pad_right = 1;
  c2.groups = 8;
  c2.activation_min = 0.0f;
  mb.Op(kite::schema::OpCode_CONV_2D, {t1, w2}, {t2}, c2, "dw");
  // Pointwise to 8 channels, then a residual Add.
  const int w3 = mb.Constant("pw.weight", DataType_FLOAT32, {8, 1, 1, 8}, Weights(rng, 64, 8));
  const int t3 = mb.Tensor("pw", DataType_FLOAT32, {1, 16, 16, 8});
  mb.Op(kite::schema::OpCode_CONV_2D, {t2, w3}, {t3}, kite::schema::Conv2DOptionsT{}, "pw");
  const int t4 = mb.Tensor("residual", DataType_FLOAT32, {1, 16, 16, 8});
  mb.Op(kite::schema::OpCode_ADD, {t3, t1}, {t4}, kite::schema::BinaryOptionsT{}, "residual");
  // Head: global average pool, flatten, fully connected to 10, softmax.
  const int t5 = mb.Tensor("pool", DataType_FLOAT32, {1, 1, 1, 8});
  mb.Op(kite::schema::OpCode_GLOBAL_AVERAGE_POOL, {t4}, {t5}, nullptr, "pool");
  const int t6 = mb.Tensor("flatten", DataType_FLOAT32, {1, 8});
  mb.Op(kite::schema::OpCode_RESHAPE, {t5}, {t6}, kite::schema::ReshapeOptionsT{}, "flatten");
  const int w7 = mb.Constant("fc.weight", DataType_FLOAT32, {10, 8}, Weights(rng, 80, 8));
  const int b7 = mb.Constant("fc.bias", DataType_FLOAT32, {10}, Weights(rng, 10, 100));
  const int t7 = mb.Tensor("logits", DataType_FLOAT32, {1, 10});
  mb.Op(kite::schema::OpCode_FULLY_CONNECTED, {t6, w7, b7}, {t7}, kite::schema::FullyConnectedOptionsT{}, "fc");
  const int t8 = mb.Tensor("probabilities", DataType_FLOAT32, {1, 10});
  mb.Op(kite::schema::OpCode_SOFTMAX, {t7}, {t8}, kite::schema::SoftmaxOptionsT{}, "softmax");
  mb.Output(t8);
  mb.model().producer = "kite_make_demo_model";
  const auto bytes = mb.Build();
  kite::converter::WriteFileAtomically(path, bytes.ToVector());
  std::printf("wrote %s: %zu bytes, %zu operators, planned arena %llu bytes (lower bound %llu)\n", path,
              bytes.size(), mb.model().operators.size(),
              static_cast<unsigned long long>(mb.model().plan->arena_size),
              static_cast<unsigned long long>(mb.model().plan->lower_bound));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: %s OUT.kite\nWrites a small float32 CNN with deterministic weights.\n", argv[0]);
    return argc == 2 ? 0 : 2;
  }
  try {
    Build(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

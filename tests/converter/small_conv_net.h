// The small conv net the quantization tests share.
#ifndef KITE_TESTS_CONVERTER_SMALL_CONV_NET_H_
#define KITE_TESTS_CONVERTER_SMALL_CONV_NET_H_

#include <string>

#include "support/onnx_builder.h"
#include "support/test_util.h"

namespace kite {
namespace testing {

// x [1, 4, 8, 8] -> Conv 3x3 (8) -> Relu -> Conv 1x1 (4) -> y, saved as
// dir/file; weights drawn from `seed`.
inline std::string SmallConvNet(uint32_t seed, const std::string& dir, const std::string& file) {
  Random random(seed);
  OnnxBuilder b;
  b.Input("x", {1, 4, 8, 8});
  b.Initializer("w1", {8, 4, 3, 3}, random.Floats(8 * 4 * 9, -0.5f, 0.5f));
  b.Initializer("b1", {8}, random.Floats(8, -0.2f, 0.2f));
  // Positive 1x1 weights: y sums ReLU outputs without cancelling, so its
  // variance is a steady share of its range whatever the seed (mixed signs
  // let a seed cancel y to a sliver of its range, and SQNR to 15 dB).
  b.Initializer("w2", {4, 8, 1, 1}, random.Floats(32, 0.05f, 0.5f));
  OnnxBuilder::IntsAttr(b.Node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c1"}, {"r1"}, "relu1");
  b.Node("Conv", {"r1", "w2"}, {"y"}, "conv2");
  b.Output("y");
  return b.Save(dir, file);
}

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_CONVERTER_SMALL_CONV_NET_H_

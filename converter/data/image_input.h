// Photographs as model inputs: decode (PNG/JPEG via stb_image), resize, scale
// and normalize per channel, and lay out as NCHW or NHWC.
#ifndef KITE_CONVERTER_DATA_IMAGE_INPUT_H_
#define KITE_CONVERTER_DATA_IMAGE_INPUT_H_

#include <string>
#include <vector>

namespace kite {
namespace converter {

struct ImagePreprocessing {
  int width = 0;
  int height = 0;
  bool nchw = false;
  // value = (pixel / 255 - mean[c]) / std[c] for c < 3; a 4th channel (alpha)
  // is filled with `alpha` when channels == 4.
  int channels = 3;
  float mean[3] = {0.0f, 0.0f, 0.0f};
  float std[3] = {1.0f, 1.0f, 1.0f};
  float alpha = 1.0f;
};

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;  // width * height * 3
};

// Throws std::runtime_error naming the file when it cannot be decoded.
Image LoadImage(const std::string& path);
// The image resized (bilinear) and normalized: a [1, C, H, W] or [1, H, W, C] float tensor.
std::vector<float> ImageToTensor(const Image& image, const ImagePreprocessing& p);
// Writes an RGB image as PNG.
void SavePng(const std::string& path, const Image& image);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_DATA_IMAGE_INPUT_H_

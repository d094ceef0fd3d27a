#include "data/image_input.h"

#include <stdexcept>

#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

namespace kite {
namespace converter {

Image LoadImage(const std::string& path) {
  int w = 0, h = 0, c = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &c, 3);
  if (pixels == nullptr) {
    throw std::runtime_error("cannot decode image '" + path + "': " + stbi_failure_reason());
  }
  Image image;
  image.width = w;
  image.height = h;
  image.rgb.assign(pixels, pixels + static_cast<size_t>(w) * h * 3);
  stbi_image_free(pixels);
  return image;
}

std::vector<float> ImageToTensor(const Image& image, const ImagePreprocessing& p) {
  std::vector<unsigned char> resized(static_cast<size_t>(p.width) * p.height * 3);
  if (!stbir_resize_uint8(image.rgb.data(), image.width, image.height, 0, resized.data(), p.width, p.height, 0, 3)) {
    throw std::runtime_error("cannot resize the image");
  }
  std::vector<float> out(static_cast<size_t>(p.width) * p.height * p.channels);
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  for (size_t px = 0; px < plane; ++px) {
    for (int c = 0; c < p.channels; ++c) {
      const float v = c < 3 ? (resized[px * 3 + c] / 255.0f - p.mean[c]) / p.std[c] : p.alpha;
      out[p.nchw ? c * plane + px : px * p.channels + c] = v;
    }
  }
  return out;
}

void SavePng(const std::string& path, const Image& image) {
  if (!stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3)) {
    throw std::runtime_error("cannot write '" + path + "'");
  }
}

}  // namespace converter
}  // namespace kite

// Face detection with a converted BlazeFace model (front, 128x128): decode a
// photograph, run the model with the C++ API, decode the anchors, remove
// overlaps, print the faces and draw their boxes into a PNG.
//
//   kite_detect_faces MODEL.kite PHOTO.png OUT.png [RUNS]
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "blazeface_decode.h"
#include "kite/kite.hpp"

namespace {

using kite_example::Face;

void DrawBox(std::vector<unsigned char>& rgb, int width, int height, const Face& f) {
  const int x0 = std::max(0, static_cast<int>((f.cx - f.w / 2) * width)), x1 = std::min(width - 1, static_cast<int>((f.cx + f.w / 2) * width));
  const int y0 = std::max(0, static_cast<int>((f.cy - f.h / 2) * height)), y1 = std::min(height - 1, static_cast<int>((f.cy + f.h / 2) * height));
  auto put = [&](int x, int y) {
    unsigned char* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    p[0] = 0; p[1] = 255; p[2] = 0;
  };
  for (int t = 0; t < 3; ++t) {
    for (int x = x0; x <= x1; ++x) { put(x, std::min(height - 1, y0 + t)); put(x, std::max(0, y1 - t)); }
    for (int y = y0; y <= y1; ++y) { put(std::min(width - 1, x0 + t), y); put(std::max(0, x1 - t), y); }
  }
}

int Fail(const char* what, const char* message) {
  std::fprintf(stderr, "kite_detect_faces: %s: %s\n", what, message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.kite PHOTO OUT.png [RUNS]\n"
                         "Detects faces with a BlazeFace-front .kite model, prints them and draws them into OUT.png.\n", argv[0]);
    return 2;
  }
  const int runs = argc > 4 ? std::max(1, std::atoi(argv[4])) : 20;
  kite::ModelHandle model;
  if (model.LoadFile(argv[1]) != KITE_OK) return Fail("load", model.error());
  size_t arena_bytes = 0;
  if (model.ArenaSize(&arena_bytes) != KITE_OK) return Fail("arena size", model.error());
  void* arena = std::aligned_alloc(KITE_ARENA_ALIGNMENT, arena_bytes);
  int status = 0;
  {
    kite::InterpreterHandle it;
    if (it.Create(model, arena, arena_bytes) != KITE_OK || it.Prepare() != KITE_OK) {
      std::free(arena);
      return Fail("prepare", it.error());
    }
    kite_tensor_info in;
    it.InputInfo(0, &in);
    if (in.rank != 4 || in.dims[3] != 3 || in.dims[1] != in.dims[2] || it.output_count() != 4) {
      std::free(arena);
      return Fail("model", "expected BlazeFace: one [1,S,S,3] input and four outputs");
    }
    const int size = in.dims[1];
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(argv[2], &width, &height, &channels, 3);
    if (pixels == nullptr) {
      std::free(arena);
      return Fail(argv[2], stbi_failure_reason());
    }
    std::vector<unsigned char> rgb(pixels, pixels + static_cast<size_t>(width) * height * 3), small(static_cast<size_t>(size) * size * 3);
    stbi_image_free(pixels);
    stbir_resize_uint8(rgb.data(), width, height, 0, small.data(), size, size, 0, 3);
    std::vector<float> input(small.size());
    for (size_t i = 0; i < small.size(); ++i) input[i] = small[i] / 127.5f - 1.0f;  // [-1, 1]

    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      it.SetInput(0, input.data(), input.size() * 4);
      const auto start = std::chrono::steady_clock::now();
      it.Invoke();
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    std::vector<std::vector<float>> out(4);
    for (size_t o = 0; o < 4; ++o) {
      kite_tensor_info info;
      it.OutputInfo(o, &info);
      out[o].resize(info.bytes / 4);
      it.GetOutput(o, out[o].data(), info.bytes);
    }
    // Faces above 0.75, the best of every group of overlapping boxes.
    const std::vector<Face> kept = kite_example::DetectFaces(out, size, 0.75f);
    std::printf("%zu face(s) in %s (%dx%d):\n", kept.size(), argv[2], width, height);
    for (const Face& f : kept) {
      std::printf("  score %.3f  box x %d..%d  y %d..%d (pixels)\n", f.score, static_cast<int>((f.cx - f.w / 2) * width),
                  static_cast<int>((f.cx + f.w / 2) * width), static_cast<int>((f.cy - f.h / 2) * height),
                  static_cast<int>((f.cy + f.h / 2) * height));
      DrawBox(rgb, width, height, f);
    }
    std::printf("arena: %zu bytes; latency: median %.2f ms, min %.2f ms over %d runs (1 thread)\n", arena_bytes,
                times[times.size() / 2], times[0], runs);
    if (!stbi_write_png(argv[3], width, height, 3, rgb.data(), width * 3)) status = Fail("write", argv[3]);
    else std::printf("wrote %s\n", argv[3]);
    if (kept.empty()) status = 3;
  }
  std::free(arena);
  return status;
}

// Decoding BlazeFace (front, 128x128) outputs into faces: anchors, scores,
// overlap removal. Shared by the detect_faces example and the int8 tests.
#ifndef KITE_EXAMPLES_BLAZEFACE_DECODE_H_
#define KITE_EXAMPLES_BLAZEFACE_DECODE_H_

#include <algorithm>
#include <cmath>
#include <vector>

namespace kite_example {

struct Face {
  float cx, cy, w, h;  // normalized to [0, 1], y down
  float score;
};

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline float IoU(const Face& a, const Face& b) {
  const float x0 = std::max(a.cx - a.w / 2, b.cx - b.w / 2), y0 = std::max(a.cy - a.h / 2, b.cy - b.h / 2);
  const float x1 = std::min(a.cx + a.w / 2, b.cx + b.w / 2), y1 = std::min(a.cy + a.h / 2, b.cy + b.h / 2);
  const float inner = std::max(0.0f, x1 - x0) * std::max(0.0f, y1 - y0);
  return inner / (a.w * a.h + b.w * b.h - inner);
}

// BlazeFace's two anchor grids: 16x16 cells with 2 anchors, 8x8 with 6.
// Each anchor has a score logit and 16 box values (x, y, w, h, 6 key points)
// in input pixels relative to the cell centre.
inline void Decode(const std::vector<float>& scores, const std::vector<float>& boxes, int cells, int anchors, float size,
            float threshold, std::vector<Face>* faces) {
  for (int y = 0; y < cells; ++y)
    for (int x = 0; x < cells; ++x)
      for (int a = 0; a < anchors; ++a) {
        const int i = (y * cells + x) * anchors + a;
        const float score = Sigmoid(scores[i]);
        if (score <= threshold) continue;
        const float* b = &boxes[static_cast<size_t>(i) * 16];
        faces->push_back({(x + 0.5f) / cells + b[0] / size, (y + 0.5f) / cells + b[1] / size, b[2] / size, b[3] / size, score});
      }
}

// Faces above `threshold` from the four outputs (scores of the fine grid with
// 2 anchors per cell, scores of the coarse grid with 6, then their boxes),
// best first, overlaps above 0.3 IoU removed. `size` is the input's side in
// pixels (128 front, 256 back); the grids follow from the output sizes.
inline std::vector<Face> DetectFaces(const std::vector<std::vector<float>>& out, int size, float threshold) {
  std::vector<Face> faces, kept;
  const int fine = static_cast<int>(std::lround(std::sqrt(out[0].size() / 2.0)));
  const int coarse = static_cast<int>(std::lround(std::sqrt(out[1].size() / 6.0)));
  Decode(out[0], out[2], fine, 2, static_cast<float>(size), threshold, &faces);
  Decode(out[1], out[3], coarse, 6, static_cast<float>(size), threshold, &faces);
  std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.score > b.score; });
  for (const Face& f : faces) {
    if (std::none_of(kept.begin(), kept.end(), [&](const Face& k) { return IoU(k, f) > 0.3f; })) kept.push_back(f);
  }
  return kept;
}

}  // namespace kite_example

#endif  // KITE_EXAMPLES_BLAZEFACE_DECODE_H_

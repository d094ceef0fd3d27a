#include "quantize/weight_rounding.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kite {
namespace converter {
namespace {

constexpr int64_t kMaxPixelsPerRun = 16384;


// Up to `limit` of `pixels` output pixels, spread over rows and columns: a
// fixed stride through a row-major map would keep the same few columns
// (1024 of 256 x 256 at stride 64: columns 0, 64, 128, 192 only). Strides
// through the pixels by a step coprime with their count: a permutation, the
// same on every machine.
std::vector<int64_t> SpreadPixels(int64_t pixels, int64_t limit) {
  std::vector<int64_t> chosen;
  if (pixels <= limit) {
    for (int64_t p = 0; p < pixels; ++p) chosen.push_back(p);
    return chosen;
  }
  int64_t step = static_cast<int64_t>(0.6180339887 * static_cast<double>(pixels)) | 1;
  while (std::gcd(step, pixels) != 1) step += 2;
  for (int64_t k = 0; k < limit; ++k) chosen.push_back(static_cast<int64_t>((static_cast<__int128>(k) * step) % pixels));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// Lower-triangular L with L L^T = a (n x n, row-major), or false when a is
// not positive definite.
bool Cholesky(const std::vector<double>& a, int32_t n, std::vector<double>* l) {
  l->assign(static_cast<size_t>(n) * n, 0.0);
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (int32_t k = 0; k < j; ++k) s -= (*l)[i * n + k] * (*l)[j * n + k];
      if (i == j) {
        if (!(s > 0)) return false;
        (*l)[i * n + i] = std::sqrt(s);
      } else {
        (*l)[i * n + j] = s / (*l)[j * n + j];
      }
    }
  }
  return true;
}

// a^-1 from its Cholesky factor l.
std::vector<double> InverseFromCholesky(const std::vector<double>& l, int32_t n) {
  std::vector<double> inv(static_cast<size_t>(n) * n, 0.0), col(n);
  for (int32_t c = 0; c < n; ++c) {
    // Solve L y = e_c, then L^T x = y.
    for (int32_t i = 0; i < n; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (int32_t k = 0; k < i; ++k) s -= l[i * n + k] * col[k];
      col[i] = s / l[i * n + i];
    }
    for (int32_t i = n - 1; i >= 0; --i) {
      double s = col[i];
      for (int32_t k = i + 1; k < n; ++k) s -= l[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / l[i * n + i];
    }
  }
  return inv;
}

}  // namespace

bool TapMoments::Shape(int32_t matrices, int32_t tap_count, bool is_depthwise) {
  if (empty()) {
    channels = matrices;
    taps = tap_count;
    depthwise = is_depthwise;
    count.assign(matrices, 0.0);
    sum.assign(static_cast<size_t>(matrices) * taps, 0.0);
    cross.assign(static_cast<size_t>(matrices) * taps * taps, 0.0);
  }
  return channels == matrices && taps == tap_count && depthwise == is_depthwise;
}

std::vector<double> TapMoments::Covariance(int32_t c, const std::vector<double>& mean, double min_count) const {
  const double n = count[c];
  if (!(n > 0) || n < min_count) return {};
  const size_t k = static_cast<size_t>(taps);
  std::vector<double> h(k * k);
  const double* s = &sum[c * k];
  const double* x = &cross[c * k * k];
  for (size_t i = 0; i < k; ++i) {
    const double mi = mean.empty() ? 0.0 : mean[i];
    for (size_t j = 0; j < k; ++j) {
      const double mj = mean.empty() ? 0.0 : mean[j];
      h[i * k + j] = x[i * k + j] / n - (mi * s[j] + mj * s[i]) / n + mi * mj;
    }
  }
  return h;
}

void AddDenseMoments(const schema::Conv2DOptions* o, const float* input, const int32_t* dims, int32_t rank,
                     const float* weights, int32_t outs, int32_t kh, int32_t kw, const float* bias, float lo, float hi,
                     TapMoments* m) {
  const bool conv = o != nullptr;
  if (conv ? rank != 4 : rank < 1) return;
  const int32_t channels = dims[rank - 1];
  int64_t rows = 1;  // FC: every leading dimension
  for (int32_t d = 0; d + 1 < rank; ++d) rows *= dims[d];
  const int32_t h = conv ? dims[1] : 1, w = conv ? dims[2] : 1;
  const int32_t oh = conv ? (h + o->pad_top() + o->pad_bottom() - o->dilation_h() * (kh - 1) - 1) / o->stride_h() + 1 : 1;
  const int32_t ow = conv ? (w + o->pad_left() + o->pad_right() - o->dilation_w() * (kw - 1) - 1) / o->stride_w() + 1 : 1;
  const int32_t taps = kh * kw * channels;
  if (oh <= 0 || ow <= 0 || taps > kMaxDenseTaps || outs <= 0) return;
  const bool clamps = std::isfinite(lo) || std::isfinite(hi);
  if (clamps && static_cast<int64_t>(outs) * taps * taps > kMaxDenseMoments) return;  // too large to mask per channel
  const int32_t matrices = clamps ? outs : 1;
  if (!m->Shape(matrices, taps, false)) return;
  const int64_t pixels = conv ? static_cast<int64_t>(dims[0]) * oh * ow : rows;
  // The patches transposed (taps x patches), so each sum of products runs
  // over contiguous floats.
  const std::vector<int64_t> chosen = SpreadPixels(pixels, 1024);
  const size_t count = chosen.size();
  std::vector<float> t(static_cast<size_t>(taps) * count, 0.0f);
  for (size_t n = 0; n < count; ++n) {
    const int64_t p = chosen[n];
    if (!conv) {
      for (int32_t c = 0; c < channels; ++c) t[c * count + n] = input[p * channels + c];
      continue;
    }
    const int32_t b = static_cast<int32_t>(p / (static_cast<int64_t>(oh) * ow));
    const int32_t y = static_cast<int32_t>(p / ow % oh), x = static_cast<int32_t>(p % ow);
    for (int32_t i = 0; i < kh; ++i) {
      for (int32_t j = 0; j < kw; ++j) {
        const int32_t iy = y * o->stride_h() - o->pad_top() + i * o->dilation_h();
        const int32_t ix = x * o->stride_w() - o->pad_left() + j * o->dilation_w();
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;  // padding: zero
        const float* at = input + ((static_cast<int64_t>(b) * h + iy) * w + ix) * channels;
        for (int32_t c = 0; c < channels; ++c) t[((i * kw + j) * channels + c) * count + n] = at[c];
      }
    }
  }
  // Which patches each matrix counts: all, or those where its channel's
  // float output is unclipped (the edges, 10% of a finite range, included).
  const float margin = std::isfinite(lo) && std::isfinite(hi) ? 0.1f * (hi - lo) : 0.0f;
  std::vector<float> mask(static_cast<size_t>(matrices) * count, 1.0f);
  if (clamps) {
    for (int32_t oc = 0; oc < outs; ++oc) {
      const float* wo = weights + static_cast<int64_t>(oc) * taps;
      for (size_t n = 0; n < count; ++n) {
        double out = bias != nullptr ? bias[oc] : 0.0;
        for (int32_t k = 0; k < taps; ++k) out += static_cast<double>(wo[k]) * t[k * count + n];
        mask[oc * count + n] = out < lo - margin || out > hi + margin ? 0.0f : 1.0f;
      }
    }
  }
  std::vector<float> masked(count);
  for (int32_t c = 0; c < matrices; ++c) {
    const float* mc = &mask[c * count];
    double* sum = &m->sum[static_cast<size_t>(c) * taps];
    double* cross = &m->cross[static_cast<size_t>(c) * taps * taps];
    double counted = 0;
    for (size_t n = 0; n < count; ++n) counted += mc[n];
    if (counted == 0) continue;
    m->count[c] += counted;
    for (int32_t i = 0; i < taps; ++i) {
      for (size_t n = 0; n < count; ++n) masked[n] = t[i * count + n] * mc[n];
      double s = 0;
      for (size_t n = 0; n < count; ++n) s += masked[n];
      sum[i] += s;
      for (int32_t j = i; j < taps; ++j) {
        const float* bj = &t[j * count];
        // Eight partial sums: the compiler vectorizes them without
        // reordering one float sum.
        float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t n = 0;
        for (; n + 8 <= count; n += 8) {
          for (int l = 0; l < 8; ++l) part[l] += masked[n + l] * bj[n + l];
        }
        double dot = 0;
        for (int l = 0; l < 8; ++l) dot += part[l];
        for (; n < count; ++n) dot += static_cast<double>(masked[n]) * bj[n];
        cross[static_cast<size_t>(i) * taps + j] += dot;
        if (j != i) cross[static_cast<size_t>(j) * taps + i] += dot;
      }
    }
  }
}

void AddDepthwiseMoments(const schema::Conv2DOptions& o, const float* input, const int32_t* dims, const float* weights,
                         int32_t kh, int32_t kw, const float* bias, TapMoments* m) {
  const int32_t batch = dims[0], h = dims[1], w = dims[2], channels = dims[3];
  const int32_t oh = (h + o.pad_top() + o.pad_bottom() - o.dilation_h() * (kh - 1) - 1) / o.stride_h() + 1;
  const int32_t ow = (w + o.pad_left() + o.pad_right() - o.dilation_w() * (kw - 1) - 1) / o.stride_w() + 1;
  const int32_t taps = kh * kw;
  if (oh <= 0 || ow <= 0) return;
  if (!m->Shape(channels, taps, true)) return;
  // Where the fused activation clips, a weight's error does not show; the
  // edges count (10% of the range's width).
  const float lo = o.activation_min(), hi = o.activation_max();
  const float margin = std::isfinite(lo) && std::isfinite(hi) ? 0.1f * (hi - lo) : 0.0f;
  const int64_t pixels = static_cast<int64_t>(batch) * oh * ow;
  std::vector<float> patch(static_cast<size_t>(taps) * channels);
  for (int64_t p : SpreadPixels(pixels, kMaxPixelsPerRun)) {
    const int32_t b = static_cast<int32_t>(p / (static_cast<int64_t>(oh) * ow));
    const int32_t y = static_cast<int32_t>(p / ow % oh), x = static_cast<int32_t>(p % ow);
    for (int32_t i = 0; i < kh; ++i) {
      for (int32_t j = 0; j < kw; ++j) {
        const int32_t iy = y * o.stride_h() - o.pad_top() + i * o.dilation_h();
        const int32_t ix = x * o.stride_w() - o.pad_left() + j * o.dilation_w();
        const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        const float* at = input + ((static_cast<int64_t>(b) * h + iy) * w + ix) * channels;
        for (int32_t c = 0; c < channels; ++c) patch[c * taps + i * kw + j] = inside ? at[c] : 0.0f;
      }
    }
    for (int32_t c = 0; c < channels; ++c) {
      const float* t = &patch[c * taps];
      double out = bias != nullptr ? bias[c] : 0.0;
      for (int32_t k = 0; k < taps; ++k) out += static_cast<double>(weights[c * taps + k]) * t[k];
      if (out < lo - margin || out > hi + margin) continue;
      m->count[c] += 1;
      double* s = &m->sum[static_cast<size_t>(c) * taps];
      double* xx = &m->cross[static_cast<size_t>(c) * taps * taps];
      for (int32_t k = 0; k < taps; ++k) {
        s[k] += t[k];
        for (int32_t l = 0; l < taps; ++l) xx[k * taps + l] += static_cast<double>(t[k]) * t[l];
      }
    }
  }
}

DataRounding::DataRounding(std::vector<double> h, int32_t taps) : h_(std::move(h)), n_(taps) {
  const int32_t n = n_;
  if (static_cast<int64_t>(h_.size()) != static_cast<int64_t>(n) * n) {
    h_.clear();
    return;
  }
  // GPTQ's error feedback runs on H damped by 1% of its mean diagonal; its
  // inverse's upper factor U (H^-1 = U^T U) is the transpose of the lower
  // factor kept here.
  double diag = 0;
  for (int32_t i = 0; i < n; ++i) diag += h_[i * n + i];
  if (!(diag > 0)) return;
  std::vector<double> damped = h_, l;
  for (int32_t i = 0; i < n; ++i) damped[i * n + i] += 0.01 * diag / n;
  if (!Cholesky(damped, n, &l) || !Cholesky(InverseFromCholesky(l, n), n, &u_)) u_.clear();
}

double DataRounding::Objective(const float* w, const std::vector<int16_t>& q, float scale) const {
  const int32_t n = n_;
  std::vector<double> e(n);
  for (int32_t i = 0; i < n; ++i) e[i] = q[i] * static_cast<double>(scale) - w[i];
  double f = 0;
  for (int32_t i = 0; i < n; ++i) {
    double row = 0;
    for (int32_t j = 0; j < n; ++j) row += h_[i * n + j] * e[j];
    f += e[i] * row;
  }
  return f;
}

std::vector<int16_t> DataRounding::RoundLevels(const float* w, float scale, int32_t max_level) const {
  const int32_t n = n_;
  const double top = max_level;
  std::vector<int16_t> q(n);
  for (int32_t i = 0; i < n; ++i) q[i] = static_cast<int16_t>(std::clamp(std::nearbyint(static_cast<double>(w[i] / scale)), -top, top));
  if (h_.empty() || !(scale > 0)) return q;
  // Each weight rounds down or up, never further (AdaRound's constraint):
  // taps the calibration barely varies (a constant alpha channel, padding)
  // leave directions H cannot see, and unbounded moves along them trade a
  // small in-sample gain for a large error elsewhere (M-LSD's first conv:
  // 43.9 -> 25.9 dB).
  std::vector<int16_t> down(n), up(n);
  for (int32_t i = 0; i < n; ++i) {
    down[i] = static_cast<int16_t>(std::clamp(std::floor(w[i] / static_cast<double>(scale)), -top, top));
    up[i] = static_cast<int16_t>(std::clamp(std::ceil(w[i] / static_cast<double>(scale)), -top, top));
  }
  const auto bounded = [&](int32_t i, double level) {
    return static_cast<int16_t>(std::clamp(std::nearbyint(level), static_cast<double>(down[i]), static_cast<double>(up[i])));
  };
  const std::vector<int16_t> nearest = q;
  const double nearest_error = Objective(w, q, scale);
  const double s = scale;
  if (!u_.empty()) {
    // Each rounding's error, pushed onto the taps not yet rounded.
    std::vector<double> rest(w, w + n);
    std::vector<int16_t> feedback(n);
    for (int32_t j = 0; j < n; ++j) {
      feedback[j] = bounded(j, rest[j] / s);
      const double err = (rest[j] - feedback[j] * s) / u_[j * n + j];
      for (int32_t k = j + 1; k < n; ++k) rest[k] -= err * u_[k * n + j];
    }
    if (Objective(w, feedback, scale) < nearest_error) q = feedback;
  }
  // Single-level moves while they lower e^T H e; g = H e kept up to date.
  std::vector<double> g(n, 0.0);
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t j = 0; j < n; ++j) g[i] += h_[i * n + j] * (q[j] * s - w[j]);
  }
  for (int sweep = 0; sweep < 8; ++sweep) {
    bool moved = false;
    for (int32_t j = 0; j < n; ++j) {
      for (int d : {-1, 1}) {
        if (q[j] + d < down[j] || q[j] + d > up[j]) continue;
        // f(e + d s u_j) - f(e) = 2 d s g_j + s^2 H_jj.
        const double change = 2.0 * d * s * g[j] + s * s * h_[j * n + j];
        if (!(change < -1e-6 * s * s * h_[j * n + j])) continue;  // beyond g's rounding drift
        q[j] = static_cast<int16_t>(q[j] + d);
        for (int32_t i = 0; i < n; ++i) g[i] += d * s * h_[i * n + j];
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  // Recomputed, not trusted to the running sums: never worse than nearest.
  return Objective(w, q, scale) <= nearest_error ? q : nearest;
}

std::vector<int8_t> DataRounding::Round(const float* w, float scale) const {
  const std::vector<int16_t> q = RoundLevels(w, scale, 127);
  return std::vector<int8_t>(q.begin(), q.end());
}

std::vector<int8_t> RoundWithData(const float* w, int32_t taps, float scale, const std::vector<double>& h) {
  return DataRounding(h, taps).Round(w, scale);
}

}  // namespace converter
}  // namespace kite

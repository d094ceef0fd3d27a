#include "quantize/weight_rounding.h"

#include <algorithm>
#include <cmath>

namespace kite {
namespace converter {
namespace {

constexpr int64_t kMaxPixelsPerRun = 16384;

int8_t Level(double x) { return static_cast<int8_t>(std::clamp(std::nearbyint(x), -127.0, 127.0)); }

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

double Objective(const std::vector<double>& e, const std::vector<double>& h, int32_t n) {
  double f = 0;
  for (int32_t i = 0; i < n; ++i) {
    double row = 0;
    for (int32_t j = 0; j < n; ++j) row += h[i * n + j] * e[j];
    f += e[i] * row;
  }
  return f;
}

// GPTQ's error feedback, in tap order, on H damped by 1% of its mean
// diagonal; empty when H is degenerate.
std::vector<int8_t> ErrorFeedback(const float* w, int32_t n, float scale, const std::vector<double>& h) {
  double diag = 0;
  for (int32_t i = 0; i < n; ++i) diag += h[i * n + i];
  if (!(diag > 0)) return {};
  std::vector<double> damped = h;
  for (int32_t i = 0; i < n; ++i) damped[i * n + i] += 0.01 * diag / n;
  std::vector<double> l, u;
  if (!Cholesky(damped, n, &l)) return {};
  // The upper factor U of H^-1 = U^T U: the transpose of its lower factor.
  if (!Cholesky(InverseFromCholesky(l, n), n, &u)) return {};
  std::vector<double> rest(w, w + n);
  std::vector<int8_t> q(n);
  for (int32_t j = 0; j < n; ++j) {
    q[j] = Level(rest[j] / scale);
    const double err = (rest[j] - q[j] * static_cast<double>(scale)) / u[j * n + j];
    for (int32_t k = j + 1; k < n; ++k) rest[k] -= err * u[k * n + j];
  }
  return q;
}

}  // namespace

std::vector<double> TapMoments::Covariance(int32_t c, double mean) const {
  const double n = count[c];
  if (!(n > 0)) return {};
  const size_t k = static_cast<size_t>(taps);
  std::vector<double> h(k * k);
  const double* s = &sum[c * k];
  const double* x = &cross[c * k * k];
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) h[i * k + j] = x[i * k + j] / n - mean * (s[i] + s[j]) / n + mean * mean;
  }
  return h;
}

void AddDepthwiseMoments(const schema::Conv2DOptions& o, const float* input, const int32_t* dims, const float* weights,
                         int32_t kh, int32_t kw, const float* bias, TapMoments* m) {
  const int32_t batch = dims[0], h = dims[1], w = dims[2], channels = dims[3];
  const int32_t oh = (h + o.pad_top() + o.pad_bottom() - o.dilation_h() * (kh - 1) - 1) / o.stride_h() + 1;
  const int32_t ow = (w + o.pad_left() + o.pad_right() - o.dilation_w() * (kw - 1) - 1) / o.stride_w() + 1;
  const int32_t taps = kh * kw;
  if (oh <= 0 || ow <= 0) return;
  if (m->empty()) {
    m->channels = channels;
    m->taps = taps;
    m->count.assign(channels, 0.0);
    m->sum.assign(static_cast<size_t>(channels) * taps, 0.0);
    m->cross.assign(static_cast<size_t>(channels) * taps * taps, 0.0);
  }
  if (m->channels != channels || m->taps != taps) return;
  // Where the fused activation clips, a weight's error does not show; the
  // edges count (10% of the range's width).
  const float lo = o.activation_min(), hi = o.activation_max();
  const float margin = std::isfinite(lo) && std::isfinite(hi) ? 0.1f * (hi - lo) : 0.0f;
  const int64_t pixels = static_cast<int64_t>(batch) * oh * ow;
  const int64_t step = std::max<int64_t>(1, (pixels + kMaxPixelsPerRun - 1) / kMaxPixelsPerRun);
  std::vector<float> patch(static_cast<size_t>(taps) * channels);
  for (int64_t p = 0; p < pixels; p += step) {
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

std::vector<int8_t> RoundWithData(const float* w, int32_t n, float scale, const std::vector<double>& h) {
  std::vector<int8_t> q(n);
  for (int32_t i = 0; i < n; ++i) q[i] = Level(w[i] / scale);
  if (static_cast<int64_t>(h.size()) != static_cast<int64_t>(n) * n || !(scale > 0)) return q;
  const auto errors = [&](const std::vector<int8_t>& levels) {
    std::vector<double> e(n);
    for (int32_t i = 0; i < n; ++i) e[i] = levels[i] * static_cast<double>(scale) - w[i];
    return e;
  };
  const std::vector<int8_t> nearest = q;
  const double nearest_error = Objective(errors(q), h, n);
  const std::vector<int8_t> feedback = ErrorFeedback(w, n, scale, h);
  if (!feedback.empty() && Objective(errors(feedback), h, n) < nearest_error) q = feedback;
  // Single-level moves while they lower e^T H e; g = H e kept up to date.
  std::vector<double> e = errors(q), g(n, 0.0);
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t j = 0; j < n; ++j) g[i] += h[i * n + j] * e[j];
  }
  const double s = scale;
  for (int sweep = 0; sweep < 8; ++sweep) {
    bool moved = false;
    for (int32_t j = 0; j < n; ++j) {
      for (int d : {-1, 1}) {
        if (q[j] + d < -127 || q[j] + d > 127) continue;
        // f(e + d s u_j) - f(e) = 2 d s g_j + s^2 H_jj.
        const double change = 2.0 * d * s * g[j] + s * s * h[j * n + j];
        if (!(change < -1e-6 * s * s * h[j * n + j])) continue;  // beyond g's rounding drift
        q[j] = static_cast<int8_t>(q[j] + d);
        e[j] += d * s;
        for (int32_t i = 0; i < n; ++i) g[i] += d * s * h[i * n + j];
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  // Recomputed, not trusted to the running sums: never worse than nearest.
  return Objective(errors(q), h, n) <= nearest_error ? q : nearest;
}

}  // namespace converter
}  // namespace kite

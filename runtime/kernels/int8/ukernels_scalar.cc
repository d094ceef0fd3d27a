// The portable C variant: the packed layouts read one value at a time. It
// runs anywhere and is the executable description of the layouts that the
// SIMD variants are tested against (and all of them against the reference).
#include "core/quantization.h"
#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 4;

void IgemmScalar(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                 size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  const size_t kc4 = (kc + 3) / 4;
  for (size_t b = 0; b * kBlockChannels < nc; ++b, w += block_bytes) {
    const int32_t* bias = BlockBiasS8(w);
    const float* scale = GemmBlockScales(w);
    const int8_t* weights = GemmBlockWeights(w);
    const size_t channels = nc - b * kBlockChannels < kBlockChannels ? nc - b * kBlockChannels : kBlockChannels;
    for (size_t m = 0; m < mr; ++m) {
      for (size_t j = 0; j < channels; ++j) {
        uint32_t acc = static_cast<uint32_t>(bias[j]);
        for (size_t t = 0; t < ks; ++t) {
          const int8_t* x = a[t * kMr + m];
          const int8_t* wt = weights + (t * kc4 * kBlockChannels + j) * 4;
          for (size_t k = 0; k < kc; ++k) {
            acc += static_cast<uint32_t>(static_cast<int32_t>(x[k]) * wt[(k / 4) * kBlockChannels * 4 + k % 4]);
          }
        }
        c[m * c_stride + b * kBlockChannels + j] =
            Requantize(static_cast<int32_t>(acc), scale[j], rq.zero_point, rq.qmin, rq.qmax);
      }
    }
  }
}

void DwconvScalar(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes,
                  int8_t* c, const Requant& rq) {
  for (size_t b = 0; b * kDepthwiseBlockChannels < channels; ++b, w += block_bytes) {
    const int32_t* bias = BlockBiasS8(w);
    const float* scale = DepthwiseBlockScales(w);
    const int16_t* weights = DepthwiseBlockWeights(w);
    const size_t first = b * kDepthwiseBlockChannels;
    const size_t n = channels - first < kDepthwiseBlockChannels ? channels - first : kDepthwiseBlockChannels;
    for (size_t p = 0; p < pixels; ++p) {
      for (size_t j = 0; j < n; ++j) {
        uint32_t acc = static_cast<uint32_t>(bias[DepthwiseLane(j)]);
        for (size_t ky = 0, t = 0; ky < taps.kh; ++ky) {
          const int8_t* x = taps.rows[ky] + p * taps.pixel_step[ky] + first + j;
          for (size_t kx = 0; kx < taps.kw; ++kx, ++t) {
            acc += static_cast<uint32_t>(static_cast<int32_t>(x[kx * taps.tap_step[ky]]) *
                                         weights[DepthwiseWeightIndex(t, j)]);
          }
        }
        c[p * channels + first + j] =
            Requantize(static_cast<int32_t>(acc), scale[DepthwiseLane(j)], rq.zero_point, rq.qmin, rq.qmax);
      }
    }
  }
}

}  // namespace

const Ukernels kScalarUkernels = {
    "scalar", "int8/qc8-igemm-4x16c4-scalar", "int8/qc8-dwconv-1x32-scalar", IgemmScalar, kMr, DwconvScalar, false,
    nullptr, nullptr, 0, nullptr, nullptr,
};

}  // namespace int8
}  // namespace kite

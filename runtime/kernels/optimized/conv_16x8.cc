// 16x8 Conv2D (one group, or depthwise with one output per channel),
// ConvTranspose2D (one group) and FullyConnected: int16 input and output,
// int8 weights (16x16: int16 ones), int64 bias. A transposed conv is the
// same dot per output pixel: its weights [out][kh][kw][in] against the input
// pixels its taps reach (reference/conv_transpose2d.cc's gather), zeros where
// none. The reference (kernels/reference/conv2d.cc) sums int64 products one
// output at a time. Here a one-group conv or FC runs as a GEMM: where the
// int8 engine's variant for this CPU has a 16x8 GEMM (int8/ukernels.h: x86's
// vpmaddwd and vpdpwssd), tiles of output pixels' patches against blocks of 16 output
// channels whose weights prepare packs into the arena; elsewhere (and with
// portable kernels) vectorizable loops over a patch's contiguous taps, four
// weight rows per pass. A product is at most 2^15 x 2^7 = 2^22 in magnitude,
// so up to kMaxInt32Terms of them sum exactly in int32; longer sums are split
// and carried in int64. Integer sums do not depend on order, and the finish
// is the reference's FinishInt16 (bias added with wrap-around, converted to
// float, scaled, clamped) rounded by the 1.5 * 2^23 addition, which equals
// lrintf on the clamped range: bit-exact. 16x16 (int16 weights) runs on the
// SIMD GEMM only (and depthwise), with int32 sums as long as 2^15 x the
// weights' largest magnitude allows (16 pairs for 12-bit weights).
#include <math.h>
#include <string.h>

#include "kernels/conv_params.h"
#include "kernels/int8/ukernels.h"
#include "kernels/optimized/conv_16x8_state.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

constexpr int32_t kInput = 0;
constexpr int32_t kWeights = 1;
constexpr int32_t kBias = 2;
constexpr int32_t kPatchPad = 64;        // the vector loop's step (two AVX-512 vectors)
constexpr int32_t kPaddedChunk = 448;    // a multiple of kPatchPad, at most kMaxInt32Terms
// A transposed conv with fewer output channels runs the reference (unless
// its kernel is its stride: BlockTransposedConv): the GEMM's 16-channel
// blocks and the patches' empty taps cost more than its gather (PP-OCR det's
// 24 -> 1 channel 2x2 head, 640x640: 22 ms in the GEMM, 17 in the loops, 11
// in the reference).
constexpr int32_t kMinTransposedChannels = 8;
// 16x16 (int16 weights) off the SIMD GEMM or the depthwise loops' int32 sums:
// the reference's int64 sums.
constexpr const char* kInt16WeightsDecline =
    "16x16: int16 weights need constant weights, one group (the SIMD 16x16 GEMM) or depthwise with sums that fit int32";


}  // namespace

// out[j] = FinishInt16 of acc[j] for output channels c0 + j, j < n, in a
// loop the compiler vectorizes.
template <typename Acc>
inline void FinishRowImpl(const OutputTransform& t, const Acc* acc, const int64_t* bias, int32_t c0, int32_t n,
                          int16_t* out) {
  constexpr float kRoundMagic = 12582912.0f;
  const float lo = static_cast<float>(t.range.min), hi = static_cast<float>(t.range.max);
  const float* scales = t.scales + c0;
  for (int32_t j = 0; j < n; ++j) {
    uint64_t a = static_cast<uint64_t>(static_cast<int64_t>(acc[j]));
    if (bias != nullptr) a += static_cast<uint64_t>(bias[c0 + j]);
    float v = static_cast<float>(static_cast<int64_t>(a)) * scales[j];
    v = v >= lo ? v : lo;
    v = v > hi ? hi : v;
    out[j] = static_cast<int16_t>(static_cast<int32_t>((v + kRoundMagic) - kRoundMagic));
  }
}

KITE_VECTOR_CLONES void FinishRow(const OutputTransform& t, const int64_t* acc, const int64_t* bias, int32_t c0,
                                  int32_t n, int16_t* out) {
  FinishRowImpl(t, acc, bias, c0, n, out);
}

KITE_VECTOR_CLONES void FinishRow(const OutputTransform& t, const int32_t* acc, const int64_t* bias, int32_t c0,
                                  int32_t n, int16_t* out) {
  FinishRowImpl(t, acc, bias, c0, n, out);
}

// acc[j] + bias32[c0 + j] is exact in int32 (checked at prepare), so its
// conversion to float is the reference's int64 conversion of the same
// integer; unlike int64 -> float it vectorizes without AVX-512.
KITE_VECTOR_CLONES void FinishRowInt32(const OutputTransform& t, const int32_t* acc, const int32_t* bias32, int32_t c0,
                                       int32_t n, int16_t* out) {
  constexpr float kRoundMagic = 12582912.0f;
  const float lo = static_cast<float>(t.range.min), hi = static_cast<float>(t.range.max);
  const float* scales = t.scales + c0;
  const int32_t* bias = bias32 + c0;
  for (int32_t j = 0; j < n; ++j) {
    float v = static_cast<float>(acc[j] + bias[j]) * scales[j];
    v = v >= lo ? v : lo;
    v = v > hi ? hi : v;
    out[j] = static_cast<int16_t>(static_cast<int32_t>((v + kRoundMagic) - kRoundMagic));
  }
}

namespace {


// The sums of four weight rows against x over [begin, end), at most
// kMaxInt32Terms terms: exact in int32.
inline void Dot4(const int16_t* x, const int8_t* w0, int32_t k, int32_t begin, int32_t end, int64_t* acc) {
  const int8_t* w1 = w0 + k;
  const int8_t* w2 = w1 + k;
  const int8_t* w3 = w2 + k;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t i = begin; i < end; ++i) {
    const int32_t xi = x[i];
    s0 += xi * int32_t{w0[i]};
    s1 += xi * int32_t{w1[i]};
    s2 += xi * int32_t{w2[i]};
    s3 += xi * int32_t{w3[i]};
  }
  acc[0] += s0;
  acc[1] += s1;
  acc[2] += s2;
  acc[3] += s3;
}

// acc[j] += sum x[i] * w_j[i] over i < k for the `out_c` weight rows w_j,
// `k` apart, four rows per pass (one load of x feeds four sums). x holds
// zeros from k to k_padded, a multiple of kPatchPad: where a row's weights
// are followed by more weights (the next row's) up to k_padded, the sum runs
// to k_padded, each extra product zero, so the vector loop has no scalar
// tail; the rows at `w_end` stop at k.
KITE_VECTOR_CLONES void DotRows(const int16_t* x, int32_t k, int32_t k_padded, const int8_t* w, const int8_t* w_end,
                                int32_t out_c, int64_t* acc) {
  int32_t j = 0;
  for (; j + 4 <= out_c; j += 4) {
    const int8_t* w0 = w + int64_t{j} * k;
    const bool padded = w_end - (w0 + 3 * int64_t{k}) >= k_padded;
    const int32_t n = padded ? k_padded : k;
    const int32_t chunk = padded ? kPaddedChunk : kMaxInt32Terms;
    for (int32_t c = 0; c < n; c += chunk) Dot4(x, w0, k, c, n - c < chunk ? n : c + chunk, acc + j);
  }
  for (; j < out_c; ++j) {
    const int8_t* wj = w + int64_t{j} * k;
    for (int32_t c = 0; c < k; c += kMaxInt32Terms) {
      const int32_t end = k - c < kMaxInt32Terms ? k : c + kMaxInt32Terms;
      int32_t sj = 0;
      for (int32_t i = c; i < end; ++i) sj += int32_t{x[i]} * int32_t{wj[i]};
      acc[j] += sj;
    }
  }
}

// The input row or column a transposed conv's tap k reads for output o, or
// -1: o = i * stride - pad + k * dilation.
inline int32_t TransposedSource(int32_t o, int32_t k, int32_t stride, int32_t dilation, int32_t pad, int32_t in) {
  const int32_t t = o + pad - k * dilation;
  if (t < 0 || t % stride != 0) return -1;
  return t / stride < in ? t / stride : -1;
}

// A transposed conv's patch for output pixel (oy, ox): each tap's input
// pixel, or zeros where the tap reaches none.
void GatherTransposedPatch(const Conv16x8State& s, const int16_t* image, int32_t oy, int32_t ox, int16_t* p) {
  const size_t pixel_bytes = static_cast<size_t>(s.in_c) * sizeof(int16_t);
  for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
    const int32_t iy = TransposedSource(oy, ky, s.stride_h, s.dilation_h, s.pad_top, s.in_h);
    for (int32_t kx = 0; kx < s.kernel_w; ++kx, p += s.in_c) {
      const int32_t ix = iy < 0 ? -1 : TransposedSource(ox, kx, s.stride_w, s.dilation_w, s.pad_left, s.in_w);
      if (ix >= 0) {
        memcpy(p, image + (int64_t{iy} * s.in_w + ix) * s.in_c, pixel_bytes);
      } else {
        memset(p, 0, pixel_bytes);
      }
    }
  }
}

// Output pixel (oy, ox)'s patch, in the weights' [ky][kx][c] order, into
// p: padded taps zero (no term).
void GatherPatch(const Conv16x8State& s, const int16_t* image, int32_t oy, int32_t ox, int16_t* p) {
  if (s.transposed) {
    GatherTransposedPatch(s, image, oy, ox, p);
    return;
  }
  const int64_t row_bytes = int64_t{s.kernel_w} * s.in_c * sizeof(int16_t);
  for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
    const int32_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
    const int32_t ix0 = ox * s.stride_w - s.pad_left;
    const bool row_inside = iy >= 0 && iy < s.in_h;
    if (row_inside && s.dilation_w == 1 && ix0 >= 0 && ix0 + s.kernel_w <= s.in_w) {
      memcpy(p, image + (int64_t{iy} * s.in_w + ix0) * s.in_c, static_cast<size_t>(row_bytes));
      p += s.kernel_w * s.in_c;
      continue;
    }
    for (int32_t kx = 0; kx < s.kernel_w; ++kx, p += s.in_c) {
      const int32_t ix = ix0 + kx * s.dilation_w;
      if (row_inside && ix >= 0 && ix < s.in_w) {
        memcpy(p, image + (int64_t{iy} * s.in_w + ix) * s.in_c, s.in_c * sizeof(int16_t));
      } else {
        memset(p, 0, s.in_c * sizeof(int16_t));
      }
    }
  }
}

// One group, output pixel by output pixel: the pixel's patch gathered into
// s.patch, then one dot per output channel against its weight row.
void DenseConv(const Conv16x8State& s, int32_t batch, const int16_t* in, const int8_t* w, const int8_t* w_end,
               const int64_t* bias, int16_t* out) {
  const int32_t k = s.kernel_h * s.kernel_w * s.in_c;  // one output channel's weights
  for (int32_t n = 0; n < batch; ++n) {
    const int16_t* image = in + int64_t{n} * s.in_h * s.in_w * s.in_c;
    for (int32_t oy = 0; oy < s.out_h; ++oy) {
      for (int32_t ox = 0; ox < s.out_w; ++ox, out += s.out_c) {
        GatherPatch(s, image, oy, ox, s.patch);
        int64_t* acc = s.sums;
        for (int32_t j = 0; j < s.out_c; ++j) acc[j] = 0;
        DotRows(s.patch, k, s.k_padded, w, w_end, s.out_c, acc);
        FinishRow(s.transform, acc, bias, 0, s.out_c, out);
      }
    }
  }
}

// sums[i] += acc[i]: a piece of the GEMM's int32 sums carried in int64 (every
// 16 pairs with 12-bit int16 weights: vectorized for the host's ISA).
KITE_VECTOR_CLONES void CarryInt32(const int32_t* acc, size_t n, int64_t* sums) {
  for (size_t i = 0; i < n; ++i) sums[i] += acc[i];
}

// The SIMD GEMM of pairs [p0, p0 + pairs) of `mr` rows (a: pair p0's) into
// s.tile_acc: int8 weights (gemm16x8) or int16 ones (gemm16x16).
inline void GemmPairs(const Conv16x8State& s, size_t mr, size_t p0, size_t pairs, const int16_t* a, size_t a_stride,
                      size_t block_stride, size_t blocks) {
  constexpr size_t kBlock = int8::kGemm16x8Channels;
  const size_t stride = static_cast<size_t>(s.acc_stride);
  if (s.packed16 != nullptr) {
    s.uk->gemm16x16(mr, pairs, a, a_stride, s.packed16 + p0 * 2 * kBlock, block_stride, blocks, s.tile_acc, stride);
  } else {
    s.uk->gemm16x8(mr, pairs, a, a_stride, s.packed + p0 * 2 * kBlock, block_stride, blocks, s.tile_acc, stride);
  }
}

// The SIMD GEMM of `mr` rows (row m at a + m * a_stride, 2 x k2 values)
// against every block of output channels into the rows of s.tile_acc (or,
// in pieces, s.tile_sums), then each row's finish over all its channels at
// once; row m's outputs start at out + m * out_c.
void GemmTile(const Conv16x8State& s, size_t mr, const int16_t* a, size_t a_stride, const int64_t* bias,
              int16_t* out) {
  constexpr size_t kBlock = int8::kGemm16x8Channels;
  const size_t k2 = static_cast<size_t>(s.k2), stride = static_cast<size_t>(s.acc_stride);
  const size_t block_stride = k2 * 2 * kBlock, blocks = stride / kBlock, max_pairs = static_cast<size_t>(s.max_pairs);
  if (k2 <= max_pairs) {
    GemmPairs(s, mr, 0, k2, a, a_stride, block_stride, blocks);
    for (size_t m = 0; m < mr; ++m) FinishSums(s, s.tile_acc + m * stride, bias, 0, s.out_c, out + m * s.out_c);
    return;
  }
  for (size_t i = 0; i < mr * stride; ++i) s.tile_sums[i] = 0;
  for (size_t p0 = 0; p0 < k2; p0 += max_pairs) {
    GemmPairs(s, mr, p0, k2 - p0 < max_pairs ? k2 - p0 : max_pairs, a + 2 * p0, a_stride, block_stride, blocks);
    CarryInt32(s.tile_acc, mr * stride, s.tile_sums);
  }
  for (size_t m = 0; m < mr; ++m) FinishRow(s.transform, s.tile_sums + m * stride, bias, 0, s.out_c, out + m * s.out_c);
}

// One group through the SIMD GEMM: tiles of consecutive output pixels. A
// 1x1 conv with stride 1 and no padding reads its pixels where they are
// (when a pixel's channels are whole pairs); others gather the tile's patches.
void GemmConv(const Conv16x8State& s, int32_t batch, const int16_t* in, const int64_t* bias, int16_t* out) {
  const int64_t plane = int64_t{s.out_h} * s.out_w, pixels = batch * plane;
  const size_t mr_max = s.uk->gemm16x8_mr, stride = 2 * static_cast<size_t>(s.k2);
  for (int64_t p0 = 0; p0 < pixels; p0 += static_cast<int64_t>(mr_max)) {
    const size_t mr = pixels - p0 < static_cast<int64_t>(mr_max) ? static_cast<size_t>(pixels - p0) : mr_max;
    if (s.direct) {
      GemmTile(s, mr, in + p0 * s.in_c, static_cast<size_t>(s.in_c), bias, out + p0 * s.out_c);
      continue;
    }
    for (size_t m = 0; m < mr; ++m) {
      const int64_t p = p0 + static_cast<int64_t>(m), n = p / plane;
      const int32_t oy = static_cast<int32_t>(p % plane / s.out_w), ox = static_cast<int32_t>(p % s.out_w);
      GatherPatch(s, in + n * s.in_h * s.in_w * s.in_c, oy, ox, s.tile + m * stride);
    }
    GemmTile(s, mr, s.tile, stride, bias, out + p0 * s.out_c);
  }
}


// A transposed conv whose kernel is its stride, without padding or
// dilation (an upsampling head: PP-OCR det's 2x2 of stride 2): input pixel
// (iy, ix) alone gives output block (iy * kh + ky, ix * kw + kx), so it runs
// as a 1x1 conv of kh * kw * out_c outputs, [ky][kx][c], over the input
// pixels read in place (copied into whole pairs when in_c is odd), each
// group of out_c sums finished into its output pixel. The gather's other
// taps are zeros: the same sums, the same finish.
void BlockTransposedConv(const Conv16x8State& s, int32_t batch, const int16_t* in, const int64_t* bias, int16_t* out) {
  constexpr size_t kBlock = int8::kGemm16x8Channels;
  const int64_t plane = int64_t{s.in_h} * s.in_w, pixels = batch * plane;
  const size_t mr_max = s.uk->gemm16x8_mr, k2 = static_cast<size_t>(s.k2), stride = static_cast<size_t>(s.acc_stride);
  for (int64_t p0 = 0; p0 < pixels; p0 += static_cast<int64_t>(mr_max)) {
    const size_t mr = pixels - p0 < static_cast<int64_t>(mr_max) ? static_cast<size_t>(pixels - p0) : mr_max;
    const int16_t* a = in + p0 * s.in_c;
    size_t a_stride = static_cast<size_t>(s.in_c);
    if (!s.direct) {
      for (size_t m = 0; m < mr; ++m) memcpy(s.tile + m * 2 * k2, a + m * s.in_c, s.in_c * sizeof(int16_t));
      a = s.tile;
      a_stride = 2 * k2;
    }
    GemmPairs(s, mr, 0, k2, a, a_stride, k2 * 2 * kBlock, stride / kBlock);
    for (size_t m = 0; m < mr; ++m) {
      const int64_t p = p0 + static_cast<int64_t>(m), n = p / plane;
      const int64_t iy = p % plane / s.in_w, ix = p % s.in_w;
      const int32_t* acc = s.tile_acc + m * stride;
      for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
        int16_t* row = out + ((n * s.out_h + iy * s.kernel_h + ky) * s.out_w + ix * s.kernel_w) * s.out_c;
        for (int32_t kx = 0; kx < s.kernel_w; ++kx, acc += s.out_c) FinishSums(s, acc, bias, 0, s.out_c, row + kx * s.out_c);
      }
    }
  }
}

void InvokeConv(const Node& node, const Tensor* tensors) {
  const Conv16x8State& s = *static_cast<const Conv16x8State*>(node.state);
  const Tensor& x = node.input(tensors, kInput);
  const int64_t* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<int64_t>() : nullptr;
  int16_t* out = node.output(tensors, 0).As<int16_t>();
  if (s.depthwise_weights != nullptr) {
    DepthwiseConv(s, x.shape.dims[0], x.As<int16_t>(), bias, out);
  } else if (s.blocks) {
    BlockTransposedConv(s, x.shape.dims[0], x.As<int16_t>(), bias, out);
  } else if (s.uk != nullptr) {
    GemmConv(s, x.shape.dims[0], x.As<int16_t>(), bias, out);
  } else {
    const Tensor& w = node.input(tensors, kWeights);
    DenseConv(s, x.shape.dims[0], x.As<int16_t>(), w.As<int8_t>(), w.As<int8_t>() + w.elements(), bias, out);
  }
}

// FullyConnected: `rows` rows of x against every weight row, blocks of
// kRowChannels output channels at a time so that a block's weights stay in
// cache across the rows (a classifier's weights, PP-OCR rec's 6625 x 120, do
// not fit the caches whole).
void InvokeFullyConnected(const Node& node, const Tensor* tensors) {
  constexpr int32_t kRowChannels = 64;
  const Conv16x8State& s = *static_cast<const Conv16x8State*>(node.state);
  const int64_t* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<int64_t>() : nullptr;
  const int16_t* x = node.input(tensors, kInput).As<int16_t>();
  const Tensor& weights = node.input(tensors, kWeights);
  const int8_t* w = weights.As<int8_t>();
  const int8_t* w_end = w + weights.elements();
  int16_t* y = node.output(tensors, 0).As<int16_t>();
  const int32_t k = s.in_c, rows = s.in_h;
  if (s.uk != nullptr) {
    GemmConv(s, 1, x, bias, y);  // the rows as the pixels of a 1x1 conv
    return;
  }
  for (int32_t c0 = 0; c0 < s.out_c; c0 += kRowChannels) {
    const int32_t block = s.out_c - c0 < kRowChannels ? s.out_c - c0 : kRowChannels;
    for (int32_t r = 0; r < rows; ++r) {
      int64_t* acc = s.sums;
      for (int32_t j = 0; j < block; ++j) acc[j] = 0;
      memcpy(s.patch, x + int64_t{r} * k, k * sizeof(int16_t));
      DotRows(s.patch, k, s.k_padded, w + int64_t{c0} * k, w_end, block, acc);
      int16_t* out = y + int64_t{r} * s.out_c + c0;
      FinishRow(s.transform, acc, bias, c0, block, out);
    }
  }
}

// The 16x8 GEMM of the int8 engine's variant: the one the interpreter named,
// or the best for this CPU; null with portable kernels or where the variant
// has none.
const int8::Ukernels* ChooseGemm(PrepareContext& ctx, bool int16_weights) {
  if (ctx.kernels() == KernelSet::kPortable && ctx.int8_ukernels() == nullptr) return nullptr;
  const int8::Ukernels* uk = ctx.int8_ukernels() != nullptr ? ctx.int8_ukernels() : int8::BestUkernels();
  if (int16_weights) return uk->gemm16x16 != nullptr ? uk : nullptr;
  return uk->gemm16x8 != nullptr ? uk : nullptr;
}

// The largest product's magnitude (2^22 with int8 weights; 2^15 x the
// largest |w| with int16 ones, 2^15 x 2^15 for -32768), and the pairs per
// GEMM call whose int32 sums cannot wrap (0: not even one).
struct WeightBounds {
  int64_t max_product;
  int32_t max_pairs;
};

WeightBounds BoundsOf(const Tensor& w) {
  if (w.dtype != KITE_INT16) return {int64_t{1} << 22, static_cast<int32_t>(int8::kGemm16x8MaxPairs)};
  const int16_t* v = w.As<int16_t>();
  int32_t largest = 1;
  for (int64_t i = 0; i < w.elements(); ++i) {
    const int32_t magnitude = v[i] < 0 ? -int32_t{v[i]} : v[i];
    largest = magnitude > largest ? magnitude : largest;
  }
  const int64_t product = int64_t{32768} * largest;
  return {product, static_cast<int32_t>(int64_t{INT32_MAX} / (2 * product))};
}


// The SIMD GEMM's arena: the weights packed [block][k2][16][2] (a copy of
// the int8 weights, rounded up to whole pairs and blocks) and the tile. The
// GEMM's `channels` x `k` weights: weight(c, t) (BlockTransposedConv's
// differ from the stored order).
template <typename P, typename Weight>
kite_status PrepareGemm(PrepareContext& ctx, const int8::Ukernels* uk, int64_t channels, int64_t k, Weight weight,
                        Conv16x8State* s) {
  constexpr int64_t kBlock = int8::kGemm16x8Channels;
  const int64_t k2 = (k + 1) / 2;
  const int64_t blocks = (channels + kBlock - 1) / kBlock, mr = static_cast<int64_t>(uk->gemm16x8_mr);
  const bool in_pieces = k2 > int64_t{s->max_pairs};
  P* packed = ctx.AllocateArray<P>(static_cast<size_t>(blocks * k2 * 2 * kBlock));
  s->tile = ctx.AllocateArray<int16_t>(static_cast<size_t>(mr * 2 * k2));
  s->tile_acc = ctx.AllocateArray<int32_t>(static_cast<size_t>(mr * blocks * kBlock));
  s->tile_sums = in_pieces ? ctx.AllocateArray<int64_t>(static_cast<size_t>(mr * blocks * kBlock)) : nullptr;
  if (packed == nullptr || s->tile == nullptr || s->tile_acc == nullptr || (in_pieces && s->tile_sums == nullptr)) {
    return ctx.OutOfArena();
  }
  P* dst = packed;
  for (int64_t b = 0; b < blocks; ++b) {
    for (int64_t p = 0; p < k2; ++p) {
      for (int64_t j = 0; j < kBlock; ++j) {
        const int64_t c = b * kBlock + j;
        for (int64_t e = 0; e < 2; ++e) {
          *dst++ = c < channels && 2 * p + e < k ? weight(c, 2 * p + e) : P{0};
        }
      }
    }
  }
  memset(s->tile, 0, static_cast<size_t>(mr * 2 * k2) * sizeof(int16_t));  // the odd tap's partner stays 0
  s->uk = uk;
  if constexpr (sizeof(P) == 2) {
    s->packed16 = packed;
  } else {
    s->packed = packed;
  }
  s->k2 = static_cast<int32_t>(k2);
  s->acc_stride = static_cast<int32_t>(blocks * kBlock);
  s->direct = k % 2 == 0 && s->kernel_h == 1 && s->kernel_w == 1 && s->stride_h == 1 && s->stride_w == 1 &&
              s->pad_top == 0 && s->pad_left == 0 && s->in_h == s->out_h && s->in_w == s->out_w;
  return KITE_OK;
}

// The GEMM's packed weights from `w` (int8, or 16x16's int16): weight(c, t)
// is w's element at(c, t).
template <typename At>
kite_status PrepareGemmOf(PrepareContext& ctx, const int8::Ukernels* uk, const Tensor& w, int64_t channels, int64_t k,
                          At at, Conv16x8State* s) {
  if (w.dtype == KITE_INT16) {
    const int16_t* v = w.As<int16_t>();
    return PrepareGemm<int16_t>(ctx, uk, channels, k, [&](int64_t c, int64_t t) { return v[at(c, t)]; }, s);
  }
  const int8_t* v = w.As<int8_t>();
  return PrepareGemm<int8_t>(ctx, uk, channels, k, [&](int64_t c, int64_t t) { return v[at(c, t)]; }, s);
}

// bias32 where `terms` products (each at most s->max_product in magnitude)
// plus any bias value fit in int32: a constant bias, or none (zeros).
kite_status PrepareInt32Bias(PrepareContext& ctx, const Tensor* bias, int64_t terms, Conv16x8State* s) {
  if (bias != nullptr && !bias->is_constant) return KITE_OK;
  const int64_t room = int64_t{INT32_MAX} - terms * s->max_product;
  if (room < 0) return KITE_OK;
  const int64_t* b = bias != nullptr ? bias->As<int64_t>() : nullptr;
  for (int32_t c = 0; b != nullptr && c < s->out_c; ++c) {
    if (b[c] > room || b[c] < -room) return KITE_OK;
  }
  int32_t* b32 = ctx.AllocateArray<int32_t>(static_cast<size_t>(s->out_c));
  if (b32 == nullptr) return ctx.OutOfArena();
  for (int32_t c = 0; c < s->out_c; ++c) b32[c] = b != nullptr ? static_cast<int32_t>(b[c]) : 0;
  s->bias32 = b32;
  return KITE_OK;
}

void SetWeightBounds(const WeightBounds& b, Conv16x8State* s) {
  s->max_product = b.max_product;
  s->max_pairs = b.max_pairs;
}

// Whether Kite runs this op's int16 weights (16x16): constant, a SIMD 16x16
// GEMM for a one-group conv or FC (`taps_per_sum` 0) or, depthwise, int32
// sums of `taps_per_sum` products that cannot wrap; else the reference does.
bool RunsInt16Weights(PrepareContext& ctx, const Tensor& w, const WeightBounds& b, int64_t taps_per_sum) {
  if (!w.is_constant) return false;
  if (taps_per_sum > 0) return taps_per_sum * b.max_product <= INT32_MAX;
  return b.max_pairs >= 1 && ChooseGemm(ctx, true) != nullptr;
}

// One group's scratch: the SIMD GEMM's where there is one and the weights
// are constant; else the loops' output-channel sums and zero-padded patch.
kite_status AllocateDenseScratch(PrepareContext& ctx, const Tensor& w, const Tensor* bias, Conv16x8State* s) {
  const int8::Ukernels* uk = ChooseGemm(ctx, w.dtype == KITE_INT16);
  if (uk != nullptr && w.is_constant) {
    const int64_t k = int64_t{s->kernel_h} * s->kernel_w * s->in_c;
    KITE_RETURN_IF_ERROR(PrepareGemmOf(ctx, uk, w, s->out_c, k, [&](int64_t c, int64_t t) { return c * k + t; }, s));
    // The GEMM's sums are int32 up to s->max_pairs pairs, in pieces beyond.
    if (s->tile_sums != nullptr) return KITE_OK;
    return PrepareInt32Bias(ctx, bias, int64_t{s->kernel_h} * s->kernel_w * s->in_c, s);
  }
  const int64_t k = int64_t{s->kernel_h} * s->kernel_w * s->in_c;
  s->k_padded = static_cast<int32_t>((k + kPatchPad - 1) / kPatchPad * kPatchPad);
  s->sums = ctx.AllocateArray<int64_t>(static_cast<size_t>(s->out_c));
  s->patch = ctx.AllocateArray<int16_t>(static_cast<size_t>(s->k_padded));
  if (s->sums == nullptr || s->patch == nullptr) return ctx.OutOfArena();
  memset(s->patch, 0, static_cast<size_t>(s->k_padded) * sizeof(int16_t));
  return KITE_OK;
}

// The state of a conv or transposed conv: its geometry from the NHWC input
// and output, the [out][kh][kw][in] weights and the options (Conv2DOptions
// and ConvTranspose2DOptions name them alike), and the output transform.
template <typename Options>
kite_status AllocateWindowState(PrepareContext& ctx, const Options& o, const WeightBounds& bounds, Conv16x8State** state) {
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  Conv16x8State* s = ctx.AllocateState<Conv16x8State>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = Conv16x8State{};
  s->in_h = x.shape.dims[1];
  s->in_w = x.shape.dims[2];
  s->in_c = x.shape.dims[3];
  s->out_h = y.shape.dims[1];
  s->out_w = y.shape.dims[2];
  s->out_c = w.shape.dims[0];
  s->kernel_h = w.shape.dims[1];
  s->kernel_w = w.shape.dims[2];
  s->stride_h = o.stride_h();
  s->stride_w = o.stride_w();
  s->dilation_h = o.dilation_h();
  s->dilation_w = o.dilation_w();
  s->pad_top = o.pad_top();
  s->pad_left = o.pad_left();
  SetWeightBounds(bounds, s);
  *state = s;
  return PrepareOutputTransform(ctx, x, w, bias, y, s->out_c, o.activation_min(), o.activation_max(), &s->transform);
}

}  // namespace

kite_status PrepareConv2D16x8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::CheckConv2D(ctx));
  const auto* o = ctx.options<schema::Conv2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const int32_t in_c = x.shape.dims[3], out_c = w.shape.dims[0], kh = w.shape.dims[1], kw = w.shape.dims[2];
  const bool depthwise = o->groups() > 1 && o->groups() == in_c && out_c == in_c;
  const WeightBounds bounds = BoundsOf(w);
  if (w.dtype == KITE_INT16 && (x.dtype != KITE_INT16 || (o->groups() != 1 && !depthwise) ||
                                !RunsInt16Weights(ctx, w, bounds, depthwise ? int64_t{kh} * kw : 0))) {
    ctx.Decline(kInt16WeightsDecline);
    return reference::PrepareConv2D(ctx);
  }
  if (x.dtype != KITE_INT16 || (o->groups() != 1 && !depthwise) || (depthwise && !w.is_constant)) {
    ctx.Decline("16x8: a grouped conv that is not depthwise, or a depthwise one with variable weights");
    return reference::PrepareConv2D(ctx);
  }
  if (depthwise && int64_t{kh} * kw > kMaxInt32Terms) {
    ctx.Decline("16x8 depthwise: more than 511 taps");
    return reference::PrepareConv2D(ctx);
  }
  if (int64_t{kh} * kw * in_c > INT32_MAX - kPatchPad) {
    ctx.Decline("16x8: about 2^31 taps per output or more");
    return reference::PrepareConv2D(ctx);
  }
  Conv16x8State* s = nullptr;
  KITE_RETURN_IF_ERROR(AllocateWindowState(ctx, *o, bounds, &s));
  if (depthwise) {
    // [channel][tap] -> [tap][channel], so a tap's channels are contiguous.
    const int64_t taps = int64_t{kh} * kw;
    int16_t* t = ctx.AllocateArray<int16_t>(static_cast<size_t>(taps * in_c));
    if (t == nullptr) return ctx.OutOfArena();
    for (int32_t c = 0; c < in_c; ++c) {
      for (int64_t k = 0; k < taps; ++k) {
        const int64_t i = c * taps + k;
        t[k * in_c + c] = w.dtype == KITE_INT16 ? w.As<int16_t>()[i] : int16_t{w.As<int8_t>()[i]};
      }
    }
    s->depthwise_weights = t;
    KITE_RETURN_IF_ERROR(PrepareDepthwiseRuns(ctx, o->stride_w(), s));
    KITE_RETURN_IF_ERROR(PrepareInt32Bias(ctx, bias, taps, s));
  } else {
    KITE_RETURN_IF_ERROR(AllocateDenseScratch(ctx, w, bias, s));
  }
  Node& node = ctx.node();
  node.state = s;
  node.invoke = InvokeConv;
  const bool wide = w.dtype == KITE_INT16;
  node.kernel_name = depthwise          ? (wide ? "optimized/depthwise_conv2d_16x16" : "optimized/depthwise_conv2d_16x8")
                     : s->uk != nullptr ? (wide ? s->uk->gemm16x16_name : s->uk->gemm16x8_name)
                                        : "optimized/conv2d_16x8";
  return KITE_OK;
}

kite_status PrepareConvTranspose2D16x8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::CheckConvTranspose2D(ctx));
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const int32_t in_c = x.shape.dims[3], out_c = w.shape.dims[0], kh = w.shape.dims[1], kw = w.shape.dims[2];
  const Tensor& y = ctx.output(0);
  const bool wide = w.dtype == KITE_INT16;
  const WeightBounds bounds = BoundsOf(w);
  if (wide && (x.dtype != KITE_INT16 || o->groups() != 1 || !RunsInt16Weights(ctx, w, bounds, 0))) {
    ctx.Decline(kInt16WeightsDecline);
    return reference::PrepareConvTranspose2D(ctx);
  }
  const int8::Ukernels* uk = ChooseGemm(ctx, wide);
  const bool blocks = x.dtype == KITE_INT16 && o->groups() == 1 && uk != nullptr && w.is_constant &&
                      kh == o->stride_h() && kw == o->stride_w() && o->dilation_h() == 1 && o->dilation_w() == 1 &&
                      o->pad_top() == 0 && o->pad_left() == 0 && y.shape.dims[1] == x.shape.dims[1] * kh &&
                      y.shape.dims[2] == x.shape.dims[2] * kw && in_c <= 2 * int64_t{bounds.max_pairs} &&
                      int64_t{kh} * kw * out_c <= INT32_MAX;
  if (!blocks && (x.dtype != KITE_INT16 || o->groups() != 1 || (out_c < kMinTransposedChannels && !wide) ||
                  int64_t{kh} * kw * in_c > INT32_MAX - kPatchPad)) {
    ctx.Decline("16x8 transposed conv: one group and at least 8 output channels, or a kernel equal to its stride");
    return reference::PrepareConvTranspose2D(ctx);
  }
  Conv16x8State* s = nullptr;
  KITE_RETURN_IF_ERROR(AllocateWindowState(ctx, *o, bounds, &s));
  s->transposed = true;
  if (blocks) {
    // The GEMM's channel (ky, kx, c) is weight [c][ky][kx][t].
    const int64_t taps = int64_t{kh} * kw;
    const auto at = [&](int64_t v, int64_t t) { return ((v % out_c) * taps + v / out_c) * in_c + t; };
    KITE_RETURN_IF_ERROR(PrepareGemmOf(ctx, uk, w, taps * out_c, in_c, at, s));
    s->blocks = true;
    s->direct = in_c % 2 == 0;
    KITE_RETURN_IF_ERROR(PrepareInt32Bias(ctx, bias, in_c, s));
  } else {
    KITE_RETURN_IF_ERROR(AllocateDenseScratch(ctx, w, bias, s));
  }
  Node& node = ctx.node();
  node.state = s;
  node.invoke = InvokeConv;
  node.kernel_name = s->uk == nullptr ? "optimized/conv_transpose2d_16x8" : wide ? s->uk->gemm16x16_name : s->uk->gemm16x8_name;
  return KITE_OK;
}

kite_status PrepareFullyConnected16x8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::CheckFullyConnected(ctx));
  const auto* o = ctx.options<schema::FullyConnectedOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  if (x.dtype != KITE_INT16) return reference::PrepareFullyConnected(ctx);
  const bool wide = w.dtype == KITE_INT16;
  const WeightBounds bounds = BoundsOf(w);
  if (wide && !RunsInt16Weights(ctx, w, bounds, 0)) {
    ctx.Decline(kInt16WeightsDecline);
    return reference::PrepareFullyConnected(ctx);
  }
  const int32_t out_c = w.shape.dims[0], in_c = w.shape.dims[1];
  const int64_t rows = x.elements() / in_c;
  if (rows > INT32_MAX || in_c > INT32_MAX - kPatchPad) return reference::PrepareFullyConnected(ctx);
  Conv16x8State* s = ctx.AllocateState<Conv16x8State>();
  if (s == nullptr) return ctx.OutOfArena();
  // `rows` pixels of one input row each: a 1x1 conv's geometry (in_h: rows).
  *s = Conv16x8State{};
  s->in_h = s->out_h = static_cast<int32_t>(rows);
  s->in_w = s->out_w = 1;
  s->in_c = in_c;
  s->out_c = out_c;
  s->kernel_h = s->kernel_w = s->stride_h = s->stride_w = s->dilation_h = s->dilation_w = 1;
  SetWeightBounds(bounds, s);
  KITE_RETURN_IF_ERROR(PrepareOutputTransform(ctx, x, w, bias, y, out_c, o != nullptr ? o->activation_min() : -INFINITY,
                                              o != nullptr ? o->activation_max() : INFINITY, &s->transform));
  KITE_RETURN_IF_ERROR(AllocateDenseScratch(ctx, w, bias, s));
  Node& node = ctx.node();
  node.state = s;
  node.invoke = InvokeFullyConnected;
  node.kernel_name = s->uk == nullptr ? "optimized/fully_connected_16x8" : wide ? s->uk->gemm16x16_name : s->uk->gemm16x8_name;
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

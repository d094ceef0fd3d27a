// The engine's drivers: which rows a microkernel call computes and where its
// input rows are. No indirection buffer is kept: each call's row pointers are
// built on the stack from the output pixel (padded taps point at a row of the
// input zero point, whose products the packed bias already cancels). Work is
// split over output pixels (and rows, depthwise) on the interpreter's thread
// pool; every output byte is computed the same way whichever thread runs it.
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/quantization.h"
#include "kernels/conv_params.h"
#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "kernels/reference/reference_kernels.h"
#if KITE_WITH_XNNPACK
#include <pthreadpool.h>

#include "kernels/xnnpack/xnnpack_kernels.h"
#endif

namespace kite {
namespace int8 {
namespace {

constexpr int32_t kInput = 0;
constexpr int32_t kWeights = 1;
constexpr int32_t kPacked = 3;
// Row pointers live on the stack: taps x mr of them (the AMX kernel's 32
// pixels on x86; elsewhere 8, the widest variant's, for small stacks).
constexpr int32_t kMaxTaps = 128;
#if defined(__x86_64__)
constexpr size_t kMaxMr = 32;
#else
constexpr size_t kMaxMr = 8;
#endif

enum class Kind : uint8_t { kGemm, kIgemm, kIgemmRows, kDepthwise, kDeconv };

struct ConvState {
  const Ukernels* uk;
  const uint8_t* blocks;  // the packed buffer's first block
  size_t block_bytes;
  Requant rq;
  Kind kind;
  int32_t in_h, in_w, in_c, out_h, out_w, out_c;  // in_c: the bytes of one input pixel (FC: of one row)
  int32_t tap_bytes;  // the bytes each tap reads: in_c, or kernel_w x in_c (Kind::kIgemmRows)
  int32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int64_t rows;   // output pixels (GEMM M); depthwise: output rows (batch x height); deconv: input rows x kernel_h
  // Depthwise: the output columns [interior_lo, interior_hi) whose windows lie
  // inside the input's width (hi <= lo: none).
  int32_t interior_lo, interior_hi;
  int8_t* zero;   // in_c bytes of the input zero point
  void* threadpool;
  size_t tasks;   // pixel tiles, or depthwise rows
  void (*task)(void* job, size_t index);
};

struct Job {
  const ConvState* s;
  const int8_t* in;
  int8_t* out;
};

// The output pixel a tile starts at, by division once; the next ones step
// along the row.
struct PixelCursor {
  int64_t n;
  int32_t oy, ox;
  PixelCursor(const ConvState& s, int64_t p) {
    const int64_t plane = int64_t{s.out_h} * s.out_w;
    n = p / plane;
    oy = static_cast<int32_t>((p % plane) / s.out_w);
    ox = static_cast<int32_t>(p % s.out_w);
  }
  void Next(const ConvState& s) {
    if (++ox == s.out_w) {
      ox = 0;
      if (++oy == s.out_h) oy = 0, ++n;
    }
  }
};

// Kind::kIgemm: each tap of each pixel (a[t * mr_max + m]). A pixel whose
// window lies inside the image needs only its base; edge pixels check taps.
void WindowPointers(const ConvState& s, const int8_t* in, int64_t p0, size_t mr, size_t mr_max, const int8_t** a) {
  const size_t ks = static_cast<size_t>(s.kernel_h) * s.kernel_w;
  int64_t tap_offset[kMaxTaps];  // from the pixel's top-left input, bytes
  for (int32_t ky = 0, t = 0; ky < s.kernel_h; ++ky) {
    for (int32_t kx = 0; kx < s.kernel_w; ++kx, ++t) {
      tap_offset[t] = (int64_t{ky} * s.dilation_h * s.in_w + int64_t{kx} * s.dilation_w) * s.in_c;
    }
  }
  const int32_t span_h = (s.kernel_h - 1) * s.dilation_h, span_w = (s.kernel_w - 1) * s.dilation_w;
  PixelCursor at(s, p0);
  for (size_t m = 0; m < mr; ++m, at.Next(s)) {
    const int8_t* image = in + at.n * s.in_h * s.in_w * s.in_c;
    const int32_t iy0 = at.oy * s.stride_h - s.pad_top, ix0 = at.ox * s.stride_w - s.pad_left;
    if (iy0 >= 0 && iy0 + span_h < s.in_h && ix0 >= 0 && ix0 + span_w < s.in_w) {
      const int8_t* base = image + (int64_t{iy0} * s.in_w + ix0) * s.in_c;
      for (size_t t = 0; t < ks; ++t) a[t * mr_max + m] = base + tap_offset[t];
      continue;
    }
    for (int32_t ky = 0, t = 0; ky < s.kernel_h; ++ky) {
      const int32_t iy = iy0 + ky * s.dilation_h;
      for (int32_t kx = 0; kx < s.kernel_w; ++kx, ++t) {
        const int32_t ix = ix0 + kx * s.dilation_w;
        const bool inside = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
        a[t * mr_max + m] = inside ? image + (int64_t{iy} * s.in_w + ix) * s.in_c : s.zero;
      }
    }
  }
}

// Kind::kIgemmRows: one tap per kernel row, kernel_w x in_c contiguous bytes.
// A row cut by the left or right edge is copied into `patch` with the input
// zero point in its missing pixels; a row above or below the image is the
// zero row.
void KernelRowPointers(const ConvState& s, const int8_t* in, int64_t p0, size_t mr, size_t mr_max, const int8_t** a,
                       int8_t (*patch)[kMaxRowTapBytes]) {
  const int32_t c = s.in_c, kw = s.kernel_w;
  const int8_t zero_point = s.zero[0];
  PixelCursor at(s, p0);
  // The usual tile: in one output row, every pixel's rows whole. Each kernel
  // row's pointers then step by stride_w pixels.
  const int32_t ix_first = at.ox * s.stride_w - s.pad_left;
  const int32_t ix_last = (at.ox + static_cast<int32_t>(mr) - 1) * s.stride_w - s.pad_left;
  if (at.ox + static_cast<int32_t>(mr) <= s.out_w && ix_first >= 0 && ix_last + kw <= s.in_w) {
    const int8_t* image = in + at.n * s.in_h * s.in_w * c;
    const int64_t step = int64_t{s.stride_w} * c;
    const int32_t iy0 = at.oy * s.stride_h - s.pad_top;
    for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
      const int32_t iy = iy0 + ky * s.dilation_h;
      const int8_t** tap = &a[static_cast<size_t>(ky) * mr_max];
      if (iy < 0 || iy >= s.in_h) {
        for (size_t m = 0; m < mr; ++m) tap[m] = s.zero;
        continue;
      }
      const int8_t* row = image + (int64_t{iy} * s.in_w + ix_first) * c;
      for (size_t m = 0; m < mr; ++m) tap[m] = row + static_cast<int64_t>(m) * step;
    }
    return;
  }
  size_t patches = 0;
  for (size_t m = 0; m < mr; ++m, at.Next(s)) {
    const int8_t* image = in + at.n * s.in_h * s.in_w * c;
    const int32_t iy0 = at.oy * s.stride_h - s.pad_top, ix0 = at.ox * s.stride_w - s.pad_left;
    const bool whole = ix0 >= 0 && ix0 + kw <= s.in_w;
    for (int32_t ky = 0; ky < s.kernel_h; ++ky) {
      const int32_t iy = iy0 + ky * s.dilation_h;
      const int8_t** tap = &a[static_cast<size_t>(ky) * mr_max + m];
      if (iy < 0 || iy >= s.in_h) {
        *tap = s.zero;
      } else if (whole) {
        *tap = image + (int64_t{iy} * s.in_w + ix0) * c;
      } else {
        int8_t* row = patch[patches++];
        for (int32_t kx = 0; kx < kw; ++kx) {
          const int32_t ix = ix0 + kx;
          if (ix >= 0 && ix < s.in_w) {
            memcpy(row + kx * c, image + (int64_t{iy} * s.in_w + ix) * c, static_cast<size_t>(c));
          } else {
            memset(row + kx * c, zero_point, static_cast<size_t>(c));
          }
        }
        *tap = row;
      }
    }
  }
}

// Output pixels [tile * mr, ...) x all channels.
void GemmTile(const Job& job, size_t tile) {
  const ConvState& s = *job.s;
  const size_t mr_max = s.uk->igemm_mr;
  const int64_t p0 = static_cast<int64_t>(tile * mr_max);
  const size_t mr = static_cast<size_t>(s.rows - p0 < static_cast<int64_t>(mr_max) ? s.rows - p0 : mr_max);
  const int8_t* a[kMaxTaps * kMaxMr];
  int8_t patch[kMaxMr * kMaxRowTaps][kMaxRowTapBytes];  // Kind::kIgemmRows's edge rows
  size_t ks = 1;
  if (s.kind == Kind::kGemm) {
    for (size_t m = 0; m < mr; ++m) a[m] = job.in + (p0 + static_cast<int64_t>(m)) * s.in_c;
  } else if (s.kind == Kind::kIgemm) {
    ks = static_cast<size_t>(s.kernel_h) * s.kernel_w;
    WindowPointers(s, job.in, p0, mr, mr_max, a);
  } else {
    ks = static_cast<size_t>(s.kernel_h);
    KernelRowPointers(s, job.in, p0, mr, mr_max, a, patch);
  }
  for (size_t t = 0; t < ks; ++t) {
    for (size_t m = mr; m < mr_max; ++m) a[t * mr_max + m] = a[t * mr_max];  // rows past the tile repeat row 0
  }
  s.uk->igemm(mr, static_cast<size_t>(s.out_c), static_cast<size_t>(s.tap_bytes), ks, a, s.blocks, s.block_bytes,
              job.out + p0 * s.out_c, static_cast<size_t>(s.out_c), s.rq);
}

// One depthwise output pixel at the left or right edge: its taps listed one
// by one, a tap in the padding on the zero row.
void DepthwiseEdgePixel(const ConvState& s, const int8_t* image, const int32_t* iy, int32_t ox, int8_t* out) {
  static constexpr size_t kNoSteps[kMaxTaps] = {};
  const int8_t* taps[kMaxTaps];
  for (int32_t ky = 0, t = 0; ky < s.kernel_h; ++ky) {
    for (int32_t kx = 0; kx < s.kernel_w; ++kx, ++t) {
      const int32_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
      const bool inside = iy[ky] >= 0 && iy[ky] < s.in_h && ix >= 0 && ix < s.in_w;
      taps[t] = inside ? image + (int64_t{iy[ky]} * s.in_w + ix) * s.in_c : s.zero;
    }
  }
  const size_t count = static_cast<size_t>(s.kernel_h) * s.kernel_w;
  s.uk->dwconv(1, static_cast<size_t>(s.out_c), DwconvTaps{taps, kNoSteps, kNoSteps, count, 1}, s.blocks,
               s.block_bytes, out + int64_t{ox} * s.out_c, s.rq);
}

// One output row (batch index x output y) of a depthwise convolution. The
// columns whose taps all lie inside the input's width, [interior_lo,
// interior_hi), are one run for the microkernel: a pointer and two steps per
// kernel row (a row in the padding reads the zero row with steps 0). Only the
// columns at the left and right edges list their taps one by one.
void DepthwiseRow(const Job& job, size_t row) {
  const ConvState& s = *job.s;
  const int64_t n = static_cast<int64_t>(row) / s.out_h;
  const int32_t oy = static_cast<int32_t>(static_cast<int64_t>(row) % s.out_h);
  const int8_t* image = job.in + n * s.in_h * s.in_w * s.in_c;
  const size_t channels = static_cast<size_t>(s.out_c);
  const size_t kh = static_cast<size_t>(s.kernel_h), kw = static_cast<size_t>(s.kernel_w);
  int32_t iy[kMaxTaps];
  for (size_t ky = 0; ky < kh; ++ky) iy[ky] = oy * s.stride_h - s.pad_top + static_cast<int32_t>(ky) * s.dilation_h;
  int8_t* out = job.out + static_cast<int64_t>(row) * s.out_w * s.out_c;
  const int32_t lo = s.interior_lo, hi = s.interior_hi;
  for (int32_t ox = 0; ox < lo; ++ox) DepthwiseEdgePixel(s, image, iy, ox, out);
  if (hi > lo) {
    const int8_t* rows[kMaxTaps];
    size_t pixel_step[kMaxTaps], tap_step[kMaxTaps];
    for (size_t ky = 0; ky < kh; ++ky) {
      const bool inside = iy[ky] >= 0 && iy[ky] < s.in_h;
      rows[ky] = inside ? image + (int64_t{iy[ky]} * s.in_w + int64_t{lo} * s.stride_w - s.pad_left) * s.in_c : s.zero;
      pixel_step[ky] = inside ? static_cast<size_t>(s.stride_w) * channels : 0;
      tap_step[ky] = inside ? static_cast<size_t>(s.dilation_w) * channels : 0;
    }
    s.uk->dwconv(static_cast<size_t>(hi - lo), channels, DwconvTaps{rows, pixel_step, tap_step, kh, kw}, s.blocks,
                 s.block_bytes, out + int64_t{lo} * s.out_c, s.rq);
  }
  for (int32_t ox = hi > lo ? hi : lo; ox < s.out_w; ++ox) DepthwiseEdgePixel(s, image, iy, ox, out);
}

// Deconvolution (kernel = stride, no padding): output row iy * kernel_h + ky
// of image n is input row iy times kernel row ky's kernel_w x out_c channels;
// input pixel ix's products land at output pixels ix * kernel_w + kx, i.e.
// contiguously at a pixel stride of kernel_w x out_c bytes.
void DeconvRow(const Job& job, size_t row) {
  const ConvState& s = *job.s;
  const int64_t ky = static_cast<int64_t>(row) % s.kernel_h;
  const int64_t input_row = static_cast<int64_t>(row) / s.kernel_h;  // n * in_h + iy
  const size_t mr_max = s.uk->igemm_mr;
  const size_t nc = static_cast<size_t>(s.kernel_w) * static_cast<size_t>(s.out_c);
  const uint8_t* w = s.blocks + static_cast<size_t>(ky) * DeconvRowBlocks(s.out_c, s.kernel_w) * s.block_bytes;
  const int8_t* in = job.in + input_row * s.in_w * s.in_c;
  // Output row (n * out_h + iy * kernel_h + ky) = input_row * kernel_h + ky.
  int8_t* out = job.out + (input_row * s.kernel_h + ky) * s.out_w * s.out_c;
  const int8_t* a[kMaxMr];
  for (int64_t ix0 = 0; ix0 < s.in_w; ix0 += static_cast<int64_t>(mr_max)) {
    const size_t mr = static_cast<size_t>(s.in_w - ix0 < static_cast<int64_t>(mr_max) ? s.in_w - ix0 : mr_max);
    for (size_t m = 0; m < mr_max; ++m) a[m] = in + (ix0 + static_cast<int64_t>(m < mr ? m : 0)) * s.in_c;
    s.uk->igemm(mr, nc, static_cast<size_t>(s.in_c), 1, a, w, s.block_bytes, out + ix0 * static_cast<int64_t>(nc), nc,
                s.rq);
  }
}

void GemmTask(void* job, size_t tile) { GemmTile(*static_cast<const Job*>(job), tile); }
void DeconvTask(void* job, size_t row) { DeconvRow(*static_cast<const Job*>(job), row); }
void DepthwiseTask(void* job, size_t row) { DepthwiseRow(*static_cast<const Job*>(job), row); }

void Invoke(const Node& node, const Tensor* tensors) {
  const ConvState& s = *static_cast<const ConvState*>(node.state);
  Job job{&s, node.input(tensors, kInput).As<const int8_t>(), node.output(tensors, 0).As<int8_t>()};
#if KITE_WITH_XNNPACK
  if (s.threadpool != nullptr) {
    pthreadpool_parallelize_1d(static_cast<pthreadpool_t>(s.threadpool), s.task, &job, s.tasks, 0);
    return;
  }
#endif
  for (size_t i = 0; i < s.tasks; ++i) s.task(&job, i);
}

// The packed scales must be the ones the tensors' quantization gives, bit
// for bit: the requantization stays the specification's.
// Deconvolution: every kernel row's copy of every channel's scale.
kite_status CheckPackedScales(PrepareContext& ctx, const Tensor& x, const Tensor& w, const Tensor& y,
                              const uint8_t* blocks, size_t block_bytes, const PackedExpectation& e) {
  const bool depthwise = e.layout == kPackedDepthwise;
  const int32_t block_channels = depthwise ? kDepthwiseBlockChannels : kBlockChannels;
  const bool deconv = e.layout == kPackedDeconv;
  const int64_t row_channels = deconv ? int64_t{e.kernel_w} * e.out_channels : e.out_channels;
  const int64_t rows = deconv ? e.kernel_h : 1;
  const uint64_t row_blocks = deconv ? DeconvRowBlocks(e.out_channels, e.kernel_w) : 0;
  for (int64_t k = 0; k < rows * row_channels; ++k) {
    const int64_t row = k / row_channels, j_row = k % row_channels;
    const int32_t c = static_cast<int32_t>(j_row % e.out_channels);
    const uint8_t* block =
        blocks + (static_cast<size_t>(row) * row_blocks + static_cast<size_t>(j_row / block_channels)) * block_bytes;
    const size_t j = static_cast<size_t>(j_row % block_channels);
    const float* scale = depthwise ? &DepthwiseBlockScales(block)[DepthwiseLane(j)] : &GemmBlockScales(block)[j];
    const float expected = RequantizationScale(x, w, y, c);
    if (memcmp(scale, &expected, sizeof(float)) != 0) {
      return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                      "packed weights (input 3): the scale of channel %" PRId32 " differs from the tensors' quantization",
                      c);
    }
  }
  return KITE_OK;
}

// The variant for an op with packed weights and an int8 input: the one the
// interpreter named, or the best SIMD one; nullptr: decline, and say why.
const Ukernels* ChooseUkernels(PrepareContext& ctx) {
  if (ctx.input(kInput).dtype != KITE_INT8) return nullptr;  // float: not the engine's
  if (ctx.kernels() == KernelSet::kPortable && ctx.int8_ukernels() == nullptr) {
    ctx.Decline("int8 engine: portable kernels requested (no SIMD)");
    return nullptr;
  }
  if (!ctx.node().has_input(kPacked)) {
    ctx.Decline("int8 engine: the file has no packed weights for this op (converted with --no-pack)");
    return nullptr;
  }
  const Ukernels* uk = ctx.int8_ukernels() != nullptr ? ctx.int8_ukernels() : BestUkernels();
  if (ctx.int8_ukernels() == nullptr && !uk->simd) {
    ctx.Decline("int8 engine: no SIMD variant for this CPU");
    return nullptr;
  }
  return uk->igemm_mr <= kMaxMr ? uk : nullptr;
}

// The shapes every convolution kind's driver reads: input x, output y, the
// bytes each tap reads of one input pixel (in_c) and the kernel window.
void SetGeometry(ConvState* s, const Tensor& x, const Tensor& y, int32_t in_c, int32_t out_c, int32_t kh, int32_t kw) {
  s->in_h = x.shape.dims[1];
  s->in_w = x.shape.dims[2];
  s->in_c = in_c;
  s->out_h = y.shape.dims[1];
  s->out_w = y.shape.dims[2];
  s->out_c = out_c;
  s->kernel_h = kh;
  s->kernel_w = kw;
}

// What Conv2D, FullyConnected and ConvTranspose2D share once their own checks passed: the
// packed buffer's check, the state and the zero row.
kite_status Adopt(PrepareContext& ctx, const Ukernels* uk, ConvState* s, const PackedExpectation& e, float act_min,
                  float act_max) {
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor& packed = ctx.input(kPacked);
  const Tensor& y = ctx.output(0);
  const char* why = CheckPacked(packed.data, packed.bytes, e);
  if (why != nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "packed weights (input 3): %s", why);
  const bool depthwise = e.layout == kPackedDepthwise;
  const bool deconv = e.layout == kPackedDeconv;
  s->uk = uk;
  s->tap_bytes = e.tap_channels;
  s->blocks = packed.data + sizeof(PackedHeader);
  s->block_bytes = static_cast<size_t>(PackedBlockBytes(e.layout, e.kernel_h, e.kernel_w, e.tap_channels));
  KITE_RETURN_IF_ERROR(CheckPackedScales(ctx, x, w, y, s->blocks, s->block_bytes, e));
  const QuantizedRange range = QuantizedActivationRange(act_min, act_max, y.scale, y.zero_point);
  s->rq = Requant{static_cast<float>(range.min - y.zero_point), static_cast<float>(range.max - y.zero_point),
                  y.zero_point, range.min, range.max};
  s->threadpool = ctx.threadpool();
  s->tasks = depthwise || deconv ? static_cast<size_t>(s->rows)
                                 : static_cast<size_t>((s->rows + static_cast<int64_t>(uk->igemm_mr) - 1) /
                                                       static_cast<int64_t>(uk->igemm_mr));
  s->task = depthwise ? DepthwiseTask : deconv ? DeconvTask : GemmTask;
  const size_t zero_bytes = static_cast<size_t>(e.tap_channels);
  s->zero = ctx.AllocateArray<int8_t>(zero_bytes);
  if (s->zero == nullptr) return ctx.OutOfArena();
  memset(s->zero, x.zero_point, zero_bytes);
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = depthwise ? uk->dwconv_name : uk->igemm_name;
  return KITE_OK;
}

kite_status TryConv2D(PrepareContext& ctx, bool* taken) {
  *taken = false;
  // The checks come first: nothing of the node is read before them.
  KITE_RETURN_IF_ERROR(reference::CheckConv2D(ctx));
  const Ukernels* uk = ChooseUkernels(ctx);
  if (uk == nullptr) return KITE_OK;
  const auto* o = ctx.options<schema::Conv2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor& y = ctx.output(0);
  const int32_t in_c = x.shape.dims[3], out_c = w.shape.dims[0], kh = w.shape.dims[1], kw = w.shape.dims[2];
  const bool depthwise = o->groups() > 1;
  if (depthwise && !(o->groups() == in_c && out_c == in_c)) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "packed weights (input 3) for a grouped convolution that is not depthwise");
  }
  if (int64_t{kh} * kw > kMaxTaps) {  // XNNPACK or the reference takes it
    ctx.Decline("int8 engine: a kernel window of more than 128 taps");
    return KITE_OK;
  }
  ConvState* s = ctx.AllocateState<ConvState>();
  if (s == nullptr) return ctx.OutOfArena();
  SetGeometry(s, x, y, in_c, out_c, kh, kw);
  s->stride_h = o->stride_h();
  s->stride_w = o->stride_w();
  s->dilation_h = o->dilation_h();
  s->dilation_w = o->dilation_w();
  s->pad_top = o->pad_top();
  s->pad_left = o->pad_left();
  const bool pointwise = kh == 1 && kw == 1 && o->stride_h() == 1 && o->stride_w() == 1 && o->pad_top() == 0 &&
                         o->pad_left() == 0 && y.shape.dims[1] == x.shape.dims[1] && y.shape.dims[2] == x.shape.dims[2];
  // The file says whether a one-group conv is packed by kernel rows.
  const Tensor& packed = ctx.input(kPacked);
  const bool kernel_rows = !depthwise && PackedLayout(packed.data, packed.bytes) == kPackedGemmRows;
  if (kernel_rows && !UseKernelRows(kh, kw, in_c, o->dilation_w())) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "packed weights (input 3) in the kernel-row layout for a conv it does not serve (kernel %" PRId32
                    "x%" PRId32 ", %" PRId32 " input channels, dilation_w %" PRId32 ")",
                    kh, kw, in_c, o->dilation_w());
  }
  s->kind = depthwise ? Kind::kDepthwise : kernel_rows ? Kind::kIgemmRows : pointwise ? Kind::kGemm : Kind::kIgemm;
  s->rows = depthwise ? int64_t{x.shape.dims[0]} * s->out_h : int64_t{x.shape.dims[0]} * s->out_h * s->out_w;
  if (depthwise) {  // ox * stride_w - pad_left >= 0 and ... + (kw - 1) * dilation_w < in_w
    const int32_t first = (s->pad_left + s->stride_w - 1) / s->stride_w;
    const int32_t last = s->in_w - 1 - (kw - 1) * s->dilation_w + s->pad_left;
    s->interior_lo = first < s->out_w ? first : s->out_w;
    s->interior_hi = last < 0 ? 0 : last / s->stride_w + 1 < s->out_w ? last / s->stride_w + 1 : s->out_w;
  }
  const PackedExpectation e{depthwise ? kPackedDepthwise : kernel_rows ? kPackedGemmRows : kPackedGemm, out_c, kh, kw,
                            kernel_rows ? kw * in_c : in_c, x.zero_point};
  KITE_RETURN_IF_ERROR(Adopt(ctx, uk, s, e, o->activation_min(), o->activation_max()));
  *taken = true;
  return KITE_OK;
}

kite_status TryFullyConnected(PrepareContext& ctx, bool* taken) {
  *taken = false;
  // The checks come first: nothing of the node is read before them.
  KITE_RETURN_IF_ERROR(reference::CheckFullyConnected(ctx));
  const Ukernels* uk = ChooseUkernels(ctx);
  if (uk == nullptr) return KITE_OK;
  const auto* o = ctx.options<schema::FullyConnectedOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const int32_t out_c = w.shape.dims[0], in_c = w.shape.dims[1];
  ConvState* s = ctx.AllocateState<ConvState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->kind = Kind::kGemm;
  s->in_c = in_c;
  s->out_c = out_c;
  s->rows = x.elements() / in_c;
  const PackedExpectation e{kPackedGemm, out_c, 1, 1, in_c, x.zero_point};
  KITE_RETURN_IF_ERROR(Adopt(ctx, uk, s, e, o != nullptr ? o->activation_min() : -INFINITY,
                             o != nullptr ? o->activation_max() : INFINITY));
  *taken = true;
  return KITE_OK;
}

kite_status TryConvTranspose2D(PrepareContext& ctx, bool* taken) {
  *taken = false;
  // The checks come first: nothing of the node is read before them.
  KITE_RETURN_IF_ERROR(reference::CheckConvTranspose2D(ctx));
  const Ukernels* uk = ChooseUkernels(ctx);
  if (uk == nullptr) return KITE_OK;
  const auto* o = ctx.options<schema::ConvTranspose2DOptions>();
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor& y = ctx.output(0);
  const int32_t out_c = w.shape.dims[0], kh = w.shape.dims[1], kw = w.shape.dims[2], in_c = w.shape.dims[3];
  if (!DeconvTapsDisjoint(*o, kh, kw)) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID,
                    "packed weights (input 3) for a deconvolution whose taps overlap (kernel != stride or padding)");
  }
  ConvState* s = ctx.AllocateState<ConvState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->kind = Kind::kDeconv;
  SetGeometry(s, x, y, in_c, out_c, kh, kw);
  s->rows = int64_t{x.shape.dims[0]} * s->in_h * kh;
  const PackedExpectation e{kPackedDeconv, out_c, kh, kw, in_c, x.zero_point};
  KITE_RETURN_IF_ERROR(Adopt(ctx, uk, s, e, o->activation_min(), o->activation_max()));  // runs the GEMM ukernel
  *taken = true;
  return KITE_OK;
}

}  // namespace

kite_status PrepareConvTranspose2D(PrepareContext& ctx) {
  bool taken = false;
  KITE_RETURN_IF_ERROR(TryConvTranspose2D(ctx, &taken));
  if (taken) return KITE_OK;
#if KITE_WITH_XNNPACK
  if (ctx.kernels() == KernelSet::kOptimized) return xnnpack::PrepareConvTranspose2D(ctx);
#endif
  return reference::PrepareConvTranspose2D(ctx);
}

kite_status PrepareConv2D(PrepareContext& ctx) {
  bool taken = false;
  KITE_RETURN_IF_ERROR(TryConv2D(ctx, &taken));
  if (taken) return KITE_OK;
#if KITE_WITH_XNNPACK
  if (ctx.kernels() == KernelSet::kOptimized) return xnnpack::PrepareConv2D(ctx);
#endif
  return reference::PrepareConv2D(ctx);
}

kite_status PrepareFullyConnected(PrepareContext& ctx) {
  bool taken = false;
  KITE_RETURN_IF_ERROR(TryFullyConnected(ctx, &taken));
  if (taken) return KITE_OK;
#if KITE_WITH_XNNPACK
  if (ctx.kernels() == KernelSet::kOptimized) return xnnpack::PrepareFullyConnected(ctx);
#endif
  return reference::PrepareFullyConnected(ctx);
}

}  // namespace int8
}  // namespace kite

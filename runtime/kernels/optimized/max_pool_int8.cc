// int8 MaxPool2D, NHWC, on the reference prepare's checked window. Each
// output row starts at -128 (the reference's lowest value, also the answer
// for a window wholly in the padding) and takes the max of every tap inside
// the input; padded taps are skipped, as ONNX's -inf padding is. With a
// horizontal stride of 1 one tap covers a whole run of output pixels, whose
// input bytes are contiguous: one vector loop of pixels x channels, whatever
// the channel count (M-LSD pools a 1-channel map). The max of codes is exact:
// bit-identical with the reference. No scratch and no indirection buffer.
#include <string.h>

#include "core/error.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/pool_state.h"
#include "kernels/reference/reference_kernels.h"
#if KITE_WITH_XNNPACK
#include <pthreadpool.h>
#endif

namespace kite {
namespace optimized {
namespace {

struct MaxPoolInt8State {
  const reference::PoolState* window;
  void* threadpool;  // pthreadpool_t or null
  int32_t batch, in_h, in_w, channels, out_h, out_w;
};

struct Job {
  const MaxPoolInt8State* s;
  const int8_t* in;
  int8_t* out;
};

KITE_VECTOR_CLONES void MaxInto(int8_t* __restrict dst, const int8_t* __restrict src, int64_t count) {
  for (int64_t i = 0; i < count; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

// Chunks of N bytes, as one vector: local copies so the compiler's
// straight-line vectorizer sees whole vectors.
template <int N>
inline void MaxChunk(int8_t* dst, const int8_t* src) {
  int8_t a[N], b[N];
  memcpy(a, dst, N);
  memcpy(b, src, N);
  for (int k = 0; k < N; ++k) a[k] = b[k] > a[k] ? b[k] : a[k];
  memcpy(dst, a, N);
}

// `pixels` output pixels of `c` channels whose tap is `step` bytes apart in
// the input (a horizontal stride over 1): one call per row and tap. The
// channels go in chunks of 16 and 8, since a loop of unknown length shorter
// than the widest vector would run scalar.
KITE_VECTOR_CLONES void MaxIntoStrided(int8_t* __restrict dst, const int8_t* __restrict src, int64_t pixels, int64_t c,
                                       int64_t step) {
  for (int64_t p = 0; p < pixels; ++p, dst += c, src += step) {
    int64_t i = 0;
    for (; i + 16 <= c; i += 16) MaxChunk<16>(dst + i, src + i);
    if (i + 8 <= c) {
      MaxChunk<8>(dst + i, src + i);
      i += 8;
    }
    for (; i < c; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
  }
}

// The first and last output column whose tap at input offset `offset`
// (ix = ox * stride + offset) lies inside [0, in_w); first > last when none.
void TapColumns(int32_t offset, int32_t stride, int32_t in_w, int32_t out_w, int32_t* first, int32_t* last) {
  int32_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int32_t hi = (in_w - 1 - offset) >= 0 ? (in_w - 1 - offset) / stride : -1;
  *first = lo;
  *last = hi < out_w - 1 ? hi : out_w - 1;
}

// Output row `row` (batch index x output y).
void PoolRow(const Job& job, size_t row) {
  const MaxPoolInt8State& s = *job.s;
  const reference::PoolState& w = *s.window;
  const int32_t n = static_cast<int32_t>(static_cast<int64_t>(row) / s.out_h);
  const int32_t oy = static_cast<int32_t>(static_cast<int64_t>(row) % s.out_h);
  const int64_t c = s.channels;
  int8_t* out = job.out + static_cast<int64_t>(row) * s.out_w * c;
  memset(out, -128, static_cast<size_t>(s.out_w * c));
  for (int32_t ky = 0; ky < w.kernel_h; ++ky) {
    const int32_t iy = oy * w.stride_h - w.pad_top + ky * w.dilation_h;
    if (iy < 0 || iy >= s.in_h) continue;
    const int8_t* in_row = job.in + (static_cast<int64_t>(n) * s.in_h + iy) * s.in_w * c;
    for (int32_t kx = 0; kx < w.kernel_w; ++kx) {
      const int32_t offset = kx * w.dilation_w - w.pad_left;
      int32_t first, last;
      TapColumns(offset, w.stride_w, s.in_w, s.out_w, &first, &last);
      if (first > last) continue;
      if (w.stride_w == 1) {
        MaxInto(out + first * c, in_row + (first + offset) * c, (last - first + 1) * c);
      } else {
        MaxIntoStrided(out + first * c, in_row + (static_cast<int64_t>(first) * w.stride_w + offset) * c,
                       last - first + 1, c, int64_t{w.stride_w} * c);
      }
    }
  }
}

void PoolTask(void* job, size_t row) { PoolRow(*static_cast<const Job*>(job), row); }

void Invoke(const Node& node, const Tensor* tensors) {
  const MaxPoolInt8State& s = *static_cast<const MaxPoolInt8State*>(node.state);
  Job job{&s, node.input(tensors, 0).As<const int8_t>(), node.output(tensors, 0).As<int8_t>()};
  const size_t rows = static_cast<size_t>(s.batch) * static_cast<size_t>(s.out_h);
#if KITE_WITH_XNNPACK
  if (s.threadpool != nullptr) {
    pthreadpool_parallelize_1d(static_cast<pthreadpool_t>(s.threadpool), PoolTask, &job, rows, 0);
    return;
  }
#endif
  for (size_t r = 0; r < rows; ++r) PoolRow(job, r);
}

}  // namespace

kite_status PrepareMaxPoolInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PreparePool2D(ctx));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (ctx.node().op->opcode() != schema::OpCode_MAX_POOL_2D || x.dtype != KITE_INT8) {
    ctx.Decline("Kite's pooling kernel: int8 MaxPool only");
    return KITE_OK;
  }
  MaxPoolInt8State* s = ctx.AllocateState<MaxPoolInt8State>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = MaxPoolInt8State{static_cast<const reference::PoolState*>(ctx.node().state), ctx.threadpool(),
                        x.shape.dims[0], x.shape.dims[1], x.shape.dims[2], x.shape.dims[3],
                        y.shape.dims[1], y.shape.dims[2]};
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "optimized/max_pool2d_int8";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

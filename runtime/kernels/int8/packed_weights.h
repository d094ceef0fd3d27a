// The packed int8 weight layouts Kite's int8 engine reads in place from the
// model bytes. The converter writes them (converter/writer/pack_weights.cc);
// prepare checks them (CheckPackedConv); the microkernels read them. The
// layouts are the same on every architecture: one file runs everywhere.
//
// A packed buffer is a 64-byte header followed by blocks of output channels
// (16 for GEMM, 32 for depthwise); a block's bytes start 64-byte aligned. In
// the file it is a constant int32 tensor of shape [bytes / 4], input 3 of its op.
//
// GEMM layout (kPackedGemm: Conv2D with one group, FullyConnected), per block:
//   int32 bias_s8[16]  bias - x_zp * sum(w[c])            (s8 x s8 kernels)
//   int32 bias_u8[16]  bias - (x_zp + 128) * sum(w[c])    (u8 x s8 with x + 128: the VNNI
//                      kernels on short taps; on longer ones they feed w + 128
//                      and take 128 * sum(x) off bias_s8 per pixel)
//   float scale[16]    x_scale * w_scale[c] / y_scale, in float (the reference's)
//   int8  w[taps][k4][16][4]   k4 = ceil(channels per tap / 4); missing bytes and
//                              channels past out_channels are 0
// Depthwise layout (kPackedDepthwise: groups == in == out channels), per block
// of 32 channels, each column in "lane order": the 16 even channels (0, 2, ...,
// 30), then the 16 odd ones:
//   int32 bias_s8[32], float scale[32]   in lane order
//   int16 w[taps][2][16][2]  per tap, the even channels' int32 lanes (w, 0), then
//                            the odd channels' (0, w)
// so one int16 pair product (vpmaddwd, vpdpwssd) of the input's 32 channels,
// widened to int16, against each half gives the even and the odd channels'
// products: one widening per tap and 32 channels, no interleaving of taps.
// Deconvolution layout (kPackedDeconv: ConvTranspose2D with kernel = stride,
// no padding, one group, so taps never overlap): per kernel row ky, the GEMM
// layout of kernel_w x out_channels channels (channel kx * out_channels + oc,
// one tap of tap_channels = input channels), each row's blocks starting a new
// block: output row iy * kernel_h + ky is one GEMM of input row iy against
// row ky's channels, written with a pixel stride of kernel_w x out_channels.
// Kernel-row layout (kPackedGemmRows: Conv2D with one group, few input
// channels, dilation_w 1 -- first layers): the GEMM layout with one tap per
// kernel row of tap_channels = kernel_w x input channels, which lie next to
// each other in an NHWC row: a 5x5 conv of 3 channels reads 5 taps of 15
// bytes (4 groups of 4) instead of 25 taps of 3 (25 groups).
// The corrected biases wrap modulo 2^32, as the accumulators do: adding them
// gives the reference's (x - x_zp) * w + bias exactly.
#ifndef KITE_RUNTIME_KERNELS_INT8_PACKED_WEIGHTS_H_
#define KITE_RUNTIME_KERNELS_INT8_PACKED_WEIGHTS_H_

#include <stddef.h>
#include <stdint.h>

namespace kite {
namespace int8 {

constexpr uint32_t kPackedMagic = 0x3157504Bu;  // "KPW1", little-endian
constexpr uint32_t kPackedGemm = 1;
constexpr uint32_t kPackedDepthwise = 2;
constexpr uint32_t kPackedDeconv = 3;
constexpr uint32_t kPackedGemmRows = 4;
constexpr int32_t kMaxRowTapBytes = 32;          // kernel-row layout: kernel_w x input channels at most
constexpr int32_t kMaxRowTaps = 16;              // and kernel_h
constexpr int32_t kBlockChannels = 16;           // GEMM
constexpr int32_t kDepthwiseBlockChannels = 32;
constexpr size_t kPackedAlignment = 64;
constexpr size_t kGemmBlockHeaderBytes = 3 * 64;
constexpr size_t kDepthwiseBlockHeaderBytes = 4 * 64;
constexpr size_t kDepthwiseTapBytes = kDepthwiseBlockChannels * 2 * sizeof(int16_t);

struct PackedHeader {
  uint32_t magic;
  uint32_t layout;
  int32_t out_channels;
  int32_t kernel_h;
  int32_t kernel_w;
  int32_t tap_channels;      // input channels each tap reads (GEMM) or channels (depthwise)
  int32_t input_zero_point;  // the one the biases were corrected for
  int32_t reserved;
  uint64_t block_bytes;
  uint64_t blocks;
  uint8_t padding[16];
};
static_assert(sizeof(PackedHeader) == 64, "the header keeps blocks 64-byte aligned");

inline int64_t RoundUp(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

inline uint64_t GemmBlockBytes(int32_t taps, int32_t tap_channels) {
  return kGemmBlockHeaderBytes + static_cast<uint64_t>(taps) * static_cast<uint64_t>(RoundUp(tap_channels, 4)) * kBlockChannels;
}

inline uint64_t DepthwiseBlockBytes(int32_t taps) {
  return kDepthwiseBlockHeaderBytes + static_cast<uint64_t>(taps) * kDepthwiseTapBytes;
}

// Deconvolution: the blocks of one kernel row.
inline uint64_t DeconvRowBlocks(int32_t out_channels, int32_t kernel_w) {
  return static_cast<uint64_t>((int64_t{kernel_w} * out_channels + kBlockChannels - 1) / kBlockChannels);
}

inline uint64_t PackedBlocks(uint32_t layout, int32_t out_channels, int32_t kernel_h, int32_t kernel_w) {
  if (layout == kPackedDeconv) return static_cast<uint64_t>(kernel_h) * DeconvRowBlocks(out_channels, kernel_w);
  const int32_t n = layout == kPackedDepthwise ? kDepthwiseBlockChannels : kBlockChannels;
  return static_cast<uint64_t>((out_channels + n - 1) / n);
}

inline uint64_t PackedBlockBytes(uint32_t layout, int32_t kernel_h, int32_t kernel_w, int32_t tap_channels) {
  if (layout == kPackedDepthwise) return DepthwiseBlockBytes(kernel_h * kernel_w);
  const int32_t taps = layout == kPackedDeconv ? 1 : layout == kPackedGemmRows ? kernel_h : kernel_h * kernel_w;
  return GemmBlockBytes(taps, tap_channels);
}

// Whether the converter packs a convolution in the kernel-row layout: its
// taps' few channels make most 4-byte groups partial, and a kernel row is
// short enough for the driver's on-stack copy of the rows at the image's
// left and right edges.
inline bool UseKernelRows(int32_t kernel_h, int32_t kernel_w, int32_t in_channels, int32_t dilation_w) {
  return kernel_w > 1 && dilation_w == 1 && in_channels < 8 && int64_t{kernel_w} * in_channels <= kMaxRowTapBytes &&
         kernel_h <= kMaxRowTaps;
}

// Where channel j (0..31) of a depthwise block sits in its columns.
inline size_t DepthwiseLane(size_t j) { return (j % 2) * 16 + j / 2; }

// The header's layout (0 when `bytes` is shorter than a header).
uint32_t PackedLayout(const uint8_t* data, size_t bytes);

// Views into one block.
inline const int32_t* BlockBiasS8(const uint8_t* block) { return reinterpret_cast<const int32_t*>(block); }
inline const int32_t* GemmBlockBiasU8(const uint8_t* block) { return reinterpret_cast<const int32_t*>(block + 64); }
inline const float* GemmBlockScales(const uint8_t* block) { return reinterpret_cast<const float*>(block + 128); }
inline const int8_t* GemmBlockWeights(const uint8_t* block) { return reinterpret_cast<const int8_t*>(block + kGemmBlockHeaderBytes); }
inline const float* DepthwiseBlockScales(const uint8_t* block) { return reinterpret_cast<const float*>(block + 128); }
inline const int16_t* DepthwiseBlockWeights(const uint8_t* block) {
  return reinterpret_cast<const int16_t*>(block + kDepthwiseBlockHeaderBytes);
}
// The int16 weight of channel j (0..31) at `tap`, in DepthwiseBlockWeights().
inline size_t DepthwiseWeightIndex(size_t tap, size_t j) {
  return tap * kDepthwiseBlockChannels * 2 + DepthwiseLane(j) * 2 + j % 2;
}

// What a packed buffer must describe to serve an op.
struct PackedExpectation {
  uint32_t layout;
  int32_t out_channels;
  int32_t kernel_h;
  int32_t kernel_w;
  int32_t tap_channels;
  int32_t input_zero_point;
};

// Null when `data` (`bytes` long) is a well-formed packed buffer for `e`:
// aligned to kPackedAlignment, the header's fields equal `e`, and the size is
// exactly the header plus the blocks these shapes need. Otherwise a reason.
const char* CheckPacked(const uint8_t* data, size_t bytes, const PackedExpectation& e);

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_PACKED_WEIGHTS_H_

// AMX variant (Intel Advanced Matrix Extensions; compiled with the AVX512-VNNI
// variant's flags and -mamx-tile -mamx-int8; picked only when CPUID reports
// AMX-INT8 besides AVX512-VNNI and Linux granted this process the tiles).
//
// IGEMM 16x64c4: 16 output pixels by up to four 16-channel blocks. Each tile
// is 16 rows of 64 bytes: tmm0-3 hold the four blocks' int32 accumulators
// (16 pixels x 16 channels), tmm4 the pixels' next 64 input bytes of a tap,
// tmm5-7 a block's weights for them: 16 groups of 4 input bytes x 16
// channels, which is the packed GEMM layout itself (64 bytes per group, one
// tap's groups contiguous), so the weights load in place. tdpbssd multiplies
// signed by signed bytes: no +128 on either side and bias_s8 as it is.
// A tap whose 16 rows lie at one stride (1x1 convs; a KxK conv's pixels
// inside one output row) loads straight from the input; other taps, and a
// tap's last kc % 64 bytes, are first gathered into a zero-filled tile on
// the stack. The accumulators go through memory to the AVX-512 epilogue.
// Taps shorter than kAmxMinTapBytes go to the AVX512-VNNI kernel, 8 pixels
// at a time: their every tile would be a gathered partial one.
// The depthwise kernel is the AVX512-VNNI variant's (no AMX form for it).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#include <string.h>

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "kernels/int8/ukernels_avx512_store.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 16;          // tile rows
constexpr size_t kTileBytes = 64;   // bytes per tile row: 16 groups of 4
constexpr size_t kMaxBlocks = 4;    // accumulator tiles
constexpr size_t kVnniMr = 8;       // the AVX512-VNNI kernel's pixels per call
constexpr size_t kAmxMinTapBytes = 64;

// The tile palette's configuration (Intel SDM, LDTILECFG): every tile used
// is 16 rows of 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

void ConfigureTiles() {
  TileConfig config;
  memset(&config, 0, sizeof(config));
  config.palette = 1;
  for (int t = 0; t < 8; ++t) {
    config.colsb[t] = kTileBytes;
    config.rows[t] = kMr;
  }
  _tile_loadconfig(&config);
}

// Tile numbers are immediates: block b accumulates in tmm<b> against the
// weights in tmm5, 6, 7, 5 (block 3 reuses block 0's weight tile).
inline void DotBlock(size_t b, const int8_t* weights) {
  switch (b) {
    case 0: _tile_loadd(5, weights, kTileBytes); _tile_dpbssd(0, 4, 5); break;
    case 1: _tile_loadd(6, weights, kTileBytes); _tile_dpbssd(1, 4, 6); break;
    case 2: _tile_loadd(7, weights, kTileBytes); _tile_dpbssd(2, 4, 7); break;
    default: _tile_loadd(5, weights, kTileBytes); _tile_dpbssd(3, 4, 5); break;
  }
}

inline void StoreAccumulators(size_t b, int32_t* out) {
  switch (b) {
    case 0: _tile_stored(0, out, kMr * sizeof(int32_t)); break;
    case 1: _tile_stored(1, out, kMr * sizeof(int32_t)); break;
    case 2: _tile_stored(2, out, kMr * sizeof(int32_t)); break;
    default: _tile_stored(3, out, kMr * sizeof(int32_t)); break;
  }
}

// The stride at which a tap's 16 rows lie, or 0 when they do not (rows past
// mr repeat row 0, so a short tile never does unless all rows are one).
inline bool OneStride(const int8_t* const* rows, ptrdiff_t* stride) {
  const ptrdiff_t step = rows[1] - rows[0];
  for (size_t m = 2; m < kMr; ++m) {
    if (rows[m] - rows[0] != static_cast<ptrdiff_t>(m) * step) return false;
  }
  *stride = step;
  return true;
}

// Bytes [k, k + n) of each of the 16 rows into `tile` (n <= 64), zeros after them.
inline void Gather(const int8_t* const* rows, size_t k, size_t n, int8_t* tile) {
  const __mmask64 mask = n == kTileBytes ? ~__mmask64{0} : _cvtu64_mask64((uint64_t{1} << n) - 1);
  for (size_t m = 0; m < kMr; ++m) {
    _mm512_store_si512(tile + m * kTileBytes, _mm512_maskz_loadu_epi8(mask, rows[m] + k));
  }
}

// Up to four blocks (`blocks`, nc <= 64 of their channels) for 16 pixels.
void IgemmBlocks(size_t mr, size_t nc, size_t blocks, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                 size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  alignas(64) int8_t gathered[kMr * kTileBytes];
  alignas(64) int8_t tail_weights[kMr * kTileBytes];
  const size_t full = kc / kTileBytes * kTileBytes, rest = kc - full;
  const size_t tap_bytes = static_cast<size_t>(RoundUp(static_cast<int64_t>(kc), 4)) * kBlockChannels;
  if (rest != 0) memset(tail_weights, 0, sizeof(tail_weights));  // groups past the tail multiply zeros
  for (size_t b = 0; b < blocks; ++b) {
    switch (b) {
      case 0: _tile_zero(0); break;
      case 1: _tile_zero(1); break;
      case 2: _tile_zero(2); break;
      default: _tile_zero(3); break;
    }
  }
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* rows = a + t * kMr;
    ptrdiff_t stride = 0;
    const bool direct = OneStride(rows, &stride);
    for (size_t k = 0; k < full; k += kTileBytes) {
      if (direct) {
        _tile_loadd(4, rows[0] + k, stride);
      } else {
        Gather(rows, k, kTileBytes, gathered);
        _tile_loadd(4, gathered, kTileBytes);
      }
      for (size_t b = 0; b < blocks; ++b) {
        DotBlock(b, GemmBlockWeights(w + b * block_bytes) + t * tap_bytes + k / 4 * kBlockChannels * 4);
      }
    }
    if (rest != 0) {
      Gather(rows, full, rest, gathered);
      _tile_loadd(4, gathered, kTileBytes);
      const size_t groups = (rest + 3) / 4;
      for (size_t b = 0; b < blocks; ++b) {
        // Copied: the block's last tap may end the packed buffer.
        memcpy(tail_weights, GemmBlockWeights(w + b * block_bytes) + t * tap_bytes + full * kBlockChannels,
               groups * kTileBytes);
        DotBlock(b, tail_weights);
      }
    }
  }
  alignas(64) int32_t acc[kMr * kMr];
  for (size_t b = 0; b < blocks; ++b) {
    StoreAccumulators(b, acc);
    const uint8_t* block = w + b * block_bytes;
    const __m512i bias = _mm512_load_si512(BlockBiasS8(block));
    const __m512 scale = _mm512_load_ps(GemmBlockScales(block));
    const size_t n = nc - b * kBlockChannels < kBlockChannels ? nc - b * kBlockChannels : kBlockChannels;
    for (size_t m = 0; m < mr; ++m) {
      Store16(_mm512_add_epi32(_mm512_load_si512(acc + m * kMr), bias), scale, rq, c + m * c_stride + b * kBlockChannels,
              n);
    }
  }
}

// Short taps: the AVX512-VNNI kernel on pixels 0-7 and 8-15, each with its
// own tap-major row pointers.
void IgemmVnni(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
               size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  const int8_t* half[128 * kVnniMr];  // ks <= 128 (the driver's kMaxTaps)
  for (size_t m0 = 0; m0 < mr; m0 += kVnniMr) {
    const size_t rows = mr - m0 < kVnniMr ? mr - m0 : kVnniMr;
    for (size_t t = 0; t < ks; ++t) {
      for (size_t m = 0; m < kVnniMr; ++m) half[t * kVnniMr + m] = a[t * kMr + m0 + (m < rows ? m : 0)];
    }
    kAvx512VnniUkernels.igemm(rows, nc, kc, ks, half, w, block_bytes, c + m0 * c_stride, c_stride, rq);
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  if (kc < kAmxMinTapBytes || ks > 128) {
    IgemmVnni(mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
    return;
  }
  ConfigureTiles();
  for (size_t n = 0; n < nc; n += kMaxBlocks * kBlockChannels) {
    const size_t left = nc - n < kMaxBlocks * kBlockChannels ? nc - n : kMaxBlocks * kBlockChannels;
    const size_t blocks = (left + kBlockChannels - 1) / kBlockChannels;
    IgemmBlocks(mr, left, blocks, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    w += kMaxBlocks * block_bytes;
  }
  _tile_release();  // the tiles back to their initial state: the OS need not save them
}

void Dwconv(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes, int8_t* c,
            const Requant& rq) {
  kAvx512VnniUkernels.dwconv(pixels, channels, taps, w, block_bytes, c, rq);
}

}  // namespace

const Ukernels kAvx512AmxUkernels = {
    "avx512amx", "int8/qc8-igemm-16x64c4-avx512amx", "int8/qc8-dwconv-4x32-avx512vnni", Igemm, kMr, Dwconv, true,
};

}  // namespace int8
}  // namespace kite

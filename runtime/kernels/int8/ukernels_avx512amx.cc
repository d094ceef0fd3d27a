// AMX variant (Intel Advanced Matrix Extensions; compiled with the AVX512-VNNI
// variant's flags and -mamx-tile -mamx-int8; picked only when CPUID reports
// AMX-INT8 besides AVX512-VNNI and Linux granted this process the tiles).
//
// IGEMM 32x32c4: two tiles of 16 output pixels by two 16-channel blocks.
// Each tile is 16 rows of 64 bytes: tmm0-3 hold the four int32 accumulators
// (16 pixels x 16 channels each), tmm4 and tmm5 the two pixel tiles' next 64
// input bytes of a tap, tmm6 and tmm7 the two blocks' weights for them: 16
// groups of 4 input bytes x 16 channels, which is the packed GEMM layout
// itself (64 bytes per group, one tap's groups contiguous), so the weights
// load in place. tdpbssd multiplies signed by signed bytes: no +128 on
// either side and bias_s8 as it is.
// A tap whose 16 rows lie at one stride (1x1 convs; a KxK conv's pixels
// inside one output row) loads straight from the input; other taps, and a
// tap's last kc % 64 bytes, are first gathered into a zero-filled tile on
// the stack. The accumulators go through memory to the AVX-512 epilogue.
// Taps shorter than kAmxMinTapBytes go to the AVX512-VNNI kernel, 8 pixels
// at a time: their every tile would be a gathered partial one.
// The depthwise kernel is the AVX512-VNNI variant's (no AMX form for it).
#include "kernels/int8/ukernels_avx512_intrinsics.h"
#include <string.h>

#include "kernels/int8/packed_weights.h"
#include "kernels/int8/ukernels.h"
#include "kernels/int8/ukernels_avx512_store.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 32;          // two tiles of 16 pixels
constexpr size_t kTileRows = 16;
constexpr size_t kTileBytes = 64;   // bytes per tile row: 16 groups of 4
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
    config.rows[t] = kTileRows;
  }
  _tile_loadconfig(&config);
}

// The stride at which a tile's 16 rows lie, when they do (rows past mr
// repeat row 0, so a short tile does not unless all its rows are one).
inline bool OneStride(const int8_t* const* rows, ptrdiff_t* stride) {
  const ptrdiff_t step = rows[1] - rows[0];
  for (size_t m = 2; m < kTileRows; ++m) {
    if (rows[m] - rows[0] != static_cast<ptrdiff_t>(m) * step) return false;
  }
  *stride = step;
  return true;
}

// Bytes [k, k + n) of each of the 16 rows into `tile` (n <= 64), zeros after them.
inline void Gather(const int8_t* const* rows, size_t k, size_t n, int8_t* tile) {
  const __mmask64 mask = n == kTileBytes ? ~__mmask64{0} : _cvtu64_mask64((uint64_t{1} << n) - 1);
  for (size_t m = 0; m < kTileRows; ++m) {
    _mm512_store_si512(tile + m * kTileBytes, _mm512_maskz_loadu_epi8(mask, rows[m] + k));
  }
}

// Where one 16-pixel tile's bytes come from for a tap: its rows' own
// memory at one stride, or a gathered copy.
struct TileSource {
  const int8_t* const* rows;
  ptrdiff_t stride;
  bool direct;
  alignas(64) int8_t gathered[kTileRows * kTileBytes];

  void Start(const int8_t* const* tap_rows) {
    rows = tap_rows;
    direct = OneStride(rows, &stride);
  }
  // Bytes [k, k + n) of the rows: where tileloadd reads them, at stride().
  const int8_t* Bytes(size_t k, size_t n) {
    if (direct && n == kTileBytes) return rows[0] + k;
    Gather(rows, k, n, gathered);
    return gathered;
  }
  ptrdiff_t Stride(size_t n) const { return direct && n == kTileBytes ? stride : kTileBytes; }
};

// Tile numbers are immediates. Pixels 0-15 are tmm4 and 16-31 tmm5; the
// group's two blocks' weights tmm6 and tmm7; block b of pixel tile h
// accumulates in tmm<2h + b>. Each tile read by two tdpbssd and each
// accumulator written every fourth one, so loads overlap the products.
template <size_t kHalves, size_t kBlocks>
void IgemmGroup(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
                size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  TileSource x0, x1;
  alignas(64) int8_t tail_weights[2][kTileRows * kTileBytes];
  const size_t full = kc / kTileBytes * kTileBytes, rest = kc - full;
  const size_t tap_bytes = static_cast<size_t>(RoundUp(static_cast<int64_t>(kc), 4)) * kBlockChannels;
  if (rest != 0) memset(tail_weights, 0, sizeof(tail_weights));  // groups past the tail multiply zeros
  _tile_zero(0);
  if (kBlocks == 2) _tile_zero(1);
  if (kHalves == 2) _tile_zero(2);
  if (kHalves == 2 && kBlocks == 2) _tile_zero(3);
  const int8_t* w0 = GemmBlockWeights(w);
  const int8_t* w1 = GemmBlockWeights(w + block_bytes);
  for (size_t t = 0; t < ks; ++t) {
    x0.Start(a + t * kMr);
    if (kHalves == 2) x1.Start(a + t * kMr + kTileRows);
    for (size_t k = 0; k < kc; k += kTileBytes) {
      const size_t n = kc - k < kTileBytes ? kc - k : kTileBytes;
      const int8_t* b0 = w0 + t * tap_bytes + k * kBlockChannels;
      const int8_t* b1 = w1 + t * tap_bytes + k * kBlockChannels;
      if (n < kTileBytes) {  // copied: a block's last tap may end the packed buffer
        const size_t groups = (n + 3) / 4;
        memcpy(tail_weights[0], b0, groups * kTileBytes);
        b0 = tail_weights[0];
        if (kBlocks == 2) {
          memcpy(tail_weights[1], b1, groups * kTileBytes);
          b1 = tail_weights[1];
        }
      }
      _tile_loadd(4, x0.Bytes(k, n), x0.Stride(n));
      _tile_loadd(6, b0, kTileBytes);
      _tile_dpbssd(0, 4, 6);
      if (kHalves == 2) {
        _tile_loadd(5, x1.Bytes(k, n), x1.Stride(n));
        _tile_dpbssd(2, 5, 6);
      }
      if (kBlocks == 2) {
        _tile_loadd(7, b1, kTileBytes);
        _tile_dpbssd(1, 4, 7);
        if (kHalves == 2) _tile_dpbssd(3, 5, 7);
      }
    }
  }
  alignas(64) int32_t acc[4][kTileRows * kBlockChannels];
  constexpr size_t kAccStride = kBlockChannels * sizeof(int32_t);
  _tile_stored(0, acc[0], kAccStride);
  if (kBlocks == 2) _tile_stored(1, acc[1], kAccStride);
  if (kHalves == 2) _tile_stored(2, acc[2], kAccStride);
  if (kHalves == 2 && kBlocks == 2) _tile_stored(3, acc[3], kAccStride);
  for (size_t b = 0; b < kBlocks; ++b) {
    const uint8_t* block = w + b * block_bytes;
    const __m512i bias = _mm512_load_si512(BlockBiasS8(block));
    const __m512 scale = _mm512_load_ps(GemmBlockScales(block));
    const size_t n = nc - b * kBlockChannels < kBlockChannels ? nc - b * kBlockChannels : kBlockChannels;
    for (size_t m = 0; m < mr; ++m) {
      const int32_t* sums = acc[2 * (m / kTileRows) + b] + (m % kTileRows) * kBlockChannels;
      Store16(_mm512_add_epi32(_mm512_load_si512(sums), bias), scale, rq, c + m * c_stride + b * kBlockChannels, n);
    }
  }
}

// Short taps: the AVX512-VNNI kernel on each 8 of the up to 32 pixels, each
// group with its own tap-major row pointers.
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
  const bool two = mr > kTileRows;
  for (size_t n = 0; n < nc; n += 2 * kBlockChannels, w += 2 * block_bytes) {
    const size_t left = nc - n < 2 * kBlockChannels ? nc - n : 2 * kBlockChannels;
    if (left > kBlockChannels) {
      (two ? IgemmGroup<2, 2> : IgemmGroup<1, 2>)(mr, left, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    } else {
      (two ? IgemmGroup<2, 1> : IgemmGroup<1, 1>)(mr, left, kc, ks, a, w, block_bytes, c + n, c_stride, rq);
    }
  }
  _tile_release();  // the tiles back to their initial state: the OS need not save them
}

void Dwconv(size_t pixels, size_t channels, const DwconvTaps& taps, const uint8_t* w, size_t block_bytes, int8_t* c,
            const Requant& rq) {
  kAvx512VnniUkernels.dwconv(pixels, channels, taps, w, block_bytes, c, rq);
}

}  // namespace

const Ukernels kAvx512AmxUkernels = {
    "avx512amx", "int8/qc8-igemm-32x32c4-avx512amx", "int8/qc8-dwconv-4x32-avx512vnni", Igemm, kMr, Dwconv, true,
    "int8/qs16x8-gemm-8x32c2-avx512vnni", Gemm16x8Avx512Vnni, kGemm16x8Avx512Mr,
    "int8/qs16x16-gemm-8x32c2-avx512vnni", Gemm16x16Avx512Vnni,
};

}  // namespace int8
}  // namespace kite

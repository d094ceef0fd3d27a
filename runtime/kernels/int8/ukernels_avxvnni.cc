// AVX-VNNI variant (256-bit vpdpbusd without AVX-512; compiled with -mavx2
// -mavxvnni). IGEMM 4x16c4: 4 output pixels by one 16-channel block (two
// ymm per pixel); x is fed as x + 128 against the s8 weights and bias_u8
// removes 128 * sum(w), as in the AVX512-VNNI variant.
#include "kernels/int8/ukernels_avx2_common.h"

namespace kite {
namespace int8 {
namespace {

constexpr size_t kMr = 4;

void IgemmBlock(size_t mr, size_t n, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w, int8_t* c,
                size_t c_stride, const Requant& rq) {
  __m256i acc[kMr][2];
  for (size_t m = 0; m < kMr; ++m) acc[m][0] = acc[m][1] = _mm256_setzero_si256();
  const __m256i sign = _mm256_set1_epi8(static_cast<char>(0x80));
  const int8_t* wp = GemmBlockWeights(w);
  const size_t full = kc / 4, rest = kc % 4;
  for (size_t t = 0; t < ks; ++t) {
    const int8_t* const* at = a + t * kMr;
    for (size_t k = 0; k < full + (rest != 0 ? 1 : 0); ++k, wp += 64) {
      const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wp));
      const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wp + 32));
      for (size_t m = 0; m < kMr; ++m) {
        const int32_t bytes = k < full ? Load32(at[m] + 4 * k) : LoadPartial32(at[m] + 4 * k, rest);
        const __m256i x = _mm256_xor_si256(_mm256_set1_epi32(bytes), sign);
        acc[m][0] = _mm256_dpbusd_avx_epi32(acc[m][0], x, w0);
        acc[m][1] = _mm256_dpbusd_avx_epi32(acc[m][1], x, w1);
      }
    }
  }
  const __m256i bias_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(GemmBlockBiasU8(w)));
  const __m256i bias_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(GemmBlockBiasU8(w) + 8));
  for (size_t m = 0; m < mr; ++m) {
    avx2::Store16(_mm256_add_epi32(acc[m][0], bias_lo), _mm256_add_epi32(acc[m][1], bias_hi), GemmBlockScales(w), rq,
                  c + m * c_stride, n);
  }
}

void Igemm(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t* const* a, const uint8_t* w,
           size_t block_bytes, int8_t* c, size_t c_stride, const Requant& rq) {
  avx2::IgemmBlocks(IgemmBlock, mr, nc, kc, ks, a, w, block_bytes, c, c_stride, rq);
}

}  // namespace

const Ukernels kAvxVnniUkernels = {
    "avxvnni", "int8/qc8-igemm-4x16c4-avxvnni", "int8/qc8-dwconv-4x16-avxvnni", Igemm, kMr, avx2::Dwconv<true>, true,
};

}  // namespace int8
}  // namespace kite

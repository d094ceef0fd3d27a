// AVX512-VBMI table lookup (compiled with -mavx512f -mavx512bw -mavx512vbmi;
// picked only when CPUID reports VBMI). vpermi2b looks 64 bytes up in a
// 128-byte table by the index's low 7 bits; two of them cover the table's
// halves and the index's top bit picks between them.
#include <immintrin.h>

#include "kernels/int8/lut.h"

namespace kite {
namespace int8 {
namespace {

inline __m512i Lookup(__m512i v, __m512i t0, __m512i t1, __m512i t2, __m512i t3) {
  const __m512i low = _mm512_permutex2var_epi8(t0, v, t1);   // table[0..127]
  const __m512i high = _mm512_permutex2var_epi8(t2, v, t3);  // table[128..255]
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high);
}

void Avx512VbmiLut(size_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  for (; n >= 128; n -= 128, x += 128, y += 128) {
    const __m512i v0 = _mm512_loadu_si512(x), v1 = _mm512_loadu_si512(x + 64);
    _mm512_storeu_si512(y, Lookup(v0, t0, t1, t2, t3));
    _mm512_storeu_si512(y + 64, Lookup(v1, t0, t1, t2, t3));
  }
  if (n >= 64) {
    _mm512_storeu_si512(y, Lookup(_mm512_loadu_si512(x), t0, t1, t2, t3));
    n -= 64, x += 64, y += 64;
  }
  if (n > 0) {
    const __mmask64 mask = (__mmask64{1} << n) - 1;
    _mm512_mask_storeu_epi8(y, mask, Lookup(_mm512_maskz_loadu_epi8(mask, x), t0, t1, t2, t3));
  }
}

}  // namespace

const Lut kAvx512VbmiLut = {"int8/lut-avx512vbmi", Avx512VbmiLut, true};

}  // namespace int8
}  // namespace kite

// AVX2 table lookup (compiled with -mavx2). vpshufb looks up 16 entries by
// an index's low nibble and gives 0 where the index's top bit is set. Each
// half of the table (the index's bit 7 picks one, at the end) is eight
// 16-entry slices, slice k stored XORed with slice k - 1: stepping the 7-bit
// index down by 16 per slice, exactly the slices 0..j of an index in slice j
// see a top bit clear, and their XOR telescopes to slice j's entry.
#include <immintrin.h>

#include "kernels/int8/lut.h"

namespace kite {
namespace int8 {
namespace {

struct Slices {
  __m256i low[8], high[8];
};

inline __m256i Slice(const int8_t* table, int k) {
  const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k));
  if (k % 8 == 0) return _mm256_broadcastsi128_si256(s);
  const __m128i previous = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * (k - 1)));
  return _mm256_broadcastsi128_si256(_mm_xor_si128(s, previous));
}

inline __m256i Lookup(__m256i v, const Slices& t) {
  __m256i i = _mm256_and_si256(v, _mm256_set1_epi8(0x7F));
  __m256i low = _mm256_shuffle_epi8(t.low[0], i), high = _mm256_shuffle_epi8(t.high[0], i);
  const __m256i sixteen = _mm256_set1_epi8(16);
  for (int k = 1; k < 8; ++k) {
    i = _mm256_sub_epi8(i, sixteen);
    low = _mm256_xor_si256(low, _mm256_shuffle_epi8(t.low[k], i));
    high = _mm256_xor_si256(high, _mm256_shuffle_epi8(t.high[k], i));
  }
  return _mm256_blendv_epi8(low, high, v);  // by each byte's top bit
}

void Avx2Lut(size_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  Slices t;
  for (int k = 0; k < 8; ++k) {
    t.low[k] = Slice(table, k);
    t.high[k] = Slice(table, k + 8);
  }
  for (; n >= 32; n -= 32, x += 32, y += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), Lookup(v, t));
  }
  for (size_t i = 0; i < n; ++i) y[i] = table[static_cast<uint8_t>(x[i])];
}

}  // namespace

const Lut kAvx2Lut = {"int8/lut-avx2", Avx2Lut, true};

}  // namespace int8
}  // namespace kite

// The AVX-512 GEMM epilogue the AVX512-VNNI and AMX variants share: 16
// int32 accumulators of one block (bias included) requantized as the
// reference does (core/quantization.h). Only for files compiled with
// AVX512F and AVX512BW.
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_STORE_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_STORE_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {

// Requantizes 16 accumulators (bias included) to 16 int8 and stores `n` of them.
inline void Store16(__m512i acc, __m512 scale, const Requant& rq, int8_t* out, size_t n) {
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
  f = _mm512_max_ps(f, _mm512_set1_ps(rq.lo));  // NaN -> lo, as the reference
  f = _mm512_min_ps(f, _mm512_set1_ps(rq.hi));
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), _mm512_set1_epi32(rq.zero_point));
  const __m128i bytes = _mm512_cvtsepi32_epi8(q);
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  } else {
    _mm_mask_storeu_epi8(out, static_cast<__mmask16>((1u << n) - 1), bytes);
  }
}

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_STORE_H_

// <immintrin.h> for the AVX-512 variants. GCC 12 warns that the intrinsics'
// own undefined pass-through operands are uninitialized once they are
// inlined into unrolled loops (a false positive).
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_INTRINSICS_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_INTRINSICS_H_

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_AVX512_INTRINSICS_H_

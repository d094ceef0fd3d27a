// The x86 features the int8 engine's variants (and its table lookups) need, from CPUID and XGETBV
// (the OS must save the registers too). Written out rather than through
// __builtin_cpu_supports: clang 14 does not know "avxvnni".
#ifndef KITE_RUNTIME_KERNELS_INT8_CPU_FEATURES_H_
#define KITE_RUNTIME_KERNELS_INT8_CPU_FEATURES_H_

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdint.h>

namespace kite {
namespace int8 {

struct X86Features {
  bool avx2 = false;
  bool fma = false;
  bool avx_vnni = false;
  bool avx512 = false;  // F, BW and VL
  bool avx512_vnni = false;
  bool avx512_vbmi = false;  // byte permutes (vpermi2b)
  bool amx_int8 = false;     // AMX-TILE and AMX-INT8, with the OS saving the tile state
};

inline X86Features DetectX86Features() {
  X86Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
  if (!osxsave || !avx) return f;
  uint32_t xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool ymm_state = (xcr0_lo & 0x6) == 0x6, zmm_state = (xcr0_lo & 0xE6) == 0xE6;
  if (!ymm_state || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = (b >> 5) & 1;
  f.fma = fma;
  f.avx512 = zmm_state && ((b >> 16) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
  f.avx512_vnni = f.avx512 && ((c >> 11) & 1);
  f.avx512_vbmi = f.avx512 && ((c >> 1) & 1);
  // XCR0 bits 17 and 18: the tile configuration and the tile data.
  f.amx_int8 = f.avx512_vnni && ((d >> 24) & 1) && ((d >> 25) & 1) && (xcr0_lo & 0x60000) == 0x60000;
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx_vnni = f.avx2 && ((a >> 4) & 1);
  return f;
}

}  // namespace int8
}  // namespace kite

#endif  // defined(__x86_64__)
#endif  // KITE_RUNTIME_KERNELS_INT8_CPU_FEATURES_H_

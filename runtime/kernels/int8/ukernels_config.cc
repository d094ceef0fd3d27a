// Which variants this CPU runs, from CPUID (x86) or the kernel's hardware
// capabilities (aarch64 Linux: HWCAP_ASIMDDP for the dot product). The answer is a pure function of
// the CPU, read once per process (a constant after that: under a hypervisor
// each CPUID traps, and prepare asks once per convolution), and every caller
// in the process sees the same list.
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "kernels/int8/cpu_features.h"
#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {
size_t AvailableUkernels(const Ukernels* out[kMaxUkernels]) {
  size_t count = 0;
#if defined(__x86_64__)
  static const X86Features cpu = DetectX86Features();  // thread-safe initialization
  if (cpu.avx512_vnni) out[count++] = &kAvx512VnniUkernels;
  if (cpu.avx_vnni) out[count++] = &kAvxVnniUkernels;
  if (cpu.avx2) out[count++] = &kAvx2Ukernels;
#elif defined(__aarch64__)
#if defined(__linux__)
  static const bool dot = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;  // thread-safe initialization
  if (dot) out[count++] = &kNeonDotUkernels;
#endif
  out[count++] = &kNeonUkernels;  // every aarch64 core has NEON
#endif
  out[count++] = &kScalarUkernels;
  return count;
}

const Ukernels* BestUkernels() {
  const Ukernels* variants[kMaxUkernels];
  AvailableUkernels(variants);
  return variants[0];
}

const Ukernels* FindUkernels(const char* name) {
  const Ukernels* variants[kMaxUkernels];
  const size_t count = AvailableUkernels(variants);
  for (size_t i = 0; i < count; ++i) {
    if (strcmp(variants[i]->name, name) == 0) return variants[i];
  }
  return nullptr;
}

}  // namespace int8
}  // namespace kite

// Which variants this CPU runs, from CPUID (x86) or the kernel's hardware
// capabilities (aarch64 Linux: HWCAP_ASIMDDP for the dot product). AMX
// needs one more thing: Linux hands out the tile state only to a process
// that asks for it (arch_prctl ARCH_REQ_XCOMP_PERM, once; it holds for every
// thread), and a tile instruction without it is SIGILL. The answer is a pure function of
// the CPU, read once per process (a constant after that: under a hypervisor
// each CPUID traps, and prepare asks once per convolution), and every caller
// in the process sees the same list.
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#if defined(__x86_64__) && defined(__linux__)
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "kernels/int8/cpu_features.h"
#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {
namespace {

#if defined(__x86_64__)
// Whether this process may use the AMX tiles: asks Linux for them.
bool AmxGranted(const X86Features& cpu) {
#if defined(__linux__) && defined(ARCH_REQ_XCOMP_PERM)
  constexpr unsigned long kXfeatureTileData = 18;  // XFEATURE_XTILEDATA
  return cpu.amx_int8 && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, kXfeatureTileData) == 0;
#else
  (void)cpu;
  return false;
#endif
}
#endif

}  // namespace

size_t AvailableUkernels(const Ukernels* out[kMaxUkernels]) {
  size_t count = 0;
#if defined(__x86_64__)
  static const X86Features cpu = DetectX86Features();  // thread-safe initialization
  static const bool amx = AmxGranted(cpu);
  if (amx) out[count++] = &kAvx512AmxUkernels;
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

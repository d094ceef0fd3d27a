// Which variants this CPU runs, from CPUID (libgcc reads it once, at load).
// The answer is a pure function of the CPU: no state is kept, and every
// caller in the process sees the same list.
#include <string.h>

#include "kernels/int8/ukernels.h"

namespace kite {
namespace int8 {
size_t AvailableUkernels(const Ukernels* out[kMaxUkernels]) {
  size_t count = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512vnni")) {
    out[count++] = &kAvx512VnniUkernels;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni")) out[count++] = &kAvxVnniUkernels;
  if (__builtin_cpu_supports("avx2")) out[count++] = &kAvx2Ukernels;
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

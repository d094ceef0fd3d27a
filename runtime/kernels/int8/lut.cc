// The portable table lookup and the choice among the variants.
#include "kernels/int8/cpu_features.h"
#include "kernels/int8/lut.h"

namespace kite {
namespace int8 {
namespace {

void ScalarLut(size_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = table[static_cast<uint8_t>(x[i])];
}

}  // namespace

const Lut kScalarLut = {"int8/lut-scalar", ScalarLut, false};

size_t AvailableLuts(const Lut* out[kMaxLuts]) {
  size_t count = 0;
#if defined(__x86_64__)
  static const X86Features cpu = DetectX86Features();  // thread-safe initialization
  if (cpu.avx512_vbmi) out[count++] = &kAvx512VbmiLut;
  if (cpu.avx2) out[count++] = &kAvx2Lut;
#elif defined(__aarch64__)
  out[count++] = &kNeonLut;  // every aarch64 core has NEON
#endif
  out[count++] = &kScalarLut;
  return count;
}

const Lut* BestLut() {
  const Lut* variants[kMaxLuts];
  AvailableLuts(variants);
  return variants[0];
}

}  // namespace int8
}  // namespace kite

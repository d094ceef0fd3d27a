// 256-entry byte table lookup, y[i] = table[(uint8_t)x[i]]: how every int8
// element-wise function of one input runs (its table is built at prepare
// from the float function, the int8 specification of these ops). Variants
// per ISA, picked like the engine's microkernels: each returns exactly the
// table's bytes, so they differ only in speed.
#ifndef KITE_RUNTIME_KERNELS_INT8_LUT_H_
#define KITE_RUNTIME_KERNELS_INT8_LUT_H_

#include <stddef.h>
#include <stdint.h>

namespace kite {
namespace int8 {

using LutFn = void (*)(size_t n, const int8_t* x, const int8_t* table, int8_t* y);

struct Lut {
  const char* name;  // the kernel name, e.g. "int8/lut-avx512vbmi"
  LutFn fn;
  bool simd;         // false for the portable loop
};

// The variants this build contains and this CPU executes, best first; the
// portable loop is always last. A pure function of the CPU.
constexpr size_t kMaxLuts = 3;
size_t AvailableLuts(const Lut* out[kMaxLuts]);
const Lut* BestLut();

extern const Lut kScalarLut;
#if defined(__x86_64__)
extern const Lut kAvx512VbmiLut;
extern const Lut kAvx2Lut;
#elif defined(__aarch64__)
extern const Lut kNeonLut;
#endif

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_LUT_H_

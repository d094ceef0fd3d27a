// Running models through the public C API, and seeded random data.
#ifndef KITE_TESTS_SUPPORT_TEST_UTIL_H_
#define KITE_TESTS_SUPPORT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel.h"
#include "kite/kite.h"
#include "support/model_builder.h"

namespace kite {
namespace testing {

struct RunResult {
  kite_status status = KITE_OK;
  std::string error;
  size_t arena_bytes = 0;
  std::vector<std::vector<uint8_t>> outputs;
  std::vector<std::string> kernels;  // each op's kernel, e.g. "xnnpack/conv2d_qc8"
  std::vector<std::string> declined;  // why a faster kernel declined each op ("" if none did)
};

// The kernel set the helpers below create their interpreters with: a test
// binary's choice (kernel_set_main.cc: --kite_kernels), not the runtime's,
// which has no process-wide choice.
KernelSet TestKernelSet();
void SetTestKernelSet(KernelSet set);
// The C API's value for a kernel set.
inline kite_kernels KernelsOf(KernelSet set) {
  return set == KernelSet::kReference ? KITE_KERNELS_REFERENCE : KITE_KERNELS_OPTIMIZED;
}

// The helpers use `set` while this lives, then the previous choice again.
class ScopedKernelSet {
 public:
  explicit ScopedKernelSet(KernelSet set) : previous_(TestKernelSet()) { SetTestKernelSet(set); }
  ~ScopedKernelSet() { SetTestKernelSet(previous_); }

 private:
  KernelSet previous_;
};

// Both kernel sets, for suites that run every case on each, and its name.
inline std::vector<KernelSet> AllKernelSets() { return {KernelSet::kReference, KernelSet::kOptimized}; }
inline const char* KernelSetName(KernelSet s) { return s == KernelSet::kReference ? "Reference" : "Optimized"; }

template <typename T>
std::vector<uint8_t> AsBytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> FromBytes(const std::vector<uint8_t>& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

// Loads, sizes the arena exactly (kite_arena_size), prepares in a caller
// arena of that size, sets inputs, invokes and copies the outputs.
RunResult RunModel(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs);
// RunModel on `threads` threads with the int8 engine's variant `ukernels`
// (null: the interpreter's default choice).
RunResult RunModelWith(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs,
                       const int8::Ukernels* ukernels, int threads);

// A 16x8 one-group Conv2D or FullyConnected model's runs, each with the
// kernel it must report: under the reference set one run (`reference`);
// otherwise the interpreter's own choice and then each int8 engine variant
// this CPU executes, which runs its SIMD 16x8 GEMM or, where it has none,
// Kite's portable 16x8 loops (`portable`).
struct Int16x8Run {
  std::string variant;  // "default" or the int8 engine variant's name
  std::string expected_kernel;
  RunResult result;
};
std::vector<Int16x8Run> RunDense16x8(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs,
                                     const std::string& reference, const std::string& portable);
// The same runs for any op: `kernel_of(variant)` names the kernel each
// (and the default choice) must report.
std::vector<Int16x8Run> RunEveryInt8Variant(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs,
                                            const std::string& reference,
                                            const std::function<std::string(const int8::Ukernels*)>& kernel_of);

// The model run once on each kernel set, for
// tests that hold an optimized kernel to the reference bit for bit.
struct BothKernelSets {
  RunResult reference, optimized;
};
BothKernelSets RunOnBothKernelSets(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs);

// The seed of this test run (--gtest_random_seed, or 1 when it is 0), to pass
// to the generators; SCOPED_TRACE it so a failure names it.
uint32_t TestSeed();

// `file` prefixed with the running test's name: ctest runs tests in
// parallel, each in its own process, in one work folder.
inline std::string TestScopedName(const std::string& file) {
  return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" + file;
}
// For tests that must do the same every run (the mutation tests): `fixed`
// unless --gtest_random_seed=N names another.
uint32_t DeterministicSeed(uint32_t fixed);

class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}
  std::vector<float> Floats(size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(engine_);
    return v;
  }
  std::vector<int8_t> Int8s(size_t n, int lo = -128, int hi = 127) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<int8_t> v(n);
    for (int8_t& x : v) x = static_cast<int8_t>(d(engine_));
    return v;
  }
  std::vector<int32_t> Int32s(size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<int32_t> v(n);
    for (int32_t& x : v) x = d(engine_);
    return v;
  }
  float Uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(engine_); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(engine_); }

 private:
  std::mt19937 engine_;
};

// The quantization specification, restated independently of the runtime:
// clamp to the int8 range, round half to even, add the zero point.
int8_t SpecRoundToInt8(float value_over_scale, int32_t zero_point, int32_t qmin = -128,
                       int32_t qmax = 127);

// The 16x8 specification's rounding: clamp to [qmin, qmax], round half to
// even (zero point 0).
int16_t SpecRoundToInt16(float value_over_scale, int32_t qmin = -32768, int32_t qmax = 32767);

// Compares float outputs elementwise within abs + rel * |expected|.
void ExpectNearAll(const std::vector<float>& actual, const std::vector<double>& expected,
                   double abs_tolerance, double rel_tolerance = 0.0);
// Requires int8 outputs to be identical.
void ExpectEqualInt8(const std::vector<int8_t>& actual, const std::vector<int8_t>& expected);

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_TEST_UTIL_H_

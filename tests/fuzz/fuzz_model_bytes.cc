// Fuzz target (a): arbitrary bytes as a .kite model, through load (the
// verifier), arena sizing, prepare, invoke and reading the outputs. Every
// input must end in a status; the sanitizers turn any out-of-bounds access,
// overflow or leak into a crash.
#include <cstddef>
#include <cstdint>

#include "support/untrusted_model.h"

namespace {
// Bigger arenas are valid models, but not worth the fuzzer's time.
constexpr size_t kMaxArenaBytes = 64u << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kite::testing::RunUntrustedModel(data, size, kMaxArenaBytes, kite::testing::KernelsFor(size));
  return 0;
}

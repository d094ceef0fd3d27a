// Running a model file nobody vouches for: load, size the arena, prepare,
// set every input, invoke and read every output, stopping at the first
// status. Shared by the fuzz targets and the mutation test, which run it
// under AddressSanitizer and UndefinedBehaviorSanitizer: what matters there
// is that every path ends in a status, never in an out-of-bounds access.
#ifndef KITE_TESTS_SUPPORT_UNTRUSTED_MODEL_H_
#define KITE_TESTS_SUPPORT_UNTRUSTED_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "kite/kite.h"

namespace kite {
namespace testing {

enum class UntrustedStage {
  kLoad,       // kite_model_load rejected it
  kArenaSize,  // kite_arena_size rejected it
  kTooLarge,   // valid, but its arena is over the caller's limit: not run
  kCreate,
  kPrepare,
  kInvoke,  // a status from set_input / invoke / get_output after prepare
  kRan,
};
const char* UntrustedStageName(UntrustedStage stage);

struct UntrustedRunResult {
  UntrustedStage stage = UntrustedStage::kLoad;
  kite_status status = KITE_OK;
  std::string message;
};

// Copies the bytes into a buffer of exactly `size` bytes (so the sanitizers
// see a read past the end) aligned for the model, and runs them. Inputs are
// filled with a fixed pattern. Models whose arena exceeds `max_arena_bytes`
// are not run. The interpreter runs the `kernels` set.
UntrustedRunResult RunUntrustedModel(const uint8_t* data, size_t size, size_t max_arena_bytes, kite_kernels kernels);

// Whether kite_model_load accepts the bytes (copied to an aligned buffer).
bool LoadsAsModel(const uint8_t* data, size_t size);

// For fuzz targets: the kernel set chosen from the input itself, so a crash
// replays: the reference kernels for small inputs of odd size, the optimized
// set otherwise (real models take 10x longer on the reference kernels under
// the sanitizers; both sets' checks run in every prepare).
kite_kernels KernelsFor(size_t size);

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_UNTRUSTED_MODEL_H_

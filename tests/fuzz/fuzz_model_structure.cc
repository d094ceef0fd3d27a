// Fuzz target (b): structure-aware mutations of real converted models. The
// custom mutator edits single FlatBuffers fields (shapes, indices, offsets,
// quantization parameters, operator options, the plan) and rebuilds a
// well-formed FlatBuffer, so mutants get past the FlatBuffers verifier to
// Kite's own checks; now and then it damages raw bytes instead. Inputs that
// no longer verify are mutated by libFuzzer's byte-level mutator.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "support/model_mutator.h"
#include "support/untrusted_model.h"

namespace {
constexpr size_t kMaxArenaBytes = 64u << 20;
}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937 rng(seed);
  // Field edits start from models the runtime loads (the mutator reads them
  // with FlatBuffers' object API, which trusts what the loader checks).
  if (rng() % 8 != 0 && kite::testing::LoadsAsModel(data, size)) {
    const kite::testing::ModelMutator mutator(std::vector<uint8_t>(data, data + size));
    const uint32_t pick = rng() % 10;
    const kite::testing::MutationKind kind = pick < 7 ? kite::testing::MutationKind::kFieldEdit
                                             : pick < 9 ? kite::testing::MutationKind::kWordEdit
                                                        : kite::testing::MutationKind::kBitFlip;
    std::string what;
    const std::vector<uint8_t> mutant = mutator.Mutate(kind, rng, &what);
    if (mutant.size() <= max_size) {
      std::memcpy(data, mutant.data(), mutant.size());
      return mutant.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kite::testing::RunUntrustedModel(data, size, kMaxArenaBytes, kite::testing::KernelsFor(size));
  return 0;
}

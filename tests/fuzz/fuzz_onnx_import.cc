// Fuzz target (c): ONNX models through the converter (import, schema checks,
// shape inference, folding, fusion, lowering, memory planning,
// serialization), float32. Anything it rejects must be rejected with a
// message; a library exception that escapes (std::out_of_range, ...) is a
// missing check and a finding, like a sanitizer report. What it accepts, the
// runtime must load and prepare: the converter writes only models the
// runtime's checks pass.
//
// The custom mutator parses the model and edits one thing in it (an op type,
// a name, an attribute, a tensor's dims or data, a graph edge, the opset), so
// most executions reach the importer's checks and the passes behind them;
// one in eight, and every input that does not parse, gets libFuzzer's
// byte-level mutation instead.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <string>

#include "support/onnx_mutator.h"
#include "support/untrusted_onnx.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937 rng(seed);
  if (rng() % 8 != 0) {
    const kite::testing::OnnxEdit edit =
        kite::testing::kAllOnnxEdits[rng() % std::size(kite::testing::kAllOnnxEdits)];
    std::string mutant, what;
    if (kite::testing::MutateOnnxModel(std::string(reinterpret_cast<const char*>(data), size), edit, rng, &mutant,
                                       &what) &&
        mutant.size() <= max_size) {
      std::memcpy(data, mutant.data(), mutant.size());
      return mutant.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kite::testing::OnnxConversionResult r =
      kite::testing::ConvertUntrustedOnnx(std::string(reinterpret_cast<const char*>(data), size));
  if (kite::testing::IsFinding(r.outcome)) {
    std::fprintf(stderr, "%s: %s\n", kite::testing::OnnxOutcomeName(r.outcome), r.message.c_str());
    std::abort();
  }
  return 0;
}

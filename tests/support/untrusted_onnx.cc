#include "support/untrusted_onnx.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

#include "kite/kite.h"

namespace kite {
namespace testing {

const char* OnnxOutcomeName(OnnxOutcome outcome) {
  switch (outcome) {
    case OnnxOutcome::kConverted: return "converted";
    case OnnxOutcome::kRefused: return "refused";
    case OnnxOutcome::kEmptyMessage: return "refused without a message";
    case OnnxOutcome::kLibraryException: return "a library exception escaped";
    case OnnxOutcome::kRuntimeRejects: return "the runtime rejects what the converter wrote";
  }
  return "?";
}

OnnxConversionResult ConvertUntrustedOnnx(const std::string& bytes, const converter::ConvertOptions& options) {
  OnnxConversionResult result;
  std::vector<uint8_t> model;
  try {
    model = converter::ConvertOnnxBytes(bytes, options, nullptr);
  } catch (const std::runtime_error& e) {
    result.outcome = e.what()[0] == '\0' ? OnnxOutcome::kEmptyMessage : OnnxOutcome::kRefused;
    result.message = e.what();
    return result;
  } catch (const std::exception& e) {
    result.outcome = OnnxOutcome::kLibraryException;
    result.message = e.what();
    return result;
  }
  // Where a caller would load it from: KITE_MODEL_ALIGNMENT-aligned.
  void* aligned = nullptr;
  if (posix_memalign(&aligned, KITE_MODEL_ALIGNMENT, model.size()) != 0) std::abort();
  std::memcpy(aligned, model.data(), model.size());
  kite_model* loaded = nullptr;
  kite_error error;
  result.outcome = OnnxOutcome::kConverted;
  if (kite_model_load(aligned, model.size(), &loaded, &error) != KITE_OK) {
    result.outcome = OnnxOutcome::kRuntimeRejects;
    result.message = std::string("load: ") + error.message;
  } else {
    // Every operator's prepare checks (the reference kernels: their state is
    // small, so measuring allocates little).
    kite_options options = KITE_OPTIONS_DEFAULT;
    options.kernels = KITE_KERNELS_REFERENCE;
    size_t arena = 0;
    if (kite_arena_size_with_options(loaded, &options, &arena, &error) != KITE_OK) {
      result.outcome = OnnxOutcome::kRuntimeRejects;
      result.message = std::string("prepare: ") + error.message;
    }
  }
  kite_model_free(loaded);
  std::free(aligned);
  return result;
}

}  // namespace testing
}  // namespace kite

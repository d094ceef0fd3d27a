// Fuzz target (c): arbitrary bytes as an ONNX model through the converter
// (import, shape inference, folding, fusion, lowering, memory planning,
// serialization), float32. Anything it rejects must be rejected with a
// message (ConversionError or another std::runtime_error); a library
// exception that escapes (std::out_of_range, std::length_error, ...) is a
// missing check and a finding, like a sanitizer report. What it accepts,
// the runtime must load and prepare: the converter writes only models the
// runtime's checks pass.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "convert.h"
#include "kernels/kernel.h"
#include "kite/kite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kite::converter::ConvertOptions options;
  std::vector<uint8_t> model;
  try {
    model = kite::converter::ConvertOnnxBytes(std::string(reinterpret_cast<const char*>(data), size), options, nullptr);
  } catch (const std::runtime_error& e) {
    if (e.what()[0] == '\0') {
      std::fprintf(stderr, "conversion failed with an empty message\n");
      std::abort();
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conversion escaped with a library exception: %s\n", e.what());
    std::abort();
  }
  // Where a caller would load it from: KITE_MODEL_ALIGNMENT-aligned.
  void* aligned = nullptr;
  if (posix_memalign(&aligned, KITE_MODEL_ALIGNMENT, model.size()) != 0) std::abort();
  std::memcpy(aligned, model.data(), model.size());
  kite_model* loaded = nullptr;
  kite_error error;
  const kite_status status = kite_model_load(aligned, model.size(), &loaded, &error);
  if (status != KITE_OK) {
    std::fprintf(stderr, "the runtime rejects what the converter wrote: %s: %s\n", kite_status_string(status), error.message);
    std::abort();
  }
  // Every operator's prepare checks (the reference kernels: their state is
  // small, so measuring allocates little).
  kite_options runtime_options = KITE_OPTIONS_DEFAULT;
  runtime_options.kernels = KITE_KERNELS_REFERENCE;
  size_t arena = 0;
  if (kite_arena_size_with_options(loaded, &runtime_options, &arena, &error) != KITE_OK) {
    std::fprintf(stderr, "the runtime's prepare rejects what the converter wrote: %s\n", error.message);
    std::abort();
  }
  kite_model_free(loaded);
  std::free(aligned);
  return 0;
}

#include "support/untrusted_model.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/kernel.h"

namespace kite {
namespace testing {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

// posix_memalign, unlike aligned_alloc, takes any size: the allocation ends
// exactly at the last byte, where AddressSanitizer's red zone starts.
AlignedBuffer AllocateAligned(size_t alignment, size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, alignment, size == 0 ? 1 : size) != 0) return nullptr;
  return AlignedBuffer(static_cast<uint8_t*>(p));
}

struct ModelDeleter {
  void operator()(kite_model* m) const { kite_model_free(m); }
};
struct InterpreterDeleter {
  void operator()(kite_interpreter* i) const { kite_interpreter_free(i); }
};

UntrustedRunResult Stop(UntrustedStage stage, kite_status status, const char* message) {
  UntrustedRunResult r;
  r.stage = stage;
  r.status = status;
  r.message = message != nullptr ? message : "";
  return r;
}

}  // namespace

const char* UntrustedStageName(UntrustedStage stage) {
  switch (stage) {
    case UntrustedStage::kLoad: return "rejected at load";
    case UntrustedStage::kArenaSize: return "rejected at arena size";
    case UntrustedStage::kTooLarge: return "arena over the limit";
    case UntrustedStage::kCreate: return "rejected at create";
    case UntrustedStage::kPrepare: return "rejected at prepare";
    case UntrustedStage::kInvoke: return "failed after prepare";
    case UntrustedStage::kRan: return "ran";
  }
  return "?";
}

UntrustedRunResult RunUntrustedModel(const uint8_t* data, size_t size, size_t max_arena_bytes, kite_kernels kernels) {
  AlignedBuffer bytes = AllocateAligned(KITE_MODEL_ALIGNMENT, size);
  if (size != 0) std::memcpy(bytes.get(), data, size);
  kite_error error;
  kite_model* raw_model = nullptr;
  kite_status status = kite_model_load(bytes.get(), size, &raw_model, &error);
  if (status != KITE_OK) return Stop(UntrustedStage::kLoad, status, error.message);
  std::unique_ptr<kite_model, ModelDeleter> model(raw_model);

  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = kernels;
  size_t arena_bytes = 0;
  status = kite_arena_size_with_options(model.get(), &options, &arena_bytes, &error);
  if (status != KITE_OK) return Stop(UntrustedStage::kArenaSize, status, error.message);
  if (arena_bytes > max_arena_bytes) return Stop(UntrustedStage::kTooLarge, KITE_OK, "");

  // Declared before the interpreter, which lives inside it.
  AlignedBuffer arena = AllocateAligned(KITE_ARENA_ALIGNMENT, arena_bytes);
  kite_interpreter* raw_interpreter = nullptr;
  status = kite_interpreter_create_with_options(model.get(), &options, arena.get(), arena_bytes, &raw_interpreter, &error);
  if (status != KITE_OK) return Stop(UntrustedStage::kCreate, status, error.message);
  std::unique_ptr<kite_interpreter, InterpreterDeleter> interpreter(raw_interpreter);
  status = kite_interpreter_prepare(interpreter.get());
  if (status != KITE_OK) return Stop(UntrustedStage::kPrepare, status, kite_interpreter_error(interpreter.get()));

  std::vector<uint8_t> buffer;
  for (size_t i = 0; i < kite_interpreter_input_count(interpreter.get()); ++i) {
    kite_tensor_info info;
    status = kite_interpreter_input_info(interpreter.get(), i, &info);
    if (status != KITE_OK) return Stop(UntrustedStage::kInvoke, status, kite_interpreter_error(interpreter.get()));
    // Small values in every dtype: 0x3e3e3e3e is 0.186 as float32.
    buffer.assign(info.bytes, 0x3e);
    status = kite_interpreter_set_input(interpreter.get(), i, buffer.data(), buffer.size());
    if (status != KITE_OK) return Stop(UntrustedStage::kInvoke, status, kite_interpreter_error(interpreter.get()));
  }
  status = kite_interpreter_invoke(interpreter.get());
  if (status != KITE_OK) return Stop(UntrustedStage::kInvoke, status, kite_interpreter_error(interpreter.get()));
  for (size_t i = 0; i < kite_interpreter_output_count(interpreter.get()); ++i) {
    kite_tensor_info info;
    status = kite_interpreter_output_info(interpreter.get(), i, &info);
    if (status == KITE_OK) {
      buffer.resize(info.bytes);
      status = kite_interpreter_get_output(interpreter.get(), i, buffer.data(), buffer.size());
    }
    if (status != KITE_OK) return Stop(UntrustedStage::kInvoke, status, kite_interpreter_error(interpreter.get()));
  }
  return Stop(UntrustedStage::kRan, KITE_OK, "");
}

bool LoadsAsModel(const uint8_t* data, size_t size) {
  AlignedBuffer bytes = AllocateAligned(KITE_MODEL_ALIGNMENT, size);
  if (size != 0) std::memcpy(bytes.get(), data, size);
  kite_model* model = nullptr;
  if (kite_model_load(bytes.get(), size, &model, nullptr) != KITE_OK) return false;
  kite_model_free(model);
  return true;
}

kite_kernels KernelsFor(size_t size) {
  return size % 2 == 1 && size < (64u << 10) ? KITE_KERNELS_REFERENCE : KITE_KERNELS_OPTIMIZED;
}

}  // namespace testing
}  // namespace kite

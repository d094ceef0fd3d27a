// The C API: thin handles over kite::Model and kite::Interpreter.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include "core/error.h"
#include "executor/c_api_internal.h"

#if KITE_WITH_XNNPACK
#include <pthreadpool.h>
#endif
#include "kite/kite.h"

namespace {

char* MessageOf(kite_error* error) { return error != nullptr ? error->message : nullptr; }
size_t MessageSizeOf(kite_error* error) { return error != nullptr ? sizeof(error->message) : 0; }

void ClearError(kite_error* error) {
  if (error != nullptr) error->message[0] = '\0';
}

kite_status FillInfo(const kite::Tensor& t, const char* name, kite_tensor_info* info) {
  info->name = name;
  info->dtype = t.dtype;
  info->rank = t.shape.rank;
  for (int32_t i = 0; i < KITE_MAX_RANK; ++i) info->dims[i] = i < t.shape.rank ? t.shape.dims[i] : 0;
  info->bytes = t.bytes;
  info->scale = t.scale;
  info->zero_point = t.zero_point;
  return KITE_OK;
}

}  // namespace

extern "C" {

kite_status kite_model_load(const void* data, size_t size, kite_model** model,
                            kite_error* error) {
  ClearError(error);
  if (model == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "model output pointer is NULL");
  }
  *model = nullptr;
  // malloc + placement new: the runtime needs nothing from libstdc++.
  void* memory = malloc(sizeof(kite_model));
  if (memory == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_OUT_OF_MEMORY,
                      "cannot allocate the model handle");
  }
  const kite_status status = kite_model_load_into(data, size, memory, sizeof(kite_model), model, error);
  if (status != KITE_OK) {
    free(memory);
    return status;
  }
  (*model)->on_heap = true;
  return KITE_OK;
}

size_t kite_model_handle_size(void) { return sizeof(kite_model); }

kite_status kite_model_load_into(const void* data, size_t size, void* storage, size_t storage_size,
                                 kite_model** model, kite_error* error) {
  ClearError(error);
  if (model == nullptr || storage == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "storage or model output pointer is NULL");
  }
  *model = nullptr;
  if (storage_size < sizeof(kite_model) || reinterpret_cast<uintptr_t>(storage) % alignof(kite_model) != 0) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "model storage must be %zu bytes aligned to %zu (kite_model_handle_size)",
                      sizeof(kite_model), alignof(kite_model));
  }
  kite_model* handle = new (storage) kite_model();
  handle->on_heap = false;
  const kite_status status = handle->model.Init(data, size, MessageOf(error), MessageSizeOf(error));
  if (status != KITE_OK) {
    handle->~kite_model();
    return status;
  }
  *model = handle;
  return KITE_OK;
}

kite_status kite_model_load_file(const char* path, kite_model** model, kite_error* error) {
  ClearError(error);
  if (path == nullptr || model == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "path or model output pointer is NULL");
  }
  *model = nullptr;
  kite::FileMap map;
  kite_status status = kite::MapFile(path, &map, MessageOf(error), MessageSizeOf(error));
  if (status != KITE_OK) return status;
  // An empty file maps to no bytes; give the verifier a valid pointer.
  static const uint64_t kEmpty[2] = {0, 0};
  const void* bytes = map.data != nullptr ? map.data : kEmpty;
  status = kite_model_load(bytes, map.size, model, error);
  if (status != KITE_OK) {
    kite::UnmapFile(&map);
    return status;
  }
  (*model)->map = map;
  return KITE_OK;
}

void kite_model_free(kite_model* model) {
  if (model == nullptr) return;
  kite::UnmapFile(&model->map);
  const bool on_heap = model->on_heap;
  model->~kite_model();
  if (on_heap) free(model);
}

namespace {

// The options' kernels value; any int32 may arrive from C.
int32_t KernelsValue(const kite_options* options) {
  return options != nullptr ? options->kernels : KITE_KERNELS_OPTIMIZED;
}

// The options' kernel set; false for a value outside the enum.
bool KernelSetOf(const kite_options* options, kite::KernelSet* set) {
  switch (KernelsValue(options)) {
    case KITE_KERNELS_OPTIMIZED: *set = kite::KernelSet::kOptimized; return true;
    case KITE_KERNELS_REFERENCE: *set = kite::KernelSet::kReference; return true;
    case KITE_KERNELS_PORTABLE: *set = kite::KernelSet::kPortable; return true;
  }
  return false;
}

}  // namespace

kite_status kite_arena_size(const kite_model* model, size_t* bytes, kite_error* error) {
  return kite_arena_size_with_options(model, nullptr, bytes, error);
}

kite_status kite_arena_size_with_options(const kite_model* model, const kite_options* options, size_t* bytes,
                                         kite_error* error) {
  ClearError(error);
  if (model == nullptr || bytes == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "model or bytes pointer is NULL");
  }
  kite::KernelSet kernels;
  if (!KernelSetOf(options, &kernels)) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "options.kernels is %" PRId32 ", not a kite_kernels value", KernelsValue(options));
  }
  kite::TailAllocator measure;
  // The same first allocation a real interpreter makes for its handle.
  void* self = measure.Allocate(sizeof(kite_interpreter), KITE_ARENA_ALIGNMENT, false);
  if (self == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_OUT_OF_MEMORY,
                      "cannot allocate while measuring the arena");
  }
  kite::Interpreter* interpreter = new (self) kite::Interpreter(&model->model, &measure, kernels);
  const kite_status status = interpreter->Prepare();
  if (status != KITE_OK) {
    kite::Fail(MessageOf(error), MessageSizeOf(error), status, "%s", interpreter->error());
  } else {
    *bytes = interpreter->RequiredArenaBytes();
  }
  interpreter->~Interpreter();
  return status;
}

kite_status kite_interpreter_create(const kite_model* model, void* arena, size_t arena_size,
                                    kite_interpreter** interpreter, kite_error* error) {
  return kite_interpreter_create_with_options(model, nullptr, arena, arena_size, interpreter, error);
}

kite_status kite_interpreter_create_with_options(const kite_model* model, const kite_options* options, void* arena,
                                                 size_t arena_size, kite_interpreter** interpreter,
                                                 kite_error* error) {
  ClearError(error);
  if (model == nullptr || interpreter == nullptr) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "model or interpreter output pointer is NULL");
  }
  *interpreter = nullptr;
  kite::KernelSet kernels;
  if (!KernelSetOf(options, &kernels)) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_INVALID_ARGUMENT,
                      "options.kernels is %" PRId32 ", not a kite_kernels value", KernelsValue(options));
  }
  void* owned = nullptr;
  if (arena == nullptr) {
    kite_status status = kite_arena_size_with_options(model, options, &arena_size, error);
    if (status != KITE_OK) return status;
    owned = aligned_alloc(KITE_ARENA_ALIGNMENT, arena_size);
    if (owned == nullptr) {
      return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_OUT_OF_MEMORY,
                        "cannot allocate an arena of %zu bytes", arena_size);
    }
    arena = owned;
  }
  if (reinterpret_cast<uintptr_t>(arena) % KITE_ARENA_ALIGNMENT != 0) {
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_ARENA_MISALIGNED,
                      "arena must be aligned to %d bytes", KITE_ARENA_ALIGNMENT);
  }
  uint8_t* base = static_cast<uint8_t*>(arena);
  kite::TailAllocator probe(base, arena_size);
  void* self = probe.Allocate(sizeof(kite_interpreter), KITE_ARENA_ALIGNMENT, false);
  if (self == nullptr) {
    free(owned);
    return kite::Fail(MessageOf(error), MessageSizeOf(error), KITE_ERROR_ARENA_TOO_SMALL,
                      "arena of %zu bytes is too small to hold the interpreter", arena_size);
  }
  kite_interpreter* handle = static_cast<kite_interpreter*>(self);
  new (&handle->impl) kite::Interpreter(&model->model, base, arena_size, sizeof(kite_interpreter), kernels);
  handle->owned_arena = owned;
  handle->threadpool = nullptr;
  const kite_status status = handle->impl.BuildTensors();
  if (status != KITE_OK) {
    kite::Fail(MessageOf(error), MessageSizeOf(error), status, "%s", handle->impl.error());
    kite_interpreter_free(handle);
    return status;
  }
  *interpreter = handle;
  return KITE_OK;
}

kite_status kite_interpreter_prepare(kite_interpreter* interpreter) {
  if (interpreter == nullptr) return KITE_ERROR_INVALID_ARGUMENT;
  return interpreter->impl.Prepare();
}

kite_status kite_interpreter_set_num_threads(kite_interpreter* interpreter, int num_threads) {
  if (interpreter == nullptr || num_threads < 1) return KITE_ERROR_INVALID_ARGUMENT;
  if (interpreter->impl.prepared() || interpreter->threadpool != nullptr) return KITE_ERROR_INVALID_STATE;
  if (num_threads == 1) return KITE_OK;
#if KITE_WITH_XNNPACK
  pthreadpool_t pool = pthreadpool_create(static_cast<size_t>(num_threads));
  if (pool == nullptr) return KITE_ERROR_OUT_OF_MEMORY;
  interpreter->threadpool = pool;
  interpreter->impl.set_threadpool(pool);
  return KITE_OK;
#else
  return KITE_ERROR_MODEL_UNSUPPORTED;
#endif
}

kite_status kite_interpreter_invoke(kite_interpreter* interpreter) {
  if (interpreter == nullptr) return KITE_ERROR_INVALID_ARGUMENT;
  return interpreter->impl.Invoke();
}

const char* kite_interpreter_error(const kite_interpreter* interpreter) {
  return interpreter != nullptr ? interpreter->impl.error() : "interpreter is NULL";
}

size_t kite_interpreter_input_count(const kite_interpreter* interpreter) {
  return interpreter != nullptr ? static_cast<size_t>(interpreter->impl.num_inputs()) : 0;
}

size_t kite_interpreter_output_count(const kite_interpreter* interpreter) {
  return interpreter != nullptr ? static_cast<size_t>(interpreter->impl.num_outputs()) : 0;
}

kite_status kite_interpreter_input_info(const kite_interpreter* interpreter, size_t index,
                                        kite_tensor_info* info) {
  if (interpreter == nullptr || info == nullptr ||
      index >= kite_interpreter_input_count(interpreter)) {
    return KITE_ERROR_INVALID_ARGUMENT;
  }
  const int32_t i = static_cast<int32_t>(index);
  return FillInfo(interpreter->impl.input_tensor(i), interpreter->impl.input_name(i), info);
}

kite_status kite_interpreter_output_info(const kite_interpreter* interpreter, size_t index,
                                         kite_tensor_info* info) {
  if (interpreter == nullptr || info == nullptr ||
      index >= kite_interpreter_output_count(interpreter)) {
    return KITE_ERROR_INVALID_ARGUMENT;
  }
  const int32_t i = static_cast<int32_t>(index);
  return FillInfo(interpreter->impl.output_tensor(i), interpreter->impl.output_name(i), info);
}

kite_status kite_interpreter_set_input(kite_interpreter* interpreter, size_t index,
                                       const void* data, size_t bytes) {
  if (interpreter == nullptr) return KITE_ERROR_INVALID_ARGUMENT;
  return interpreter->impl.SetInput(index, data, bytes);
}

kite_status kite_interpreter_get_output(const kite_interpreter* interpreter, size_t index,
                                        void* data, size_t bytes) {
  if (interpreter == nullptr || data == nullptr ||
      index >= kite_interpreter_output_count(interpreter)) {
    return KITE_ERROR_INVALID_ARGUMENT;
  }
  if (!interpreter->impl.prepared()) return KITE_ERROR_INVALID_STATE;
  const kite::Tensor& t = interpreter->impl.output_tensor(static_cast<int32_t>(index));
  if (bytes != t.bytes) return KITE_ERROR_INVALID_ARGUMENT;
  memcpy(data, t.data, bytes);
  return KITE_OK;
}

void* kite_interpreter_input_data(kite_interpreter* interpreter, size_t index) {
  if (interpreter == nullptr || !interpreter->impl.prepared() ||
      index >= kite_interpreter_input_count(interpreter)) {
    return nullptr;
  }
  return interpreter->impl.input_tensor(static_cast<int32_t>(index)).data;
}

const void* kite_interpreter_output_data(const kite_interpreter* interpreter, size_t index) {
  if (interpreter == nullptr || !interpreter->impl.prepared() ||
      index >= kite_interpreter_output_count(interpreter)) {
    return nullptr;
  }
  return interpreter->impl.output_tensor(static_cast<int32_t>(index)).data;
}

void kite_interpreter_free(kite_interpreter* interpreter) {
  if (interpreter == nullptr) return;
  void* owned = interpreter->owned_arena;
#if KITE_WITH_XNNPACK
  if (interpreter->threadpool != nullptr) pthreadpool_destroy(static_cast<pthreadpool_t>(interpreter->threadpool));
#endif
  interpreter->impl.~Interpreter();
  free(owned);
}

}  // extern "C"

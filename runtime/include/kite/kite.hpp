// A thin C++ wrapper over the C API: owning handles, no exceptions. Every
// call returns kite_status as the C API does.
#ifndef KITE_KITE_HPP_
#define KITE_KITE_HPP_

#include <stddef.h>

#include "kite/kite.h"

namespace kite {

class ModelHandle {
 public:
  ModelHandle() = default;
  ~ModelHandle() { kite_model_free(model_); }
  ModelHandle(const ModelHandle&) = delete;
  ModelHandle& operator=(const ModelHandle&) = delete;

  // The bytes must outlive this handle (see kite_model_load).
  kite_status Load(const void* data, size_t size) {
    Release();
    return kite_model_load(data, size, &model_, &error_);
  }
  kite_status LoadFile(const char* path) {
    Release();
    return kite_model_load_file(path, &model_, &error_);
  }
  kite_status ArenaSize(size_t* bytes) { return kite_arena_size(model_, bytes, &error_); }
  kite_status ArenaSize(const kite_options& options, size_t* bytes) {
    return kite_arena_size_with_options(model_, &options, bytes, &error_);
  }

  const kite_model* get() const { return model_; }
  const char* error() const { return error_.message; }

 private:
  void Release() {
    kite_model_free(model_);
    model_ = nullptr;
  }
  kite_model* model_ = nullptr;
  kite_error error_ = {};
};

class InterpreterHandle {
 public:
  InterpreterHandle() = default;
  ~InterpreterHandle() { kite_interpreter_free(interpreter_); }
  InterpreterHandle(const InterpreterHandle&) = delete;
  InterpreterHandle& operator=(const InterpreterHandle&) = delete;

  // `arena` (nullptr: Kite allocates the exact size) must outlive this handle.
  kite_status Create(const ModelHandle& model, void* arena, size_t arena_size) {
    const kite_options defaults = KITE_OPTIONS_DEFAULT;
    return Create(model, defaults, arena, arena_size);
  }
  kite_status Create(const ModelHandle& model, const kite_options& options, void* arena, size_t arena_size) {
    kite_interpreter_free(interpreter_);
    interpreter_ = nullptr;
    return kite_interpreter_create_with_options(model.get(), &options, arena, arena_size, &interpreter_, &error_);
  }
  kite_status SetNumThreads(int n) { return kite_interpreter_set_num_threads(interpreter_, n); }
  kite_status Prepare() { return kite_interpreter_prepare(interpreter_); }
  kite_status Invoke() { return kite_interpreter_invoke(interpreter_); }
  kite_status SetInput(size_t i, const void* data, size_t bytes) {
    return kite_interpreter_set_input(interpreter_, i, data, bytes);
  }
  kite_status GetOutput(size_t i, void* data, size_t bytes) const {
    return kite_interpreter_get_output(interpreter_, i, data, bytes);
  }
  kite_status InputInfo(size_t i, kite_tensor_info* info) const { return kite_interpreter_input_info(interpreter_, i, info); }
  kite_status OutputInfo(size_t i, kite_tensor_info* info) const { return kite_interpreter_output_info(interpreter_, i, info); }
  size_t input_count() const { return kite_interpreter_input_count(interpreter_); }
  kite_interpreter* get() const { return interpreter_; }
  size_t output_count() const { return kite_interpreter_output_count(interpreter_); }
  // The last failure: the interpreter's message, or create's.
  const char* error() const { return interpreter_ != nullptr ? kite_interpreter_error(interpreter_) : error_.message; }

 private:
  kite_interpreter* interpreter_ = nullptr;
  kite_error error_ = {};
};

}  // namespace kite

#endif  // KITE_KITE_HPP_

// The C API's handle types, for Kite's own tools and tests (kite bench needs
// per-operator timing). Applications use kite.h only.
#ifndef KITE_RUNTIME_EXECUTOR_C_API_INTERNAL_H_
#define KITE_RUNTIME_EXECUTOR_C_API_INTERNAL_H_

#include "executor/interpreter.h"
#include "loader/model.h"
#include "platform/file_map.h"

struct kite_model {
  kite::Model model;
  kite::FileMap map;  // set when loaded from a file
  bool on_heap = true;  // false: in the caller's storage (kite_model_load_into)
};

// Lives at the top of its arena.
struct kite_interpreter {
  kite::Interpreter impl;
  void* owned_arena;  // non-null when Kite allocated the arena
  void* threadpool;   // pthreadpool_t, non-null with num_threads > 1
};

#endif  // KITE_RUNTIME_EXECUTOR_C_API_INTERNAL_H_

// XNNPACK's memory comes from the interpreter's arena.
//
// xnn_initialize() takes one allocator per process (the first call wins);
// Kite passes one whose functions take memory from the TailAllocator of the
// prepare running on this thread, so packed weights, indirection buffers and
// operator state land in the arena and kite_arena_size() counts them (measure
// mode hands out heap blocks it frees afterwards, as for every prepare
// allocation). XNNPACK allocations outside a prepare (its own initialization)
// go to malloc. Invoke never allocates: xnn_run_operator does not.
//
// One-time process initialization: xnn_initialize runs once (pthread_once);
// cpuinfo, inside it, makes about eleven small libc allocations of its own.
#ifndef KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_ALLOCATOR_H_
#define KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_ALLOCATOR_H_

#include "core/tail_allocator.h"

namespace kite {
namespace xnnpack {

// Initializes XNNPACK once per process; false if it cannot run here (then
// every op falls back to its reference kernel).
bool Initialize();

// While alive, XNNPACK allocations on this thread come from `tail`.
class ArenaScope {
 public:
  explicit ArenaScope(TailAllocator* tail);
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  TailAllocator* previous_;
};

}  // namespace xnnpack
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_ALLOCATOR_H_

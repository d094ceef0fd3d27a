// Persistent memory for prepare, taken from the top of the arena downwards
// (activations occupy the bottom, as in TFLM's head/tail split).
//
// In measure mode there is no arena: each request gets its own heap block and
// the allocator records the bytes the same requests would take in a real
// arena. That is how kite_arena_size() is exact.
#ifndef KITE_RUNTIME_CORE_TAIL_ALLOCATOR_H_
#define KITE_RUNTIME_CORE_TAIL_ALLOCATOR_H_

#include <stddef.h>
#include <stdint.h>

namespace kite {

class TailAllocator {
 public:
  // Real mode: allocate downwards from the aligned end of [base, base + size).
  TailAllocator(uint8_t* base, size_t size);
  // Measure mode.
  TailAllocator();
  ~TailAllocator();
  TailAllocator(const TailAllocator&) = delete;
  TailAllocator& operator=(const TailAllocator&) = delete;

  // Returns zeroed memory (untouched when `zero` is false), or nullptr when the
  // arena (or the heap, in measure mode) is exhausted. `align` must be a power
  // of two no larger than 64.
  void* Allocate(size_t bytes, size_t align, bool zero = true);

  template <typename T>
  T* AllocateArray(size_t count) {
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(Allocate(count * sizeof(T), alignof(T)));
  }

  // Bytes taken from the top so far, including alignment padding.
  size_t used() const { return used_; }
  // Lowest address handed out (real mode).
  uint8_t* low() const { return top_ - used_; }

 private:
  uint8_t* top_ = nullptr;  // aligned end of the arena
  size_t capacity_ = 0;     // top_ minus the arena's start
  size_t used_ = 0;
  bool measuring_ = false;
  // Measure mode keeps its blocks in a singly linked list to free them.
  struct Block;
  Block* blocks_ = nullptr;
};

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_TAIL_ALLOCATOR_H_

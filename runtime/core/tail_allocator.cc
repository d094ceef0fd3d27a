#include "core/tail_allocator.h"

#include <stdlib.h>
#include <string.h>

#include "kite/kite.h"

namespace kite {

struct TailAllocator::Block {
  Block* next;
};

TailAllocator::TailAllocator(uint8_t* base, size_t size) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(base) + size;
  top_ = reinterpret_cast<uint8_t*>(end & ~static_cast<uintptr_t>(KITE_ARENA_ALIGNMENT - 1));
  capacity_ = top_ >= base ? static_cast<size_t>(top_ - base) : 0;
}

TailAllocator::TailAllocator() : measuring_(true) {}

TailAllocator::~TailAllocator() {
  while (blocks_ != nullptr) {
    Block* next = blocks_->next;
    free(blocks_);
    blocks_ = next;
  }
}

void* TailAllocator::Allocate(size_t bytes, size_t align, bool zero) {
  if (align == 0 || align > KITE_ARENA_ALIGNMENT || (align & (align - 1)) != 0) return nullptr;
  if (bytes == 0) bytes = 1;
  // The top is 64-aligned, so padding depends only on `used_`: measure mode
  // and a real arena agree on every byte.
  if (bytes > SIZE_MAX - used_ - align) return nullptr;
  size_t next = used_ + bytes;
  next = (next + align - 1) & ~(align - 1);
  if (measuring_) {
    // Header padded to 64 keeps the payload aligned for any `align`.
    const size_t header = KITE_ARENA_ALIGNMENT;
    const size_t rounded = (header + bytes + KITE_ARENA_ALIGNMENT - 1) &
                           ~static_cast<size_t>(KITE_ARENA_ALIGNMENT - 1);
    void* raw = aligned_alloc(KITE_ARENA_ALIGNMENT, rounded);
    if (raw == nullptr) return nullptr;
    Block* block = static_cast<Block*>(raw);
    block->next = blocks_;
    blocks_ = block;
    used_ = next;
    uint8_t* payload = static_cast<uint8_t*>(raw) + header;
    memset(payload, 0, bytes);
    return payload;
  }
  if (next > capacity_) return nullptr;
  used_ = next;
  uint8_t* p = top_ - used_;
  if (zero) memset(p, 0, bytes);
  return p;
}

}  // namespace kite

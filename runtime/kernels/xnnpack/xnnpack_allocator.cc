#include "kernels/xnnpack/xnnpack_allocator.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xnnpack.h>

namespace kite {
namespace xnnpack {
namespace {

thread_local TailAllocator* g_tail = nullptr;

// Every block starts with a 64-byte header: where it came from and its size
// (reallocate must copy the old contents). 64 keeps XNNPACK's alignment.
constexpr size_t kHeader = 64;
constexpr uint32_t kFromArena = 0x4b495445;  // "KITE"
constexpr uint32_t kFromHeap = 0x48454150;   // "HEAP"
struct Header {
  uint32_t origin;
  uint32_t reserved;
  size_t size;
};

void* Allocate(void*, size_t size) {
  if (size > SIZE_MAX - kHeader) return nullptr;
  uint8_t* block;
  uint32_t origin;
  if (g_tail != nullptr) {
    block = static_cast<uint8_t*>(g_tail->Allocate(kHeader + size, 64, false));
    origin = kFromArena;
  } else {
    block = static_cast<uint8_t*>(aligned_alloc(64, (kHeader + size + 63) / 64 * 64));
    origin = kFromHeap;
  }
  if (block == nullptr) return nullptr;
  Header* h = reinterpret_cast<Header*>(block);
  h->origin = origin;
  h->size = size;
  return block + kHeader;
}

void Deallocate(void*, void* pointer) {
  if (pointer == nullptr) return;
  uint8_t* block = static_cast<uint8_t*>(pointer) - kHeader;
  // Arena blocks go away with the arena (or the measuring allocator).
  if (reinterpret_cast<Header*>(block)->origin == kFromHeap) free(block);
}

void* Reallocate(void* context, void* pointer, size_t size) {
  void* fresh = Allocate(context, size);
  if (fresh == nullptr || pointer == nullptr) return fresh;
  const Header* old = reinterpret_cast<const Header*>(static_cast<uint8_t*>(pointer) - kHeader);
  memcpy(fresh, pointer, old->size < size ? old->size : size);
  Deallocate(context, pointer);
  return fresh;
}

void* AlignedAllocate(void* context, size_t alignment, size_t size) {
  if (alignment > 64) return nullptr;  // the header keeps 64-byte alignment
  return Allocate(context, size);
}

const xnn_allocator kAllocator = {nullptr, Allocate, Reallocate, Deallocate, AlignedAllocate, Deallocate};

pthread_once_t g_once = PTHREAD_ONCE_INIT;
bool g_ready = false;

void InitializeOnce() { g_ready = xnn_initialize(&kAllocator) == xnn_status_success; }

}  // namespace

bool Initialize() {
  pthread_once(&g_once, InitializeOnce);
  return g_ready;
}

ArenaScope::ArenaScope(TailAllocator* tail) : previous_(g_tail) { g_tail = tail; }
ArenaScope::~ArenaScope() { g_tail = previous_; }

}  // namespace xnnpack
}  // namespace kite

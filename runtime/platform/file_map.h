// Read-only mapping of a whole file (POSIX mmap; a heap copy elsewhere).
#ifndef KITE_RUNTIME_PLATFORM_FILE_MAP_H_
#define KITE_RUNTIME_PLATFORM_FILE_MAP_H_

#include <stddef.h>

#include "kite/kite.h"

namespace kite {

struct FileMap {
  void* data = nullptr;
  size_t size = 0;
};

kite_status MapFile(const char* path, FileMap* map, char* message, size_t message_size);
void UnmapFile(FileMap* map);

}  // namespace kite

#endif  // KITE_RUNTIME_PLATFORM_FILE_MAP_H_

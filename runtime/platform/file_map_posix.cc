#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "platform/file_map.h"

namespace kite {

kite_status MapFile(const char* path, FileMap* map, char* message, size_t message_size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(message, message_size, KITE_ERROR_IO, "cannot open '%s': %s", path,
                strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Fail(message, message_size, KITE_ERROR_IO, "'%s' is not a regular file", path);
  }
  map->size = static_cast<size_t>(st.st_size);
  if (map->size == 0) {
    // mmap rejects empty files; the verifier reports the empty model.
    close(fd);
    map->data = nullptr;
    return KITE_OK;
  }
  void* data = mmap(nullptr, map->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    return Fail(message, message_size, KITE_ERROR_IO, "cannot map '%s': %s", path,
                strerror(errno));
  }
  map->data = data;
  return KITE_OK;
}

void UnmapFile(FileMap* map) {
  if (map->data != nullptr) munmap(map->data, map->size);
  map->data = nullptr;
  map->size = 0;
}

}  // namespace kite

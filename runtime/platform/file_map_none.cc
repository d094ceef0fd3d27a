// Targets without a file system (bare-metal firmware): a model is linked in
// as bytes and loaded with kite_model_load; loading a file is an I/O error.
#include <stdio.h>

#include "platform/file_map.h"

namespace kite {

kite_status MapFile(const char* path, FileMap* map, char* message, size_t message_size) {
  map->data = nullptr;
  map->size = 0;
  snprintf(message, message_size, "%s: this build has no file system (load the model's bytes with kite_model_load)", path);
  return KITE_ERROR_IO;
}

void UnmapFile(FileMap* map) {
  map->data = nullptr;
  map->size = 0;
}

}  // namespace kite

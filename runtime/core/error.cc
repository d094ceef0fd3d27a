#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

namespace kite {

kite_status Fail(char* buffer, size_t size, kite_status status, const char* format, ...) {
  if (buffer != nullptr && size > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, size, format, args);
    va_end(args);
  }
  return status;
}

}  // namespace kite

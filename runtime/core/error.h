// Formatting failure messages into a caller's fixed buffer (no heap).
#ifndef KITE_RUNTIME_CORE_ERROR_H_
#define KITE_RUNTIME_CORE_ERROR_H_

#include <stddef.h>

#include "kite/kite.h"

namespace kite {

// Writes the printf-style message into buffer (may be null) and returns status.
kite_status Fail(char* buffer, size_t size, kite_status status, const char* format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#define KITE_RETURN_IF_ERROR(expr)                  \
  do {                                              \
    const kite_status kite_status_ = (expr);        \
    if (kite_status_ != KITE_OK) return kite_status_; \
  } while (0)

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_ERROR_H_

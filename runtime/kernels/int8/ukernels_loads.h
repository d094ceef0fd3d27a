// The 4-byte activation loads every IGEMM variant makes: whole groups, and
// the last 1-3 bytes of a row zero-filled (their weights are 0), so no
// variant reads past a row.
#ifndef KITE_RUNTIME_KERNELS_INT8_UKERNELS_LOADS_H_
#define KITE_RUNTIME_KERNELS_INT8_UKERNELS_LOADS_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace kite {
namespace int8 {

inline int32_t Load32(const int8_t* p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

inline int32_t LoadPartial32(const int8_t* p, size_t n) {
  uint32_t v = static_cast<uint8_t>(p[0]);
  if (n > 1) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8;
  if (n > 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16;
  return static_cast<int32_t>(v);
}

}  // namespace int8
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_INT8_UKERNELS_LOADS_H_

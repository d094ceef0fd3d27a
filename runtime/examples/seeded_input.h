/* The examples' deterministic inputs: the same bytes on every machine (a
 * 32-bit LCG and exact float operations), so outputs can be compared across
 * x86, ARM Linux and the Cortex-M firmware. */
#ifndef KITE_EXAMPLES_SEEDED_INPUT_H_
#define KITE_EXAMPLES_SEEDED_INPUT_H_

#include <kite/kite.h>
#include <stddef.h>
#include <stdint.h>

/* float32: uniform in [-1, 1); int8: uniform codes. `seed` advances. */
static inline void KiteFillSeededInput(void* data, const kite_tensor_info* info, unsigned* seed) {
  const size_t count = info->bytes / (info->dtype == KITE_INT8 ? 1 : 4);
  for (size_t i = 0; i < count; ++i) {
    *seed = *seed * 1664525u + 1013904223u;
    const float u = (float)(*seed >> 8) / 16777216.0f; /* [0, 1), exact */
    if (info->dtype == KITE_INT8) {
      ((int8_t*)data)[i] = (int8_t)((int)(u * 255.0f) - 128);
    } else {
      ((float*)data)[i] = u * 2.0f - 1.0f;
    }
  }
}

#endif /* KITE_EXAMPLES_SEEDED_INPUT_H_ */

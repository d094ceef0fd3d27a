/* Kite on a Cortex-M4F without an OS or a heap: the model is linked in as a
 * C array (generated from a .kite file at build time), the interpreter's
 * arena is a static array of KITE_FIRMWARE_ARENA_BYTES (the host's report,
 * see run.sh), and the model handle lives in static storage. It runs one
 * invoke on the examples' seeded inputs and prints, through semihosting, each
 * output's first values and an FNV-1a hash of all output bytes, which run.sh
 * compares with the same model run on the host. */
#include <kite/kite.h>
#include <stdint.h>
#include <stdio.h>

#include "seeded_input.h"

extern volatile unsigned firmware_heap_requests; /* startup.c: the heap refuses and counts */
extern const unsigned char kite_model_data[];
extern const unsigned int kite_model_size;

static uint8_t arena[KITE_FIRMWARE_ARENA_BYTES] __attribute__((aligned(KITE_ARENA_ALIGNMENT)));
static uint8_t model_storage[512] __attribute__((aligned(16)));

/* newlib's printf("%f") allocates (dtoa): print fixed point with integers. */
static void PrintFixed(double v) {
  const long long micro = (long long)(v * 1e6 + (v < 0 ? -0.5 : 0.5));
  const unsigned long long m = (unsigned long long)(micro < 0 ? -micro : micro);
  printf(" %s%lu.%06lu", micro < 0 ? "-" : "", (unsigned long)(m / 1000000u), (unsigned long)(m % 1000000u));
}

static uint32_t Fnv1a(uint32_t hash, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 16777619u;
  return hash;
}

int main(void) {
  kite_error error;
  kite_model* model = NULL;
  kite_status status =
      kite_model_load_into(kite_model_data, kite_model_size, model_storage, sizeof(model_storage), &model, &error);
  if (status != KITE_OK) {
    printf("firmware: load: %s: %s\n", kite_status_string(status), error.message);
    return 1;
  }
  kite_interpreter* interpreter = NULL;
  status = kite_interpreter_create(model, arena, sizeof(arena), &interpreter, &error);
  if (status == KITE_OK) status = kite_interpreter_prepare(interpreter);
  if (status != KITE_OK) {
    printf("firmware: prepare: %s: %s\n", kite_status_string(status),
           interpreter != NULL ? kite_interpreter_error(interpreter) : error.message);
    return 1;
  }
  for (size_t i = 0; i < kite_interpreter_input_count(interpreter); ++i) {
    kite_tensor_info info;
    kite_interpreter_input_info(interpreter, i, &info);
    unsigned seed = 42;
    KiteFillSeededInput(kite_interpreter_input_data(interpreter, i), &info, &seed);
  }
  status = kite_interpreter_invoke(interpreter);
  if (status != KITE_OK) {
    printf("firmware: invoke: %s: %s\n", kite_status_string(status), kite_interpreter_error(interpreter));
    return 1;
  }
  const unsigned heap_requests = firmware_heap_requests; /* before printf's own buffers */
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < kite_interpreter_output_count(interpreter); ++i) {
    kite_tensor_info info;
    kite_interpreter_output_info(interpreter, i, &info);
    const uint8_t* data = (const uint8_t*)kite_interpreter_output_data(interpreter, i);
    hash = Fnv1a(hash, data, info.bytes);
    printf("output '%s' (%u bytes):", info.name, (unsigned)info.bytes);
    for (size_t k = 0; k < 4 && k * 4 < info.bytes; ++k) {
      PrintFixed(info.dtype == KITE_INT8 ? info.scale * (((const int8_t*)data)[k] - info.zero_point)
                                         : (double)((const float*)data)[k]);
    }
    printf("\n");
  }
  printf("model %u bytes in flash, arena %u bytes static, heap requests during load/prepare/invoke: %u\n",
         kite_model_size, (unsigned)sizeof(arena), heap_requests);
  printf("outputs fnv1a %08lx\n", (unsigned long)hash);
  kite_interpreter_free(interpreter);
  kite_model_free(model);
  return 0;
}

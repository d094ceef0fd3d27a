/* Runs a .kite model with the C API: caller-owned arena of the exact size,
 * seeded random inputs, repeated invokes, then prints the outputs' summary,
 * the arena size and the median latency.
 *
 *   kite_run_example MODEL.kite [RUNS [OUTPUTS.bin]]
 *
 * OUTPUTS.bin receives every output's bytes, in order: the same file from
 * two machines means the same results (platforms/arm/bitexact.py compares
 * them across x86 and ARM).
 */
#include <kite/kite.h>

#include "seeded_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int CompareDoubles(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: %s MODEL.kite [RUNS [OUTPUTS.bin]]\n"
                    "Runs MODEL.kite on seeded random inputs and prints its outputs,\n"
                    "arena size and median latency over RUNS invokes (default 20);\n"
                    "OUTPUTS.bin receives the outputs' raw bytes.\n", argv[0]);
    return argc < 2 ? 2 : 0;
  }
  const int runs = argc > 2 ? atoi(argv[2]) : 20;
  if (runs < 1) {
    fprintf(stderr, "error: RUNS must be at least 1\n");
    return 2;
  }
  const char* outputs_path = argc > 3 ? argv[3] : NULL;
  kite_error error;
  kite_model* model = NULL;
  kite_status status = kite_model_load_file(argv[1], &model, &error);
  if (status != KITE_OK) {
    fprintf(stderr, "error: %s: %s\n", kite_status_string(status), error.message);
    return 1;
  }
  size_t arena_bytes = 0;
  status = kite_arena_size(model, &arena_bytes, &error);
  if (status != KITE_OK) {
    fprintf(stderr, "error: %s: %s\n", kite_status_string(status), error.message);
    kite_model_free(model);
    return 1;
  }
  /* Firmware would use a static array of this size. */
  void* arena = aligned_alloc(KITE_ARENA_ALIGNMENT, arena_bytes);
  kite_interpreter* interpreter = NULL;
  status = kite_interpreter_create(model, arena, arena_bytes, &interpreter, &error);
  if (status == KITE_OK) status = kite_interpreter_prepare(interpreter);
  if (status != KITE_OK) {
    fprintf(stderr, "error: %s: %s\n", kite_status_string(status),
            interpreter != NULL ? kite_interpreter_error(interpreter) : error.message);
    kite_interpreter_free(interpreter);
    free(arena);
    kite_model_free(model);
    return 1;
  }
  unsigned seed = 42;
  double* times = (double*)malloc(sizeof(double) * (size_t)runs);
  for (int r = 0; r < runs; ++r) {
    for (size_t i = 0; i < kite_interpreter_input_count(interpreter); ++i) {
      kite_tensor_info info;
      kite_interpreter_input_info(interpreter, i, &info);
      seed = 42;
      KiteFillSeededInput(kite_interpreter_input_data(interpreter, i), &info, &seed);
    }
    const double start = NowMs();
    status = kite_interpreter_invoke(interpreter);
    times[r] = NowMs() - start;
    if (status != KITE_OK) break;
  }
  if (status == KITE_OK) {
    for (size_t i = 0; i < kite_interpreter_output_count(interpreter); ++i) {
      kite_tensor_info info;
      kite_interpreter_output_info(interpreter, i, &info);
      const void* data = kite_interpreter_output_data(interpreter, i);
      const size_t count = info.bytes / (info.dtype == KITE_INT8 ? 1 : info.dtype == KITE_INT16 ? 2 : 4);
      size_t best = 0;
      double best_value = -1e30;
      printf("output '%s' [", info.name);
      for (int d = 0; d < info.rank; ++d) printf(d ? ",%d" : "%d", info.dims[d]);
      printf("] %s:", info.dtype == KITE_INT8 ? "int8" : info.dtype == KITE_INT16 ? "int16" : "float32");
      for (size_t k = 0; k < count; ++k) {
        const double v = info.dtype == KITE_INT8    ? info.scale * (((const int8_t*)data)[k] - info.zero_point)
                         : info.dtype == KITE_INT16 ? info.scale * ((const int16_t*)data)[k]
                                                    : ((const float*)data)[k];
        if (k < 8) printf(" %.4f", v);
        if (v > best_value) { best_value = v; best = k; }
      }
      printf("%s  (largest: index %zu = %.4f)\n", count > 8 ? " ..." : "", best, best_value);
    }
    if (outputs_path != NULL) {
      FILE* f = fopen(outputs_path, "wb");
      for (size_t i = 0; f != NULL && i < kite_interpreter_output_count(interpreter); ++i) {
        kite_tensor_info info;
        kite_interpreter_output_info(interpreter, i, &info);
        if (fwrite(kite_interpreter_output_data(interpreter, i), 1, info.bytes, f) != info.bytes) {
          fclose(f);
          f = NULL;
        }
      }
      if (f == NULL || fclose(f) != 0) {
        fprintf(stderr, "error: cannot write %s\n", outputs_path);
        status = KITE_ERROR_IO;
      }
    }
    qsort(times, (size_t)runs, sizeof(double), CompareDoubles);
    printf("arena: %zu bytes (caller-owned, exact)\n", arena_bytes);
    printf("latency: median %.3f ms over %d runs (min %.3f ms)\n", times[runs / 2], runs, times[0]);
  } else {
    fprintf(stderr, "error: %s: %s\n", kite_status_string(status), kite_interpreter_error(interpreter));
  }
  free(times);
  kite_interpreter_free(interpreter);
  free(arena);
  kite_model_free(model);
  return status == KITE_OK ? 0 : 1;
}

/* Kite runtime: the C API.
 *
 * Lifecycle:
 *   kite_model_load / kite_model_load_file   verify a .kite model (no copy)
 *   kite_arena_size                          exact bytes an interpreter needs
 *   kite_interpreter_create                  bind a model to an arena
 *   (the *_with_options forms of those two also choose the kernels)
 *   kite_interpreter_set_num_threads         optional, before prepare
 *   kite_interpreter_prepare                 check every op, pick kernels, lay out memory
 *   kite_interpreter_set_input / invoke / get_output   (repeat; no heap allocation)
 *   kite_interpreter_free, kite_model_free
 *
 * Every call returns a kite_status. Nothing here throws, aborts or crashes on a bad
 * model file: a file that fails a check is rejected with a status and a message.
 */
#ifndef KITE_KITE_H_
#define KITE_KITE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest .kite format revision this runtime reads (Model.version). */
#define KITE_FORMAT_VERSION 9u
/* Tensors have at most this many dimensions. */
#define KITE_MAX_RANK 6
/* A caller-provided arena must start at a multiple of this many bytes. */
#define KITE_ARENA_ALIGNMENT 64
/* A model passed as bytes must start at a multiple of this many bytes, so its
 * constant buffers (packed int8 weights among them: 64-byte SIMD rows) can be
 * used in place. mmap'd files always are. */
#define KITE_MODEL_ALIGNMENT 64

/* Status codes, grouped by range: 0x0x caller errors, 0x1x model file errors,
 * 0x2x memory errors. */
typedef enum kite_status {
  KITE_OK = 0x00,
  KITE_ERROR_INVALID_ARGUMENT = 0x01, /* null pointer, index out of range, wrong byte size */
  KITE_ERROR_INVALID_STATE = 0x02,    /* e.g. invoke before prepare */
  KITE_ERROR_IO = 0x03,               /* a file could not be opened or mapped */

  KITE_ERROR_MODEL_TOO_SMALL = 0x10,  /* fewer bytes than a model header */
  KITE_ERROR_MODEL_IDENTIFIER = 0x11, /* not a .kite file, or an incompatible format */
  KITE_ERROR_MODEL_MALFORMED = 0x12,  /* FlatBuffers structure invalid (e.g. truncated) */
  KITE_ERROR_MODEL_VERSION = 0x13,    /* written for a newer runtime */
  KITE_ERROR_MODEL_INDEX = 0x14,      /* a tensor or buffer index out of range */
  KITE_ERROR_MODEL_BUFFER = 0x15,     /* constant data size differs from shape x dtype */
  KITE_ERROR_MODEL_PLAN = 0x16,       /* arena offset out of range or live tensors overlap */
  KITE_ERROR_MODEL_INVALID = 0x17,    /* shapes, dtypes or quantization inconsistent */
  KITE_ERROR_MODEL_UNSUPPORTED = 0x18,/* an op or dtype this runtime has no kernel for */
  KITE_ERROR_MODEL_MISALIGNED = 0x19, /* model bytes not KITE_MODEL_ALIGNMENT-aligned */

  KITE_ERROR_ARENA_TOO_SMALL = 0x20,  /* see kite_arena_size */
  KITE_ERROR_ARENA_MISALIGNED = 0x21, /* arena not KITE_ARENA_ALIGNMENT-aligned */
  KITE_ERROR_OUT_OF_MEMORY = 0x22     /* the heap refused (only when Kite allocates) */
} kite_status;

/* A short constant name for a status, e.g. "KITE_ERROR_MODEL_VERSION". */
const char* kite_status_string(kite_status status);

typedef enum kite_dtype {
  KITE_FLOAT32 = 0,
  KITE_INT8 = 1,
  KITE_INT32 = 2,
  KITE_INT16 = 3, /* symmetric 16-bit activations (16x8 ops), zero point 0 */
  KITE_INT64 = 4, /* the bias of 16x8 convolutions; indices (ArgMax) */
  KITE_UINT8 = 5, /* graph inputs and outputs only (camera frames) */
  KITE_BOOL = 6   /* graph inputs and outputs only, one byte: 0 or 1 */
} kite_dtype;

/* Receives a human-readable explanation when a call fails. */
typedef struct kite_error {
  char message[256];
} kite_error;

typedef struct kite_tensor_info {
  const char* name;     /* owned by the model; valid while the model lives */
  kite_dtype dtype;
  int32_t rank;
  int32_t dims[KITE_MAX_RANK];
  size_t bytes;
  float scale;          /* int8 only: real = scale * (q - zero_point) */
  int32_t zero_point;
} kite_tensor_info;

typedef struct kite_model kite_model;
typedef struct kite_interpreter kite_interpreter;

/* Verifies `size` bytes at `data` as a .kite model and returns a handle that
 * refers to them in place: the bytes must outlive the model and every
 * interpreter made from it, and must be KITE_MODEL_ALIGNMENT-aligned.
 * `error` may be NULL.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_MODEL_*,
 *         KITE_ERROR_OUT_OF_MEMORY */
kite_status kite_model_load(const void* data, size_t size, kite_model** model,
                            kite_error* error);

/* kite_model_load without the heap (firmware): the handle is built in the
 * caller's `storage`, kite_model_handle_size() bytes aligned to 16, which must
 * outlive the model. kite_model_free then releases nothing but the handle.
 * @retval as kite_model_load (KITE_ERROR_INVALID_ARGUMENT for too small or
 *         misaligned storage) */
size_t kite_model_handle_size(void);
kite_status kite_model_load_into(const void* data, size_t size, void* storage, size_t storage_size,
                                 kite_model** model, kite_error* error);

/* Maps the file at `path` read-only and verifies it; the mapping is released
 * by kite_model_free.
 * @retval as kite_model_load, plus KITE_ERROR_IO */
kite_status kite_model_load_file(const char* path, kite_model** model, kite_error* error);

/* Releases a model. Interpreters made from it must be freed first. NULL is a no-op. */
void kite_model_free(kite_model* model);

/* Which kernels an interpreter's prepare chooses from. */
typedef enum kite_kernels {
  /* Kite's int8 engine, XNNPACK (where the build has it) and Kite's other
   * optimized kernels, each for the ops it suits; the reference kernel for
   * the rest. The default. */
  KITE_KERNELS_OPTIMIZED = 0,
  /* The portable reference kernels only: the specification's results, slowly. */
  KITE_KERNELS_REFERENCE = 1,
  /* What a build without XNNPACK on a CPU without SIMD runs (a microcontroller):
   * Kite's portable optimized kernels and the reference; no XNNPACK, no int8
   * engine. For sizing such a target's arena on a host. */
  KITE_KERNELS_PORTABLE = 2,
} kite_kernels;

/* Per-interpreter choices. Start from KITE_OPTIONS_DEFAULT. Fields are
 * fixed-size integers, not enum types: an enum's size is the compiler's and
 * ABI's choice (one byte with ARM EABI's short enums). */
typedef struct kite_options {
  int32_t kernels; /* a kite_kernels value */
} kite_options;
#define KITE_OPTIONS_DEFAULT {KITE_KERNELS_OPTIMIZED}

/* The exact number of bytes an interpreter for `model` needs: activations,
 * kernel state and the interpreter's own tables. An arena of this size
 * (aligned to KITE_ARENA_ALIGNMENT) always prepares; one byte fewer never does.
 * May allocate temporarily from the heap while it measures.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_MODEL_*,
 *         KITE_ERROR_OUT_OF_MEMORY */
kite_status kite_arena_size(const kite_model* model, size_t* bytes, kite_error* error);
/* The same for an interpreter created with `options` (NULL: the defaults):
 * the kernels chosen decide the state they keep.
 * @retval as kite_arena_size, and KITE_ERROR_INVALID_ARGUMENT for an unknown kernels value */
kite_status kite_arena_size_with_options(const kite_model* model, const kite_options* options, size_t* bytes,
                                         kite_error* error);

/* Creates an interpreter whose memory is `arena` (the caller's, which must
 * outlive the interpreter), or, when `arena` is NULL, an arena of exactly
 * kite_arena_size bytes that Kite allocates and frees. With a caller arena the
 * interpreter lives inside it and nothing is allocated from the heap.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_ARENA_MISALIGNED,
 *         KITE_ERROR_ARENA_TOO_SMALL, KITE_ERROR_OUT_OF_MEMORY */
kite_status kite_interpreter_create(const kite_model* model, void* arena, size_t arena_size,
                                    kite_interpreter** interpreter, kite_error* error);
/* The same with `options` (NULL: the defaults); size its arena with
 * kite_arena_size_with_options and the same options.
 * @retval as kite_interpreter_create */
kite_status kite_interpreter_create_with_options(const kite_model* model, const kite_options* options, void* arena,
                                                 size_t arena_size, kite_interpreter** interpreter,
                                                 kite_error* error);

/* Checks every operator against its kernel, chooses the kernels, checks the
 * memory plan (or plans one) and lays out the arena. Call once, before invoke.
 * @retval KITE_OK, KITE_ERROR_INVALID_STATE, KITE_ERROR_MODEL_*,
 *         KITE_ERROR_ARENA_TOO_SMALL */
kite_status kite_interpreter_prepare(kite_interpreter* interpreter);

/* Runs the ops XNNPACK executes on `num_threads` threads (1, the default: the
 * calling thread only; the int8 engine's convolutions use the same pool, Kite's other kernels
 * the calling thread).
 * Allowed between create and prepare. The thread pool is created here, on the
 * heap: the one allocation outside the arena, once; prepare and invoke add
 * none. Results do not depend on the thread count.
 * @retval KITE_OK
 * @retval KITE_ERROR_INVALID_ARGUMENT  interpreter is NULL or num_threads < 1
 * @retval KITE_ERROR_INVALID_STATE     already prepared, or threads already set
 * @retval KITE_ERROR_MODEL_UNSUPPORTED num_threads > 1 in a build without XNNPACK
 * @retval KITE_ERROR_OUT_OF_MEMORY     the thread pool could not be created */
kite_status kite_interpreter_set_num_threads(kite_interpreter* interpreter, int num_threads);

/* Runs the model once on the current inputs. Allocates nothing.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_INVALID_STATE */
kite_status kite_interpreter_invoke(kite_interpreter* interpreter);

/* The message of the interpreter's last failure ("" if none). Owned by the interpreter. */
const char* kite_interpreter_error(const kite_interpreter* interpreter);

size_t kite_interpreter_input_count(const kite_interpreter* interpreter);
size_t kite_interpreter_output_count(const kite_interpreter* interpreter);

/* Describes graph input / output `index`. Valid after create.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT */
kite_status kite_interpreter_input_info(const kite_interpreter* interpreter, size_t index,
                                        kite_tensor_info* info);
kite_status kite_interpreter_output_info(const kite_interpreter* interpreter, size_t index,
                                         kite_tensor_info* info);

/* Copies `bytes` bytes into graph input `index`; `bytes` must equal the
 * tensor's size. After prepare. Set every input before each invoke: once the
 * ops that read an input have run, the memory plan may reuse its bytes.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_INVALID_STATE */
kite_status kite_interpreter_set_input(kite_interpreter* interpreter, size_t index,
                                       const void* data, size_t bytes);

/* Copies graph output `index` (exactly `bytes` bytes, the tensor's size) to `data`.
 * @retval KITE_OK, KITE_ERROR_INVALID_ARGUMENT, KITE_ERROR_INVALID_STATE */
kite_status kite_interpreter_get_output(const kite_interpreter* interpreter, size_t index,
                                        void* data, size_t bytes);

/* Direct pointers to the tensors' memory in the arena (no copy); NULL before
 * prepare or for a bad index. Valid until the interpreter is freed; an input's
 * bytes may be overwritten by invoke when the plan reuses them. */
void* kite_interpreter_input_data(kite_interpreter* interpreter, size_t index);
const void* kite_interpreter_output_data(const kite_interpreter* interpreter, size_t index);

/* Releases the interpreter (and its arena if Kite allocated it). NULL is a no-op. */
void kite_interpreter_free(kite_interpreter* interpreter);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KITE_KITE_H_ */

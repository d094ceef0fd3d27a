// Proof that invoke allocates nothing and that prepare with a caller arena
// allocates nothing (and that outputs do not depend on the thread count): this binary replaces malloc, calloc, realloc, free,
// aligned_alloc, posix_memalign and operator new/delete for the whole process
// (XNNPACK's shared library included) and counts the calls made while a
// window is open. XNNPACK's own allocations go through Kite's allocator hook
// into the arena and so never reach these functions.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "convert.h"
#include "kite/kite.hpp"
#include "models/real_models.h"
#include "support/model_builder.h"

#ifndef KITE_TEST_THREADS
#define KITE_TEST_THREADS 2
#endif

namespace {

std::atomic<long> g_calls{0};
std::atomic<bool> g_counting{false};

void Count() {
  if (g_counting.load(std::memory_order_relaxed)) g_calls.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// glibc's implementations stay reachable under their internal names.
extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void __libc_free(void*);
extern "C" void* __libc_memalign(size_t, size_t);

extern "C" void* malloc(size_t n) { Count(); return __libc_malloc(n); }
extern "C" void* calloc(size_t a, size_t b) { Count(); return __libc_calloc(a, b); }
extern "C" void* realloc(void* p, size_t n) { Count(); return __libc_realloc(p, n); }
extern "C" void free(void* p) { if (p != nullptr) Count(); __libc_free(p); }
extern "C" void* aligned_alloc(size_t a, size_t n) { Count(); return __libc_memalign(a, n); }
extern "C" int posix_memalign(void** out, size_t a, size_t n) {
  Count();
  *out = __libc_memalign(a, n);
  return *out != nullptr ? 0 : ENOMEM;
}
void* operator new(size_t n) { Count(); void* p = __libc_malloc(n); if (p == nullptr) throw std::bad_alloc(); return p; }
void* operator new[](size_t n) { Count(); void* p = __libc_malloc(n); if (p == nullptr) throw std::bad_alloc(); return p; }
void operator delete(void* p) noexcept { if (p != nullptr) Count(); __libc_free(p); }
void operator delete[](void* p) noexcept { if (p != nullptr) Count(); __libc_free(p); }
void operator delete(void* p, size_t) noexcept { if (p != nullptr) Count(); __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { if (p != nullptr) Count(); __libc_free(p); }

namespace kite {
namespace testing {
namespace {

class Window {
 public:
  Window() { g_calls = 0; g_counting = true; }
  long Close() { g_counting = false; return g_calls.load(); }
};

// The counter itself: it must see what it is meant to see, or the zeros
// below would prove nothing.
TEST(HeapCounter, SeesMallocNewAndAnInterpreterThatAllocatesItsArena) {
  Window w;
  void* volatile p = std::malloc(16);
  std::free(p);
  int* volatile q = new int(3);
  delete q;
  EXPECT_EQ(w.Close(), 4);
  ModelBuilder mb;
  const int x = mb.Input("x", schema::DataType_FLOAT32, {1, 4});
  const int y = mb.Tensor("y", schema::DataType_FLOAT32, {1, 4});
  mb.Op(schema::OpCode_RELU, {x}, {y});
  mb.Output(y);
  const AlignedBytes bytes = mb.Build();
  ModelHandle model;
  ASSERT_EQ(model.Load(bytes.data(), bytes.size()), KITE_OK);
  Window create;
  {
    InterpreterHandle it;
    ASSERT_EQ(it.Create(model, nullptr, 0), KITE_OK);  // no caller arena: Kite mallocs one
  }
  EXPECT_GE(create.Close(), 1);
}

struct Case {
  const char* model;
  bool int8;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << (c.int8 ? "_int8" : "_float"); }

class NoHeap : public ::testing::TestWithParam<Case> {};

TEST_P(NoHeap, PrepareWithCallerArenaAndInvokeAllocateNothing) {
  const Case& c = GetParam();
  RealModel m;
  for (const RealModel& r : RealModels()) {
    if (std::string(r.name) == c.model) m = r;
  }
  converter::ConvertOptions options;
  options.import.input_shapes[m.input] = m.shape;
  size_t elements = 1;
  for (int64_t d : m.shape) elements *= static_cast<size_t>(d);
  // A fixed pseudo-random input in [-1, 1): also the calibration set (the
  // point here is memory and threads, not accuracy).
  std::vector<float> v(elements);
  for (size_t i = 0; i < elements; ++i) v[i] = static_cast<float>((i * 2654435761u) % 1000) / 500.0f - 1.0f;
  if (c.int8) {
    converter::NpyArray a{"<f4", m.shape, std::vector<uint8_t>(elements * 4)};
    std::memcpy(a.data.data(), v.data(), a.data.size());
    const std::string npy = std::string(KITE_TEST_WORK_DIR) + "/no_heap_" + c.model + ".npy";
    converter::WriteNpy(npy, a);
    options.quantization.int8 = true;
    options.quantization.calibration = npy;
  }
  const std::vector<uint8_t> bytes = converter::ConvertOnnx(ModelsDir() + "/" + m.path, options, nullptr);
  const AlignedBytes aligned(bytes);
  ModelHandle model;
  ASSERT_EQ(model.Load(aligned.data(), aligned.size()), KITE_OK) << model.error();
  size_t arena_bytes = 0;
  ASSERT_EQ(model.ArenaSize(&arena_bytes), KITE_OK) << model.error();
  void* arena = std::aligned_alloc(KITE_ARENA_ALIGNMENT, arena_bytes);
  std::vector<float> input;
  {
    InterpreterHandle warm;  // the process's one-time XNNPACK/cpuinfo initialization happens here
    ASSERT_EQ(warm.Create(model, nullptr, 0), KITE_OK);
    ASSERT_EQ(warm.Prepare(), KITE_OK) << warm.error();
  }
  kite_tensor_info info;
  long prepare_calls = -1, invoke_calls = -1;
  std::vector<std::vector<uint8_t>> one_thread;
  {
  InterpreterHandle it;
  Window prepare;
  ASSERT_EQ(it.Create(model, arena, arena_bytes), KITE_OK) << it.error();
  ASSERT_EQ(it.Prepare(), KITE_OK) << it.error();
  prepare_calls = prepare.Close();
  it.InputInfo(0, &info);
  input = v;
  ASSERT_EQ(info.bytes, input.size() * 4);
  Window invoke;
  for (int run = 0; run < 100; ++run) {
    // Inputs are set before every invoke: the plan may reuse an input's
    // bytes once the ops that read it have run.
    ASSERT_EQ(it.SetInput(0, input.data(), info.bytes), KITE_OK);
    ASSERT_EQ(it.Invoke(), KITE_OK);
  }
  invoke_calls = invoke.Close();
  for (size_t o = 0; o < it.output_count(); ++o) {
    kite_tensor_info out;
    it.OutputInfo(o, &out);
    one_thread.emplace_back(out.bytes);
    ASSERT_EQ(it.GetOutput(o, one_thread.back().data(), out.bytes), KITE_OK);
  }
  }  // the interpreter lives in the arena: gone before the arena is freed
  // The reported size is exact, XNNPACK's packed weights and indirection
  // buffers included: one byte less fails cleanly (and so do coarser cuts,
  // which fail inside XNNPACK's operator creation).
  for (size_t cut : {size_t{1}, size_t{4096}, arena_bytes / 3}) {
    InterpreterHandle small;
    kite_status status = small.Create(model, arena, arena_bytes - cut);
    if (status == KITE_OK) status = small.Prepare();
    EXPECT_EQ(status, KITE_ERROR_ARENA_TOO_SMALL) << "arena of exact - " << cut << " bytes";
  }
  EXPECT_EQ(prepare_calls, 0) << "heap calls in create + prepare with a caller arena of " << arena_bytes << " bytes";
  EXPECT_EQ(invoke_calls, 0) << "heap calls in 100 invokes";
#if KITE_WITH_XNNPACK
  // Two threads (XNNPACK splits an op's outputs between them): the same bytes,
  // float and int8, and the arena kite_arena_size reported still suffices.
  {
    InterpreterHandle two;
    ASSERT_EQ(two.Create(model, nullptr, 0), KITE_OK) << two.error();
    ASSERT_EQ(two.SetNumThreads(2), KITE_OK);
    ASSERT_EQ(two.Prepare(), KITE_OK) << two.error();
    ASSERT_EQ(two.SetInput(0, input.data(), input.size() * 4), KITE_OK);
    ASSERT_EQ(two.Invoke(), KITE_OK);
    for (size_t o = 0; o < two.output_count(); ++o) {
      std::vector<uint8_t> got(one_thread[o].size());
      ASSERT_EQ(two.GetOutput(o, got.data(), got.size()), KITE_OK);
      EXPECT_TRUE(got == one_thread[o]) << "output " << o << " differs between 1 and 2 threads";
    }
  }
#endif
  std::printf("[ no heap  ] %-15s %-5s arena %zu bytes: %ld heap calls in create+prepare, %ld in 100 set_input+invoke\n", c.model,
              c.int8 ? "int8" : "float", arena_bytes, prepare_calls, invoke_calls);
  std::free(arena);
}

INSTANTIATE_TEST_SUITE_P(RealModels, NoHeap,
                         ::testing::Values(Case{"BlazeFaceFront", false}, Case{"BlazeFaceFront", true},
                                           Case{"MlsdTiny320", false}, Case{"MlsdTiny320", true},
                                           Case{"PpOcrCls", false}, Case{"PpOcrCls", true}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.model) + (info.param.int8 ? "_Int8" : "_Float");
                         });

}  // namespace
}  // namespace testing
}  // namespace kite

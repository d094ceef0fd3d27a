// The contract between the interpreter and the kernels.
//
// Each op has one prepare function. It checks everything the op assumes
// (input and output counts, dtypes, shapes, quantization, options), precomputes
// what invoke needs into persistent state, and sets Node::invoke. Invoke then
// trusts what prepare checked: it never fails and never allocates.
#ifndef KITE_RUNTIME_KERNELS_KERNEL_H_
#define KITE_RUNTIME_KERNELS_KERNEL_H_

#include <stddef.h>
#include <stdint.h>

#include "core/tail_allocator.h"
#include "core/tensor.h"
#include "kite/kite.h"
#include "kite_generated.h"

namespace kite {
namespace int8 {
struct Ukernels;
}  // namespace int8

struct Node;
using InvokeFn = void (*)(const Node& node, const Tensor* tensors);

struct Node {
  const schema::Operator* op = nullptr;
  const int32_t* inputs = nullptr;  // tensor indices; -1 for an absent optional input
  int32_t num_inputs = 0;
  const int32_t* outputs = nullptr;
  int32_t num_outputs = 0;
  InvokeFn invoke = nullptr;
  const void* state = nullptr;        // the kernel's, in the arena
  const char* kernel_name = nullptr;  // e.g. "reference/conv2d_int8", for profiles
  // Why a faster kernel declined this op (a static string, e.g. "int8
  // engine: weights not packed"), or null when the first choice took it.
  const char* declined = nullptr;

  const Tensor& input(const Tensor* tensors, int32_t i) const { return tensors[inputs[i]]; }
  const Tensor& output(const Tensor* tensors, int32_t i) const { return tensors[outputs[i]]; }
  bool has_input(int32_t i) const { return i < num_inputs && inputs[i] >= 0; }
};

// Which kernels an interpreter's prepare picks. kOptimized (the default):
// Kite's int8 engine, XNNPACK where the build has it and Kite's other
// optimized kernels, each where the op's configuration suits it, the reference
// kernel otherwise; kReference: the portable reference kernels only;
// kPortable: what a build without XNNPACK on a CPU without SIMD runs (a
// microcontroller): Kite's portable optimized kernels and the reference, no
// XNNPACK and no int8 engine.
enum class KernelSet { kOptimized, kReference, kPortable };

// What a prepare function may use.
class PrepareContext {
 public:
  PrepareContext(Tensor* tensors, TailAllocator* tail, int32_t node_index, Node* node,
                 char* message, size_t message_size)
      : tensors_(tensors), tail_(tail), node_index_(node_index), node_(node),
        message_(message), message_size_(message_size) {}

  // Records why a faster kernel passed the op on (a static string); the
  // first reason given is kept.
  void Decline(const char* reason) {
    if (node_->declined == nullptr) node_->declined = reason;
  }

  Tensor& input(int32_t i) { return tensors_[node_->inputs[i]]; }
  Tensor& output(int32_t i) { return tensors_[node_->outputs[i]]; }
  Node& node() { return *node_; }
  KernelSet kernels() const { return kernels_; }
  void set_kernels(KernelSet kernels) { kernels_ = kernels; }

  template <typename T>
  const T* options() const { return node_->op->options_as<T>(); }

  // Zeroed persistent memory in the arena; nullptr when the arena is full.
  void* Allocate(size_t bytes, size_t align) { return tail_->Allocate(bytes, align); }
  // The persistent allocator itself, for libraries that allocate on their own
  // (XNNPACK's allocator hook).
  TailAllocator* tail() { return tail_; }
  // The interpreter's thread pool (a pthreadpool_t) or null.
  void* threadpool() const { return threadpool_; }
  void set_threadpool(void* pool) { threadpool_ = pool; }
  // The int8 engine's microkernel variant the interpreter asked for; null:
  // the best SIMD variant of this CPU (none: XNNPACK or the reference runs).
  const int8::Ukernels* int8_ukernels() const { return int8_ukernels_; }
  void set_int8_ukernels(const int8::Ukernels* ukernels) { int8_ukernels_ = ukernels; }
  template <typename T>
  T* AllocateState() { return static_cast<T*>(tail_->Allocate(sizeof(T), alignof(T))); }
  template <typename T>
  T* AllocateArray(size_t count) { return tail_->AllocateArray<T>(count); }

  // Formats "operator N (OPCODE, node 'NAME'): <message>" and returns status.
  kite_status Fail(kite_status status, const char* format, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 3, 4)))
#endif
      ;
  kite_status OutOfArena();

 private:
  Tensor* tensors_;
  TailAllocator* tail_;
  void* threadpool_ = nullptr;
  const int8::Ukernels* int8_ukernels_ = nullptr;
  KernelSet kernels_ = KernelSet::kOptimized;
  int32_t node_index_;
  Node* node_;
  char* message_;
  size_t message_size_;
};

using PrepareFn = kite_status (*)(PrepareContext& ctx);

// The prepare function of an op code in kernel set `set`, or nullptr when
// there is none.
PrepareFn LookupPrepare(schema::OpCode opcode, KernelSet set);

// The prepare function of an op that reads or writes an int16 tensor (the
// 16x8 scheme), or nullptr when the op has no 16x8 kernel. Kept apart so
// that no int8 or float kernel ever sees an int16 tensor. Outside the
// reference set, Conv2D, FullyConnected, Add, Sub, Mul, Quantize, Dequantize and the
// piecewise-linear element-wise functions have Kite's portable optimized
// kernels; every other 16x8 op runs its reference kernel.
PrepareFn LookupPrepareInt16(schema::OpCode opcode, KernelSet set);

// True when the op may write its output over input `input` at the same
// offset, provided that input's last use is this op.
bool AllowsInPlace(const schema::Operator& op, int32_t input, const Tensor* tensors);

}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_KERNEL_H_

// Binds a verified model to an arena: prepare checks every op and lays out
// memory; invoke runs a loop of prepared kernels and allocates nothing.
#ifndef KITE_RUNTIME_EXECUTOR_INTERPRETER_H_
#define KITE_RUNTIME_EXECUTOR_INTERPRETER_H_

#include <stddef.h>
#include <stdint.h>

#include "core/tail_allocator.h"
#include "core/tensor.h"
#include "kernels/kernel.h"
#include "loader/model.h"

namespace kite {

class Interpreter {
 public:
  // Real mode: the interpreter's own object (`self_bytes`, 64-aligned) is the
  // first allocation from the top of `arena`, which the caller has checked for
  // alignment and placed the object at. Measure mode: `measure` counts every
  // allocation, and there is no arena. `kernels`: which kernels prepare picks.
  Interpreter(const Model* model, uint8_t* arena, size_t arena_size, size_t self_bytes,
              KernelSet kernels = KernelSet::kOptimized);
  Interpreter(const Model* model, TailAllocator* measure, KernelSet kernels = KernelSet::kOptimized);

  kite_status Prepare();
  kite_status Invoke();
  // The thread pool (pthreadpool_t) XNNPACK operators run on; null: the
  // calling thread. Owned by the caller; set before Prepare.
  void set_threadpool(void* pool) { threadpool_ = pool; }
  // The int8 engine's microkernel variant (kernels/int8/ukernels.h), for
  // tests and benchmarks that run each variant the CPU has; null (the
  // default): the best SIMD variant. Set before Prepare.
  void set_int8_ukernels(const int8::Ukernels* ukernels) { int8_ukernels_ = ukernels; }
  // Runs operator i alone, for profilers (kite bench); after a successful
  // Prepare, with 0 <= i < num_nodes().
  void InvokeNode(int32_t i) { nodes_[i].invoke(nodes_[i], tensors_); }

  // The bytes Prepare needed: activations (rounded to the arena alignment)
  // plus persistent state. Exact after a Prepare in measure mode.
  size_t RequiredArenaBytes() const;

  bool prepared() const { return prepared_; }
  KernelSet kernels() const { return kernels_; }
  const char* error() const { return error_; }

  int32_t num_inputs() const;
  int32_t num_outputs() const;
  // Tensor of graph input/output `index` (valid indices only), and its name.
  const Tensor& input_tensor(int32_t index) const;
  const Tensor& output_tensor(int32_t index) const;
  const char* input_name(int32_t index) const;
  const char* output_name(int32_t index) const;
  kite_status SetInput(size_t index, const void* data, size_t bytes);

  int32_t num_nodes() const { return num_nodes_; }
  const Node& node(int32_t i) const { return nodes_[i]; }
  // Tensor i of the model (0 <= i < num_tensors()), after BuildTensors: the
  // calibrator and `kite compare` read every activation between operators.
  int32_t num_tensors() const { return num_tensors_; }
  const Tensor& tensor(int32_t i) const { return tensors_[i]; }
  uint64_t activation_bytes() const { return activation_bytes_; }
  uint64_t persistent_bytes() const { return tail_->used(); }

  // Prepare in steps, exposed for the kite tools and tests.
  kite_status BuildTensors();
  kite_status ComputeLifetimes();
  kite_status CheckPlan();
  kite_status PlanFallback();
  kite_status PrepareNodes();

 private:
  kite_status Fail(kite_status status, const char* format, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 3, 4)))
#endif
      ;
  bool IsActivation(int32_t t) const;

  const Model* model_;
  TailAllocator own_tail_;
  TailAllocator* tail_;
  uint8_t* arena_ = nullptr;
  size_t arena_size_ = 0;
  Tensor* tensors_ = nullptr;
  int32_t num_tensors_ = 0;
  Node* nodes_ = nullptr;
  int32_t num_nodes_ = 0;
  uint64_t activation_bytes_ = 0;
  void* threadpool_ = nullptr;
  KernelSet kernels_;
  const int8::Ukernels* int8_ukernels_ = nullptr;
  bool prepare_attempted_ = false;
  bool prepared_ = false;
  char error_[256] = {};
};

}  // namespace kite

#endif  // KITE_RUNTIME_EXECUTOR_INTERPRETER_H_

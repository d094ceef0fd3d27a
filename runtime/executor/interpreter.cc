#include "executor/interpreter.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <new>

#include "core/error.h"
#include "planner/greedy_planner.h"

namespace kite {
namespace {

constexpr int32_t kNotProduced = INT32_MAX;

// An op reading or writing an int16 tensor runs a 16x8 kernel or none.
bool Touches(const Node& node, const Tensor* tensors, kite_dtype dtype) {
  for (int32_t i = 0; i < node.num_inputs; ++i) {
    if (node.inputs[i] >= 0 && tensors[node.inputs[i]].dtype == dtype) return true;
  }
  for (int32_t i = 0; i < node.num_outputs; ++i) {
    if (tensors[node.outputs[i]].dtype == dtype) return true;
  }
  return false;
}

uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

const char* NameOf(const schema::Model* model, int32_t tensor) {
  const auto* name = model->tensors()->Get(static_cast<uint32_t>(tensor))->name();
  return name != nullptr ? name->c_str() : "";
}

}  // namespace

Interpreter::Interpreter(const Model* model, uint8_t* arena, size_t arena_size,
                         size_t self_bytes, KernelSet kernels)
    : model_(model), own_tail_(arena, arena_size), tail_(&own_tail_), arena_(arena),
      arena_size_(arena_size), kernels_(kernels) {
  // Re-take the bytes this object occupies, without touching them.
  own_tail_.Allocate(self_bytes, KITE_ARENA_ALIGNMENT, /*zero=*/false);
}

Interpreter::Interpreter(const Model* model, TailAllocator* measure, KernelSet kernels)
    : model_(model), tail_(measure), kernels_(kernels) {}

kite_status Interpreter::Fail(kite_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error_, sizeof(error_), format, args);
  va_end(args);
  return status;
}

bool Interpreter::IsActivation(int32_t t) const {
  return !tensors_[t].is_constant && tensors_[t].first != kNotProduced;
}

size_t Interpreter::RequiredArenaBytes() const {
  return static_cast<size_t>(AlignUp(activation_bytes_, KITE_ARENA_ALIGNMENT) +
                             AlignUp(tail_->used(), KITE_ARENA_ALIGNMENT));
}

kite_status Interpreter::BuildTensors() {
  if (tensors_ != nullptr) return KITE_OK;
  const schema::Model* fb = model_->fb();
  num_tensors_ = static_cast<int32_t>(fb->tensors()->size());
  tensors_ = tail_->AllocateArray<Tensor>(static_cast<size_t>(num_tensors_));
  if (tensors_ == nullptr) {
    return Fail(KITE_ERROR_ARENA_TOO_SMALL,
                "arena of %zu bytes is too small for the tensor table; kite_arena_size() "
                "gives the exact size",
                arena_size_);
  }
  for (int32_t i = 0; i < num_tensors_; ++i) {
    const schema::Tensor* src = fb->tensors()->Get(static_cast<uint32_t>(i));
    Tensor* t = new (&tensors_[i]) Tensor();
    t->dtype = static_cast<kite_dtype>(src->type());
    t->shape.rank = src->shape() != nullptr ? static_cast<int32_t>(src->shape()->size()) : 0;
    for (int32_t d = 0; d < t->shape.rank; ++d) {
      t->shape.dims[d] = src->shape()->Get(static_cast<uint32_t>(d));
    }
    t->bytes = static_cast<size_t>(TensorBytes(src->shape(), src->type()));
    if (src->buffer() != 0) {
      t->is_constant = true;
      t->data = const_cast<uint8_t*>(fb->buffers()->Get(src->buffer())->data()->data());
    }
    const schema::Quantization* q = src->quantization();
    if (q != nullptr && q->scale() != nullptr && q->scale()->size() > 0) {
      t->scale = q->scale()->Get(0);
      // No zero points means all are zero (symmetric weights).
      t->zero_point = q->zero_point() != nullptr && q->zero_point()->size() > 0 ? static_cast<int32_t>(q->zero_point()->Get(0)) : 0;
      t->channel_scales = q->scale()->data();
      t->channel_count = static_cast<int32_t>(q->scale()->size());
      t->quantized_dimension = q->quantized_dimension();
    }
    t->first = kNotProduced;
    t->last = -1;
  }
  return KITE_OK;
}

kite_status Interpreter::ComputeLifetimes() {
  const schema::Model* fb = model_->fb();
  const int32_t num_ops = static_cast<int32_t>(fb->operators()->size());
  for (uint32_t i = 0; fb->inputs() != nullptr && i < fb->inputs()->size(); ++i) {
    const int32_t id = fb->inputs()->Get(i)->tensor();
    Tensor& t = tensors_[id];
    if (t.is_constant) {
      return Fail(KITE_ERROR_MODEL_INVALID, "graph input %" PRId32 " (tensor '%s') is a constant", i,
                  NameOf(fb, id));
    }
    if (t.first != kNotProduced) {
      return Fail(KITE_ERROR_MODEL_INVALID, "tensor '%s' is graph input twice", NameOf(fb, id));
    }
    t.first = -1;
    t.last = -1;
  }
  for (int32_t n = 0; n < num_ops; ++n) {
    const schema::Operator* op = fb->operators()->Get(static_cast<uint32_t>(n));
    if (op->inputs() != nullptr) {
      for (uint32_t k = 0; k < op->inputs()->size(); ++k) {
        const int32_t id = op->inputs()->Get(k);
        if (id < 0 || tensors_[id].is_constant) continue;
        if (tensors_[id].first == kNotProduced) {
          return Fail(KITE_ERROR_MODEL_INVALID,
                      "operator %" PRId32 " reads tensor '%s' before any operator writes it", n,
                      NameOf(fb, id));
        }
        if (tensors_[id].last < n) tensors_[id].last = n;
      }
    }
    for (uint32_t k = 0; k < op->outputs()->size(); ++k) {
      const int32_t id = op->outputs()->Get(k);
      Tensor& t = tensors_[id];
      if (t.is_constant || t.first != kNotProduced) {
        return Fail(KITE_ERROR_MODEL_INVALID,
                    "operator %" PRId32 " writes tensor '%s', which is a constant, a graph input or "
                    "written by an earlier operator",
                    n, NameOf(fb, id));
      }
      t.first = n;
      t.last = n;
    }
  }
  for (uint32_t i = 0; i < fb->outputs()->size(); ++i) {
    const int32_t id = fb->outputs()->Get(i)->tensor();
    if (!IsActivation(id)) {
      return Fail(KITE_ERROR_MODEL_INVALID,
                  "graph output %" PRId32 " (tensor '%s') is a constant or never written", i,
                  NameOf(fb, id));
    }
    tensors_[id].last = num_ops;
  }
  return KITE_OK;
}

kite_status Interpreter::CheckPlan() {
  const schema::Model* fb = model_->fb();
  activation_bytes_ = model_->planned_arena_size();
  for (int32_t a = 0; a < num_tensors_; ++a) {
    if (!IsActivation(a)) continue;
    const Tensor& ta = tensors_[a];
    const uint64_t oa = static_cast<uint64_t>(fb->tensors()->Get(a)->arena_offset());
    for (int32_t b = a + 1; b < num_tensors_; ++b) {
      if (!IsActivation(b)) continue;
      const Tensor& tb = tensors_[b];
      if (ta.first > tb.last || tb.first > ta.last) continue;
      const uint64_t ob = static_cast<uint64_t>(fb->tensors()->Get(b)->arena_offset());
      if (!BytesOverlap(oa, ta.bytes, ob, tb.bytes)) continue;
      // The one legal overlap: an op writing its output over an input that
      // dies at that op, at the same offset, where the op allows it.
      bool in_place = false;
      if (oa == ob) {
        const int32_t older = ta.first <= tb.first ? a : b;
        const int32_t newer = older == a ? b : a;
        const int32_t n = tensors_[newer].first;
        if (n >= 0 && tensors_[older].last == n) {
          const schema::Operator* op = fb->operators()->Get(static_cast<uint32_t>(n));
          for (uint32_t k = 0; op->inputs() != nullptr && k < op->inputs()->size(); ++k) {
            if (op->inputs()->Get(k) == older && op->outputs()->Get(0) == newer &&
                AllowsInPlace(*op, static_cast<int32_t>(k), tensors_)) {
              in_place = true;
            }
          }
        }
      }
      if (!in_place) {
        return Fail(KITE_ERROR_MODEL_PLAN,
                    "tensors '%s' (arena offset %llu, %zu bytes) and '%s' (offset %llu, %zu "
                    "bytes) overlap in the arena while both are alive",
                    NameOf(fb, a), static_cast<unsigned long long>(oa), ta.bytes,
                    NameOf(fb, b), static_cast<unsigned long long>(ob), tb.bytes);
      }
    }
  }
  if (arena_ != nullptr) {
    for (int32_t i = 0; i < num_tensors_; ++i) {
      if (IsActivation(i)) tensors_[i].data = arena_ + fb->tensors()->Get(i)->arena_offset();
    }
  }
  return KITE_OK;
}

kite_status Interpreter::PlanFallback() {
  int32_t count = 0;
  for (int32_t i = 0; i < num_tensors_; ++i) count += IsActivation(i) ? 1 : 0;
  PlannedBuffer* buffers = tail_->AllocateArray<PlannedBuffer>(static_cast<size_t>(count));
  int32_t* scratch = tail_->AllocateArray<int32_t>(2 * static_cast<size_t>(count));
  if (count > 0 && (buffers == nullptr || scratch == nullptr)) {
    return Fail(KITE_ERROR_ARENA_TOO_SMALL,
                "arena of %zu bytes is too small to plan the activations; kite_arena_size() "
                "gives the exact size",
                arena_size_);
  }
  int32_t k = 0;
  for (int32_t i = 0; i < num_tensors_; ++i) {
    if (!IsActivation(i)) continue;
    buffers[k].bytes = tensors_[i].bytes;
    buffers[k].first = tensors_[i].first;
    buffers[k].last = tensors_[i].last;
    ++k;
  }
  activation_bytes_ = PlanGreedyBySize(buffers, count, KITE_ARENA_ALIGNMENT, scratch);
  k = 0;
  for (int32_t i = 0; i < num_tensors_; ++i) {
    if (!IsActivation(i)) continue;
    if (arena_ != nullptr) tensors_[i].data = arena_ + buffers[k].offset;
    ++k;
  }
  return KITE_OK;
}

kite_status Interpreter::PrepareNodes() {
  const schema::Model* fb = model_->fb();
  num_nodes_ = static_cast<int32_t>(fb->operators()->size());
  nodes_ = tail_->AllocateArray<Node>(static_cast<size_t>(num_nodes_));
  if (nodes_ == nullptr) {
    return Fail(KITE_ERROR_ARENA_TOO_SMALL,
                "arena of %zu bytes is too small for the operator table; kite_arena_size() "
                "gives the exact size",
                arena_size_);
  }
  for (int32_t n = 0; n < num_nodes_; ++n) {
    const schema::Operator* op = fb->operators()->Get(static_cast<uint32_t>(n));
    Node* node = new (&nodes_[n]) Node();
    node->op = op;
    if (op->inputs() != nullptr) {
      node->inputs = op->inputs()->data();
      node->num_inputs = static_cast<int32_t>(op->inputs()->size());
    }
    node->outputs = op->outputs()->data();
    node->num_outputs = static_cast<int32_t>(op->outputs()->size());
    PrepareContext ctx(tensors_, tail_, n, node, error_, sizeof(error_));
    ctx.set_threadpool(threadpool_);
    ctx.set_int8_ukernels(int8_ukernels_);
    ctx.set_kernels(kernels_);
    // uint8 and bool tensors are graph edges: only CAST (and RESHAPE, a copy)
    // reads or writes them, so no kernel can take their bytes for float's.
    const schema::OpCode opcode = op->opcode();
    if ((Touches(*node, tensors_, KITE_UINT8) || Touches(*node, tensors_, KITE_BOOL)) &&
        opcode != schema::OpCode_CAST && opcode != schema::OpCode_RESHAPE) {
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "uint8 and bool tensors are read and written by CAST only");
    }
    const bool int16 = Touches(*node, tensors_, KITE_INT16);
    const PrepareFn prepare = int16 ? LookupPrepareInt16(op->opcode(), kernels_) : LookupPrepare(op->opcode(), kernels_);
    if (prepare == nullptr && int16) {
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "this runtime has no int16 (16x8) kernel for this op");
    }
    if (prepare == nullptr) {
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "this runtime has no kernel for op code %d",
                      static_cast<int>(op->opcode()));
    }
    if (kernels_ == KernelSet::kReference) {
      ctx.Decline("reference kernels requested");
    } else if (int16 && prepare == LookupPrepareInt16(op->opcode(), KernelSet::kReference)) {
      ctx.Decline("16x8: this op has only a reference kernel");
    } else if (!int16 && prepare == LookupPrepare(op->opcode(), KernelSet::kReference)) {
      ctx.Decline(kernels_ == KernelSet::kPortable ? "no portable optimized kernel for this op"
                                                   : "no optimized kernel for this op in this build");
    }
    const kite_status status = prepare(ctx);
    if (status != KITE_OK) return status;
    if (node->invoke == nullptr) {
      return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "no kernel was chosen");
    }
  }
  return KITE_OK;
}

kite_status Interpreter::Prepare() {
  if (prepare_attempted_) {
    return Fail(KITE_ERROR_INVALID_STATE,
                "prepare was already called on this interpreter; create a new one");
  }
  prepare_attempted_ = true;
  error_[0] = '\0';
  KITE_RETURN_IF_ERROR(BuildTensors());
  KITE_RETURN_IF_ERROR(ComputeLifetimes());
  KITE_RETURN_IF_ERROR(model_->has_plan() ? CheckPlan() : PlanFallback());
  KITE_RETURN_IF_ERROR(PrepareNodes());
  if (arena_ != nullptr) {
    const uint64_t head = AlignUp(activation_bytes_, KITE_ARENA_ALIGNMENT);
    if (arena_ + head > tail_->low()) {
      return Fail(KITE_ERROR_ARENA_TOO_SMALL,
                  "arena of %zu bytes is too small: this model needs %zu (kite_arena_size)",
                  arena_size_, RequiredArenaBytes());
    }
  }
  prepared_ = true;
  return KITE_OK;
}

kite_status Interpreter::Invoke() {
  if (!prepared_) {
    return Fail(KITE_ERROR_INVALID_STATE, "invoke called before a successful prepare");
  }
  for (int32_t n = 0; n < num_nodes_; ++n) nodes_[n].invoke(nodes_[n], tensors_);
  return KITE_OK;
}

int32_t Interpreter::num_inputs() const {
  const auto* inputs = model_->fb()->inputs();
  return inputs != nullptr ? static_cast<int32_t>(inputs->size()) : 0;
}

int32_t Interpreter::num_outputs() const {
  return static_cast<int32_t>(model_->fb()->outputs()->size());
}

const Tensor& Interpreter::input_tensor(int32_t index) const {
  return tensors_[model_->fb()->inputs()->Get(static_cast<uint32_t>(index))->tensor()];
}

const Tensor& Interpreter::output_tensor(int32_t index) const {
  return tensors_[model_->fb()->outputs()->Get(static_cast<uint32_t>(index))->tensor()];
}

const char* Interpreter::input_name(int32_t index) const {
  const auto* entry = model_->fb()->inputs()->Get(static_cast<uint32_t>(index));
  return entry->name() != nullptr ? entry->name()->c_str() : NameOf(model_->fb(), entry->tensor());
}

const char* Interpreter::output_name(int32_t index) const {
  const auto* entry = model_->fb()->outputs()->Get(static_cast<uint32_t>(index));
  return entry->name() != nullptr ? entry->name()->c_str() : NameOf(model_->fb(), entry->tensor());
}

kite_status Interpreter::SetInput(size_t index, const void* data, size_t bytes) {
  if (!prepared_) return Fail(KITE_ERROR_INVALID_STATE, "set_input called before prepare");
  if (index >= static_cast<size_t>(num_inputs())) {
    return Fail(KITE_ERROR_INVALID_ARGUMENT, "input index %zu out of range (model has %" PRId32 ")",
                index, num_inputs());
  }
  const int32_t i = static_cast<int32_t>(index);
  const Tensor& t = input_tensor(i);
  if (data == nullptr || bytes != t.bytes) {
    return Fail(KITE_ERROR_INVALID_ARGUMENT, "input %" PRId32 " ('%s') takes %zu bytes, got %zu%s", i,
                input_name(i), t.bytes, bytes, data == nullptr ? " (NULL)" : "");
  }
  memcpy(t.data, data, bytes);
  return KITE_OK;
}

}  // namespace kite

// A verified .kite model: a view of bytes the caller owns (no copy).
#ifndef KITE_RUNTIME_LOADER_MODEL_H_
#define KITE_RUNTIME_LOADER_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "kite/kite.h"
#include "kite_generated.h"

namespace kite {

class Model {
 public:
  // Checks the bytes and, on success, keeps a view of them. Checks, in order:
  // size, alignment, identifier, FlatBuffers structure, version, then every
  // tensor (dtype, shape, quantization, constant buffer size, arena offset),
  // every operator's tensor indices and the signature. Per-op semantics and
  // the memory plan's overlaps are checked by Interpreter::Prepare.
  kite_status Init(const void* data, size_t size, char* message, size_t message_size);

  const schema::Model* fb() const { return model_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool has_plan() const { return has_plan_; }
  uint64_t planned_arena_size() const { return planned_arena_size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  const schema::Model* model_ = nullptr;
  bool has_plan_ = false;
  uint64_t planned_arena_size_ = 0;
};

// Tensor sizes above this are rejected, so byte counts never overflow.
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 31;
// A planned arena above this is rejected (16 GiB).
constexpr uint64_t kMaxArenaBytes = kMaxTensorBytes * 8;

// The bytes of one element of `type`.
size_t DtypeBytes(schema::DataType type);
// The bytes a tensor of this shape and dtype occupies, or 0 when the shape is
// invalid (rank above KITE_MAX_RANK, a dimension below 1, or too large). A
// missing shape is a scalar (rank 0).
uint64_t TensorBytes(const flatbuffers::Vector<int32_t>* shape, schema::DataType type);

}  // namespace kite

#endif  // KITE_RUNTIME_LOADER_MODEL_H_

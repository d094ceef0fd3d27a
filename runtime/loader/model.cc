#include "loader/model.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/error.h"

namespace kite {
namespace {

// The interpreter and the converter read a schema DataType as a kite_dtype.
constexpr bool Same(schema::DataType a, kite_dtype b) { return static_cast<int>(a) == static_cast<int>(b); }
static_assert(Same(schema::DataType_FLOAT32, KITE_FLOAT32) && Same(schema::DataType_INT8, KITE_INT8) &&
                  Same(schema::DataType_INT32, KITE_INT32) && Same(schema::DataType_INT16, KITE_INT16) &&
                  Same(schema::DataType_INT64, KITE_INT64) && Same(schema::DataType_UINT8, KITE_UINT8) &&
                  Same(schema::DataType_BOOL, KITE_BOOL) && Same(schema::DataType_MAX, KITE_BOOL),
              "schema::DataType and kite_dtype must number the types alike");

constexpr size_t kMinModelBytes = 8;  // root offset + file identifier

bool IsKnownDtype(schema::DataType type) {
  return type >= schema::DataType_MIN && type <= schema::DataType_MAX;
}

const char* TensorName(const schema::Tensor* tensor) {
  return tensor->name() != nullptr ? tensor->name()->c_str() : "";
}

kite_status CheckQuantization(const schema::Tensor* t, int32_t index, char* msg, size_t n) {
  const schema::Quantization* q = t->quantization();
  const bool int16 = t->type() == schema::DataType_INT16;
  const bool required = t->type() == schema::DataType_INT8 || int16;
  // FlatBuffers' verifier aligns a vector's length, not its 8-byte elements.
  // Checked on every tensor, float ones too: readers of the file (the
  // object API, tools) read zero points wherever they are present.
  if (q != nullptr && q->zero_point() != nullptr && q->zero_point()->size() != 0 &&
      reinterpret_cast<uintptr_t>(q->zero_point()->data()) % alignof(int64_t) != 0) {
    return Fail(msg, n, KITE_ERROR_MODEL_MALFORMED,
                "tensor %" PRId32 " '%s': zero points are not 8-byte aligned", index, TensorName(t));
  }
  if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) {
    if (!required) return KITE_OK;
    return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                "tensor %" PRId32 " '%s' is %s but has no quantization scale", index, TensorName(t),
                int16 ? "int16" : "int8");
  }
  const uint32_t count = q->scale()->size();
  // No zero points means all are zero (what symmetric weights need: they then
  // cost no 8-byte zero per channel).
  const uint32_t zero_points = q->zero_point() != nullptr ? q->zero_point()->size() : 0u;
  if (zero_points != 0 && zero_points != count) {
    return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                "tensor %" PRId32 " '%s' has %" PRIu32 " scales but %" PRIu32 " zero points", index, TensorName(t), count,
                q->zero_point() != nullptr ? q->zero_point()->size() : 0u);
  }
  for (uint32_t i = 0; i < count; ++i) {
    const float scale = q->scale()->Get(i);
    if (!(scale > 0.0f) || !isfinite(scale)) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                  "tensor %" PRId32 " '%s': quantization scale %g is not a positive finite number",
                  index, TensorName(t), static_cast<double>(scale));
    }
    const int64_t zp = zero_points != 0 ? q->zero_point()->Get(i) : 0;
    if (int16 && zp != 0) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                  "tensor %" PRId32 " '%s': int16 is symmetric, zero point %lld is not 0", index,
                  TensorName(t), static_cast<long long>(zp));
    }
    if (zp < -128 || zp > 127) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                  "tensor %" PRId32 " '%s': zero point %lld is outside [-128, 127]", index,
                  TensorName(t), static_cast<long long>(zp));
    }
  }
  if (count > 1) {
    const int32_t rank = t->shape() != nullptr ? static_cast<int32_t>(t->shape()->size()) : 0;
    const int32_t dim = q->quantized_dimension();
    if (dim < 0 || dim >= rank || static_cast<uint32_t>(t->shape()->Get(dim)) != count) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                  "tensor %" PRId32 " '%s': %" PRIu32 " per-channel scales do not match quantized dimension %" PRId32,
                  index, TensorName(t), count, dim);
    }
    for (uint32_t i = 0; i < zero_points; ++i) {
      if (q->zero_point()->Get(i) != 0) {
        return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                    "tensor %" PRId32 " '%s': per-channel quantization must be symmetric (zero point 0)",
                    index, TensorName(t));
      }
    }
  }
  return KITE_OK;
}

kite_status CheckIndices(const flatbuffers::Vector<int32_t>* ids, int32_t num_tensors,
                         bool allow_absent, int32_t op, const char* what, char* msg,
                         size_t n) {
  if (ids == nullptr) return KITE_OK;
  for (uint32_t i = 0; i < ids->size(); ++i) {
    const int32_t id = ids->Get(i);
    if ((id == -1 && allow_absent) || (id >= 0 && id < num_tensors)) continue;
    return Fail(msg, n, KITE_ERROR_MODEL_INDEX,
                "operator %" PRId32 ": %s %" PRId32 " refers to tensor %" PRId32 ", but the model has %" PRId32 " tensors", op,
                what, i, id, num_tensors);
  }
  return KITE_OK;
}

kite_status CheckSignature(const flatbuffers::Vector<flatbuffers::Offset<schema::SignatureEntry>>* entries,
                           int32_t num_tensors, const char* what, bool may_be_empty, char* msg, size_t n) {
  if (entries == nullptr || entries->size() == 0) {
    if (may_be_empty) return KITE_OK;
    return Fail(msg, n, KITE_ERROR_MODEL_INVALID, "the model declares no graph %ss", what);
  }
  for (uint32_t i = 0; i < entries->size(); ++i) {
    const int32_t id = entries->Get(i)->tensor();
    if (id < 0 || id >= num_tensors) {
      return Fail(msg, n, KITE_ERROR_MODEL_INDEX,
                  "graph %s %" PRId32 " refers to tensor %" PRId32 ", but the model has %" PRId32 " tensors", what, i, id,
                  num_tensors);
    }
  }
  return KITE_OK;
}

}  // namespace

size_t DtypeBytes(schema::DataType type) {
  switch (type) {
    case schema::DataType_INT8:
    case schema::DataType_UINT8:
    case schema::DataType_BOOL: return 1;
    case schema::DataType_INT16: return 2;
    case schema::DataType_INT64: return 8;
    default: return 4;
  }
}

uint64_t TensorBytes(const flatbuffers::Vector<int32_t>* shape, schema::DataType type) {
  uint64_t bytes = DtypeBytes(type);
  if (shape == nullptr) return bytes;  // a scalar: writers omit empty vectors
  if (shape->size() > KITE_MAX_RANK) return 0;
  for (uint32_t i = 0; i < shape->size(); ++i) {
    const int32_t d = shape->Get(i);
    if (d < 1) return 0;
    bytes *= static_cast<uint64_t>(d);
    if (bytes > kMaxTensorBytes) return 0;
  }
  return bytes;
}

kite_status Model::Init(const void* data, size_t size, char* msg, size_t n) {
  if (data == nullptr) {
    return Fail(msg, n, KITE_ERROR_INVALID_ARGUMENT, "model data is NULL");
  }
  if (size < kMinModelBytes) {
    return Fail(msg, n, KITE_ERROR_MODEL_TOO_SMALL,
                "model is %zu bytes; a .kite file has at least %zu", size, kMinModelBytes);
  }
  if (reinterpret_cast<uintptr_t>(data) % KITE_MODEL_ALIGNMENT != 0) {
    return Fail(msg, n, KITE_ERROR_MODEL_MISALIGNED,
                "model bytes start at an address not aligned to %d bytes", KITE_MODEL_ALIGNMENT);
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  if (!schema::ModelBufferHasIdentifier(bytes)) {
    return Fail(msg, n, KITE_ERROR_MODEL_IDENTIFIER,
                "file identifier is '%.4s', expected '%s' (not a .kite file, or an "
                "incompatible format)",
                reinterpret_cast<const char*>(bytes + 4), schema::ModelIdentifier());
  }
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Fail(msg, n, KITE_ERROR_MODEL_MALFORMED, "model is larger than 2 GiB");
  }
  flatbuffers::Verifier verifier(bytes, size, /*max_depth=*/64, /*max_tables=*/10000000);
  if (!schema::VerifyModelBuffer(verifier)) {
    return Fail(msg, n, KITE_ERROR_MODEL_MALFORMED,
                "model failed FlatBuffers verification (truncated or corrupt file)");
  }
  const schema::Model* model = schema::GetModel(bytes);
  if (model->version() == 0) {
    return Fail(msg, n, KITE_ERROR_MODEL_MALFORMED, "model has no format version");
  }
  if (model->version() > KITE_FORMAT_VERSION) {
    return Fail(msg, n, KITE_ERROR_MODEL_VERSION,
                "model format version %" PRId32 " is newer than this runtime's (%u): upgrade Kite",
                model->version(), KITE_FORMAT_VERSION);
  }

  const auto* tensors = model->tensors();
  const auto* operators = model->operators();
  if (tensors == nullptr || tensors->size() == 0 || operators == nullptr ||
      operators->size() == 0) {
    return Fail(msg, n, KITE_ERROR_MODEL_INVALID, "model has no tensors or no operators");
  }
  if (tensors->size() > (1u << 24) || operators->size() > (1u << 24)) {
    return Fail(msg, n, KITE_ERROR_MODEL_INVALID, "model has too many tensors or operators");
  }
  const int32_t num_tensors = static_cast<int32_t>(tensors->size());
  const uint32_t num_buffers = model->buffers() != nullptr ? model->buffers()->size() : 0;
  const schema::MemoryPlan* plan = model->plan();
  const uint64_t arena_size = plan != nullptr ? plan->arena_size() : 0;
  if (arena_size > kMaxArenaBytes) {
    return Fail(msg, n, KITE_ERROR_MODEL_PLAN, "planned arena of %llu bytes is too large",
                static_cast<unsigned long long>(arena_size));
  }
  int32_t planned = 0;
  int32_t unplanned = 0;

  for (int32_t i = 0; i < num_tensors; ++i) {
    const schema::Tensor* t = tensors->Get(i);
    if (!IsKnownDtype(t->type())) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID, "tensor %" PRId32 " '%s' has unknown dtype %d", i,
                  TensorName(t), static_cast<int>(t->type()));
    }
    const uint64_t tensor_bytes = TensorBytes(t->shape(), t->type());
    if (tensor_bytes == 0) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID,
                  "tensor %" PRId32 " '%s' has an invalid shape (rank above %d, a dimension "
                  "below 1, or over %llu bytes)",
                  i, TensorName(t), KITE_MAX_RANK,
                  static_cast<unsigned long long>(kMaxTensorBytes));
    }
    kite_status status = CheckQuantization(t, i, msg, n);
    if (status != KITE_OK) return status;
    if (t->buffer() != 0) {
      if (t->buffer() >= num_buffers) {
        return Fail(msg, n, KITE_ERROR_MODEL_INDEX,
                    "tensor %" PRId32 " '%s' refers to buffer %" PRId32 ", but the model has %" PRIu32 " buffers", i,
                    TensorName(t), t->buffer(), num_buffers);
      }
      const auto* buffer_data = model->buffers()->Get(t->buffer())->data();
      const uint64_t have = buffer_data != nullptr ? buffer_data->size() : 0;
      if (have != tensor_bytes) {
        return Fail(msg, n, KITE_ERROR_MODEL_BUFFER,
                    "tensor %" PRId32 " '%s' needs %llu bytes of constant data, its buffer has %llu", i,
                    TensorName(t), static_cast<unsigned long long>(tensor_bytes),
                    static_cast<unsigned long long>(have));
      }
      if (reinterpret_cast<uintptr_t>(buffer_data->data()) % KITE_MODEL_ALIGNMENT != 0) {
        return Fail(msg, n, KITE_ERROR_MODEL_MISALIGNED,
                    "constant buffer of tensor %" PRId32 " '%s' is not aligned to %d bytes", i,
                    TensorName(t), KITE_MODEL_ALIGNMENT);
      }
    } else if (t->arena_offset() >= 0) {
      ++planned;
      const uint64_t offset = static_cast<uint64_t>(t->arena_offset());
      if (offset > arena_size || tensor_bytes > arena_size - offset) {
        return Fail(msg, n, KITE_ERROR_MODEL_PLAN,
                    "tensor %" PRId32 " '%s' at arena offset %llu + %llu bytes ends past the planned "
                    "arena of %llu bytes",
                    i, TensorName(t), static_cast<unsigned long long>(offset),
                    static_cast<unsigned long long>(tensor_bytes),
                    static_cast<unsigned long long>(arena_size));
      }
      // Kernels load whole elements: 4-byte ones at least, int64 at 8.
      const uint64_t alignment = DtypeBytes(t->type()) > 4 ? DtypeBytes(t->type()) : 4;
      if (offset % alignment != 0) {
        return Fail(msg, n, KITE_ERROR_MODEL_PLAN,
                    "tensor %" PRId32 " '%s': arena offset %llu is not a multiple of %llu", i,
                    TensorName(t), static_cast<unsigned long long>(offset),
                    static_cast<unsigned long long>(alignment));
      }
    } else if (t->arena_offset() == -1) {
      ++unplanned;
    } else {
      return Fail(msg, n, KITE_ERROR_MODEL_PLAN, "tensor %" PRId32 " '%s' has arena offset %lld", i,
                  TensorName(t), static_cast<long long>(t->arena_offset()));
    }
  }
  if (planned > 0 && (unplanned > 0 || plan == nullptr)) {
    return Fail(msg, n, KITE_ERROR_MODEL_PLAN,
                "memory plan is partial: %" PRId32 " activations have arena offsets, %" PRId32 " do not%s",
                planned, unplanned, plan == nullptr ? ", and there is no plan table" : "");
  }

  for (uint32_t i = 0; i < operators->size(); ++i) {
    const schema::Operator* op = operators->Get(i);
    if (op->outputs() == nullptr || op->outputs()->size() == 0) {
      return Fail(msg, n, KITE_ERROR_MODEL_INVALID, "operator %" PRId32 " has no outputs", i);
    }
    kite_status status = CheckIndices(op->inputs(), num_tensors, true, static_cast<int32_t>(i),
                                      "input", msg, n);
    if (status != KITE_OK) return status;
    status = CheckIndices(op->outputs(), num_tensors, false, static_cast<int32_t>(i), "output",
                          msg, n);
    if (status != KITE_OK) return status;
  }
  // A model without inputs (it computes from constants) is valid; one without
  // outputs is not.
  kite_status status = CheckSignature(model->inputs(), num_tensors, "input", true, msg, n);
  if (status != KITE_OK) return status;
  status = CheckSignature(model->outputs(), num_tensors, "output", false, msg, n);
  if (status != KITE_OK) return status;

  data_ = bytes;
  size_ = size;
  model_ = model;
  has_plan_ = planned > 0;
  planned_arena_size_ = arena_size;
  return KITE_OK;
}

}  // namespace kite

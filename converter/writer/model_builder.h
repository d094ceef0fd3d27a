// Building a .kite model op by op (schema object API).
#ifndef KITE_CONVERTER_WRITER_MODEL_BUILDER_H_
#define KITE_CONVERTER_WRITER_MODEL_BUILDER_H_

#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "writer/model_writer.h"

namespace kite {
namespace converter {

struct Quant {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t dimension = 0;
};

inline Quant PerTensor(float scale, int64_t zero_point) { return Quant{{scale}, {zero_point}, 0}; }

// Adds tensors, constants and operators to a schema::ModelT; the converter's
// lowering and the tests' single-op models both use it.
class ModelBuilder {
 public:
  ModelBuilder() { model_.buffers.push_back(std::make_unique<schema::BufferT>()); }

  int32_t Tensor(const std::string& name, schema::DataType type, std::vector<int32_t> shape,
                 const Quant& q = {}) {
    auto t = std::make_unique<schema::TensorT>();
    t->name = name;
    t->type = type;
    t->shape = std::move(shape);
    if (!q.scales.empty()) {
      t->quantization = std::make_unique<schema::QuantizationT>();
      t->quantization->scale = q.scales;
      t->quantization->zero_point = q.zero_points;
      t->quantization->quantized_dimension = q.dimension;
    }
    model_.tensors.push_back(std::move(t));
    return static_cast<int32_t>(model_.tensors.size() - 1);
  }

  int32_t Input(const std::string& name, schema::DataType type, std::vector<int32_t> shape,
                const Quant& q = {}) {
    const int32_t t = Tensor(name, type, std::move(shape), q);
    auto entry = std::make_unique<schema::SignatureEntryT>();
    entry->name = name;
    entry->tensor = t;
    model_.inputs.push_back(std::move(entry));
    return t;
  }

  void Output(int32_t t) {
    auto entry = std::make_unique<schema::SignatureEntryT>();
    entry->name = model_.tensors[t]->name;
    entry->tensor = t;
    model_.outputs.push_back(std::move(entry));
  }

  template <typename T>
  int32_t Constant(const std::string& name, schema::DataType type, std::vector<int32_t> shape,
                   const std::vector<T>& values, const Quant& q = {}) {
    const int32_t t = Tensor(name, type, std::move(shape), q);
    auto buffer = std::make_unique<schema::BufferT>();
    buffer->data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(buffer->data.data(), values.data(), buffer->data.size());
    model_.buffers.push_back(std::move(buffer));
    model_.tensors[t]->buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
    return t;
  }

  template <typename Options = std::nullptr_t>
  void Op(schema::OpCode opcode, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          Options options = nullptr, const std::string& source = "") {
    auto op = std::make_unique<schema::OperatorT>();
    op->opcode = opcode;
    op->inputs = std::move(inputs);
    op->outputs = std::move(outputs);
    if constexpr (!std::is_same<Options, std::nullptr_t>::value) op->options.Set(std::move(options));
    op->source_node = source.empty() ? std::string(schema::EnumNameOpCode(opcode)) : source;
    model_.operators.push_back(std::move(op));
  }

  schema::ModelT& model() { return model_; }

  // Plans memory offline (plan = true) or leaves the runtime to plan.
  std::vector<uint8_t> Build(bool plan = true) {
    if (plan) PlanMemory(model_);
    return SerializeModel(model_);
  }

 private:
  schema::ModelT model_;
};

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_WRITER_MODEL_BUILDER_H_

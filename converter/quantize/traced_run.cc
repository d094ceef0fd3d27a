#include "quantize/traced_run.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/quantization.h"
#include "executor/c_api_internal.h"

namespace kite {
namespace converter {

TracedRun::TracedRun(const std::vector<uint8_t>& model_bytes) {
  const size_t size = (model_bytes.size() + 63) / 64 * 64;
  bytes_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, size == 0 ? 64 : size)));
  if (!model_bytes.empty()) std::memcpy(bytes_.get(), model_bytes.data(), model_bytes.size());
  if (model_.Load(bytes_.get(), model_bytes.size()) != KITE_OK) {
    throw std::runtime_error(std::string("cannot load the model: ") + model_.error());
  }
  if (interpreter_.Create(model_, nullptr, 0) != KITE_OK || interpreter_.Prepare() != KITE_OK) {
    throw std::runtime_error(std::string("cannot prepare the model: ") + interpreter_.error());
  }
  const Interpreter& it = interpreter();
  for (int32_t i = 0; i < it.num_inputs(); ++i) {
    const Tensor& t = it.input_tensor(i);
    if (t.dtype != KITE_FLOAT32) throw std::runtime_error(std::string("input '") + it.input_name(i) + "' is not float32");
    InputInfo info;
    info.name = it.input_name(i);
    info.shape.assign(t.shape.dims, t.shape.dims + t.shape.rank);
    info.elements = static_cast<size_t>(t.elements());
    inputs_.push_back(std::move(info));
  }
}

void TracedRun::Free::operator()(uint8_t* p) const { std::free(p); }

const Interpreter& TracedRun::interpreter() const { return interpreter_.get()->impl; }
const schema::Model& TracedRun::model() const { return *model_.get()->model.fb(); }

void TracedRun::Run(const std::vector<std::vector<float>>& inputs, const std::function<void(int32_t)>& after_op,
                    const std::function<void(int32_t)>& before_op) {
  if (inputs.size() != inputs_.size()) throw std::runtime_error("wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].size() != inputs_[i].elements) {
      throw std::runtime_error("input '" + inputs_[i].name + "' has " + std::to_string(inputs[i].size()) +
                               " values, the model expects " + std::to_string(inputs_[i].elements));
    }
    if (interpreter_.SetInput(i, inputs[i].data(), inputs[i].size() * sizeof(float)) != KITE_OK) {
      throw std::runtime_error(std::string("set input: ") + interpreter_.error());
    }
  }
  Interpreter& it = interpreter_.get()->impl;
  after_op(-1);
  for (int32_t op = 0; op < it.num_nodes(); ++op) {
    if (before_op) before_op(op);
    it.InvokeNode(op);
    after_op(op);
  }
}

std::vector<float> TracedRun::TensorValues(int32_t tensor) const {
  const Tensor& t = interpreter().tensor(tensor);
  std::vector<float> out(static_cast<size_t>(t.elements()));
  for (size_t i = 0; i < out.size(); ++i) {
    switch (t.dtype) {
      case KITE_FLOAT32: out[i] = t.As<const float>()[i]; break;
      case KITE_INT8: out[i] = Dequantize(t.As<const int8_t>()[i], t.scale, t.zero_point); break;
      case KITE_INT32: out[i] = static_cast<float>(t.As<const int32_t>()[i]); break;
      case KITE_INT16: out[i] = DequantizeInt16(t.As<const int16_t>()[i], t.scale); break;
      case KITE_INT64: out[i] = static_cast<float>(t.As<const int64_t>()[i]); break;
    }
  }
  return out;
}

}  // namespace converter
}  // namespace kite

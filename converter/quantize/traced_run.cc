#include "quantize/traced_run.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/quantization.h"
#include "executor/c_api_internal.h"

namespace kite {
namespace converter {
namespace {

// A float32 sample as the bytes of an input of `dtype`: integers rounded to
// nearest and saturated, booleans x != 0.
std::vector<uint8_t> EncodeSample(const std::vector<float>& values, kite_dtype dtype) {
  std::vector<uint8_t> bytes(values.size() * DtypeSize(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = std::nearbyint(std::isnan(values[i]) ? 0.0 : static_cast<double>(values[i]));
    switch (dtype) {
      case KITE_FLOAT32: std::memcpy(&bytes[i * 4], &values[i], 4); break;
      case KITE_UINT8: bytes[i] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0)); break;
      case KITE_BOOL: bytes[i] = values[i] != 0.0f ? 1 : 0; break;
      case KITE_INT32: {
        const int32_t x = static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
        std::memcpy(&bytes[i * 4], &x, 4);
        break;
      }
      default: {  // int64
        const int64_t x = static_cast<int64_t>(std::clamp(v, -9.2e18, 9.2e18));
        std::memcpy(&bytes[i * 8], &x, 8);
        break;
      }
    }
  }
  return bytes;
}

}  // namespace

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
    if (t.dtype == KITE_INT8 || t.dtype == KITE_INT16) {
      throw std::runtime_error(std::string("input '") + it.input_name(i) + "' is already quantized");
    }
    InputInfo info;
    info.name = it.input_name(i);
    info.dtype = t.dtype;
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
    const std::vector<uint8_t> bytes = EncodeSample(inputs[i], inputs_[i].dtype);
    if (interpreter_.SetInput(i, bytes.data(), bytes.size()) != KITE_OK) {
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
      case KITE_UINT8: out[i] = t.As<const uint8_t>()[i]; break;
      case KITE_BOOL: out[i] = t.As<const uint8_t>()[i] != 0 ? 1.0f : 0.0f; break;
    }
  }
  return out;
}

}  // namespace converter
}  // namespace kite

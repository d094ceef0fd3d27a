// Runs a .kite model one operator at a time and shows every tensor between
// operators: calibration observes activations through it, `kite compare`
// reads each layer's output.
#ifndef KITE_CONVERTER_QUANTIZE_TRACED_RUN_H_
#define KITE_CONVERTER_QUANTIZE_TRACED_RUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "executor/interpreter.h"
#include "kite/kite.hpp"

namespace kite {
namespace converter {

struct InputInfo {
  std::string name;
  std::vector<int64_t> shape;
  size_t elements = 0;
  // Samples are float32; an input of another dtype (uint8 camera frames,
  // integer ids, bool masks) takes them rounded to it.
  kite_dtype dtype = KITE_FLOAT32;
};

class TracedRun {
 public:
  // Copies `model_bytes` to aligned memory, loads and prepares it. Throws
  // std::runtime_error with the runtime's message when that fails.
  explicit TracedRun(const std::vector<uint8_t>& model_bytes);

  const std::vector<InputInfo>& inputs() const { return inputs_; }
  const Interpreter& interpreter() const;
  const schema::Model& model() const;

  // Sets the float inputs (in model input order, each inputs()[i].elements
  // long) and runs every operator; `after_op(i)` is called after operator i
  // while its outputs are valid. Graph inputs are valid before op 0, when
  // `after_op(-1)` is called. `before_op(i)` may overwrite operator i's
  // inputs (tests feed another engine's values to check one kernel alone).
  void Run(const std::vector<std::vector<float>>& inputs, const std::function<void(int32_t)>& after_op,
           const std::function<void(int32_t)>& before_op = nullptr);

  // A tensor's values as floats (int8 dequantized, int32 converted).
  std::vector<float> TensorValues(int32_t tensor) const;

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> bytes_;  // declared first: outlives the handles
  ModelHandle model_;
  InterpreterHandle interpreter_;
  std::vector<InputInfo> inputs_;
};

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_TRACED_RUN_H_

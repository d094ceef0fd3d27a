#include "quantize/calibrate.h"

#include <algorithm>

namespace kite {
namespace converter {

std::vector<RangeObserver> Calibrate(const std::vector<uint8_t>& model_bytes, const CalibrationData& data,
                                     const std::function<void(size_t, size_t)>& progress, size_t max_samples) {
  TracedRun run(model_bytes);
  const Interpreter& it = run.interpreter();
  std::vector<RangeObserver> observers(static_cast<size_t>(it.num_tensors()));
  const auto observe = [&](int32_t t) {
    const Tensor& tensor = it.tensor(t);
    if (tensor.dtype == KITE_FLOAT32 && !tensor.is_constant) {
      observers[t].Add(tensor.As<const float>(), static_cast<size_t>(tensor.elements()));
      if (tensor.shape.rank > 0) {
        observers[t].AddChannelMeans(tensor.As<const float>(), static_cast<size_t>(tensor.elements()),
                                     static_cast<size_t>(tensor.shape.dims[tensor.shape.rank - 1]));
      }
    }
  };
  const size_t total = max_samples == 0 ? data.size() : std::min(max_samples, data.size());
  for (size_t s = 0; s < total; ++s) {
    run.Run(data.Sample(s), [&](int32_t op) {
      if (op < 0) {
        for (int32_t i = 0; i < it.num_inputs(); ++i) observe(run.model().inputs()->Get(i)->tensor());
        return;
      }
      const Node& node = it.node(op);
      for (int32_t o = 0; o < node.num_outputs; ++o) observe(node.outputs[o]);
    });
    if (progress) progress(s + 1, total);
  }
  return observers;
}

}  // namespace converter
}  // namespace kite

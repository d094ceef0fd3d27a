#include "quantize/calibrate.h"

#include <algorithm>

namespace kite {
namespace converter {

std::vector<RangeObserver> Calibrate(const std::vector<uint8_t>& model_bytes, const CalibrationData& data,
                                     const std::function<void(size_t, size_t)>& progress, size_t max_samples,
                                     std::vector<TapMoments>* moments) {
  TracedRun run(model_bytes);
  const Interpreter& it = run.interpreter();
  const schema::Model& model = run.model();
  if (moments != nullptr) moments->assign(model.operators()->size(), TapMoments{});
  // A conv's or FC's input, before it runs (the planner may give its
  // output the input's bytes afterwards).
  const auto observe_taps = [&](int32_t i) {
    const schema::Operator* op = model.operators()->Get(i);
    if (op->inputs()->size() < 2) return;
    const Tensor& x = it.tensor(op->inputs()->Get(0));
    const Tensor& w = it.tensor(op->inputs()->Get(1));
    if (x.dtype != KITE_FLOAT32 || x.shape.rank < 1 || w.dtype != KITE_FLOAT32 || !w.is_constant) return;
    const int32_t channels = x.shape.dims[x.shape.rank - 1];
    const float* bias = nullptr;
    if (op->inputs()->size() > 2 && op->inputs()->Get(2) >= 0) bias = it.tensor(op->inputs()->Get(2)).As<const float>();
    if (op->opcode() == schema::OpCode_FULLY_CONNECTED) {
      const schema::FullyConnectedOptions* fc = op->options_as_FullyConnectedOptions();
      if (fc != nullptr && w.shape.rank == 2 && w.shape.dims[1] == channels) {
        AddDenseMoments(nullptr, x.As<const float>(), x.shape.dims, x.shape.rank, w.As<const float>(), w.shape.dims[0], 1, 1,
                        bias, fc->activation_min(), fc->activation_max(), &(*moments)[i]);
      }
      return;
    }
    const schema::Conv2DOptions* o = op->options_as_Conv2DOptions();
    if (op->opcode() != schema::OpCode_CONV_2D || o == nullptr || x.shape.rank != 4 || w.shape.rank != 4) return;
    if (o->groups() == 1 && w.shape.dims[3] == channels) {
      AddDenseMoments(o, x.As<const float>(), x.shape.dims, 4, w.As<const float>(), w.shape.dims[0], w.shape.dims[1],
                      w.shape.dims[2], bias, o->activation_min(), o->activation_max(), &(*moments)[i]);
      return;
    }
    if (o->groups() != channels || w.shape.dims[0] != channels || w.shape.dims[3] != 1) return;
    AddDepthwiseMoments(*o, x.As<const float>(), x.shape.dims, w.As<const float>(), w.shape.dims[1], w.shape.dims[2], bias,
                        &(*moments)[i]);
  };
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
    }, [&](int32_t op) {
      if (moments != nullptr) observe_taps(op);
    });
    if (progress) progress(s + 1, total);
  }
  return observers;
}

}  // namespace converter
}  // namespace kite

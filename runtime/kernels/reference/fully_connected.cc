// FullyConnected: input [..., in], weights [out, in], optional bias [out],
// output [..., out]. MatMul with a constant right-hand side becomes this op.
#include <inttypes.h>
#include <math.h>

#include "kernels/conv_params.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

constexpr int32_t kInput = 0;
constexpr int32_t kWeights = 1;
constexpr int32_t kBias = 2;

struct FullyConnectedState {
  OutputTransform transform;
};

void InvokeFloat(const Node& node, const Tensor* tensors) {
  const OutputTransform& t = static_cast<const FullyConnectedState*>(node.state)->transform;
  const Tensor& x = node.input(tensors, kInput);
  const Tensor& w = node.input(tensors, kWeights);
  const float* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<float>() : nullptr;
  const int32_t out_c = w.shape.dims[0], in_c = w.shape.dims[1];
  const int64_t rows = x.elements() / in_c;
  const float* in = x.As<float>();
  const float* weights = w.As<float>();
  float* out = node.output(tensors, 0).As<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int32_t o = 0; o < out_c; ++o) {
      float acc = 0.0f;
      for (int32_t i = 0; i < in_c; ++i) acc += in[r * in_c + i] * weights[int64_t{o} * in_c + i];
      out[r * out_c + o] = FinishFloat(t, acc, bias, o);
    }
  }
}

// The integer paths: Acc accumulates Product(x, w) (zero point removed) per
// output; Finish adds the bias (int32, 16x8: int64) and requantizes.
template <typename T, typename W, typename Acc, typename Bias, typename Product, typename Finish>
void QuantizedLoop(const Node& node, const Tensor* tensors, Product product, Finish finish) {
  const OutputTransform& t = static_cast<const FullyConnectedState*>(node.state)->transform;
  const Tensor& x = node.input(tensors, kInput);
  const Tensor& w = node.input(tensors, kWeights);
  const Bias* bias = node.has_input(kBias) ? node.input(tensors, kBias).As<Bias>() : nullptr;
  const int32_t out_c = w.shape.dims[0], in_c = w.shape.dims[1];
  const int64_t rows = x.elements() / in_c;
  const T* in = x.As<T>();
  const W* weights = w.As<W>();
  T* out = node.output(tensors, 0).As<T>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int32_t o = 0; o < out_c; ++o) {
      Acc acc = 0;
      for (int32_t i = 0; i < in_c; ++i) acc += product(in[r * in_c + i], weights[int64_t{o} * in_c + i]);
      out[r * out_c + o] = finish(t, acc, bias, o);
    }
  }
}

void InvokeInt8(const Node& node, const Tensor* tensors) {
  const int32_t zero_point = node.input(tensors, kInput).zero_point;
  QuantizedLoop<int8_t, int8_t, int32_t, int32_t>(
      node, tensors, [zero_point](int8_t x, int8_t w) { return (int32_t{x} - zero_point) * int32_t{w}; }, FinishInt8);
}

template <typename W>
void InvokeInt16(const Node& node, const Tensor* tensors) {
  QuantizedLoop<int16_t, W, int64_t, int64_t>(
      node, tensors, [](int16_t x, W w) { return int64_t{x} * w; }, FinishInt16);
}

}  // namespace

kite_status CheckFullyConnected(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 2, 4, 1));
  const auto* o = ctx.options<schema::FullyConnectedOptions>();
  const float act_min = o != nullptr ? o->activation_min() : -INFINITY;
  const float act_max = o != nullptr ? o->activation_max() : INFINITY;
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  KITE_RETURN_IF_ERROR(CheckRank(ctx, w, 2, "weights"));
  KITE_RETURN_IF_ERROR(CheckPackedWeightsInput(ctx));
  if (x.shape.rank < 1) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "input is a scalar, expected rank >= 1");
  const int32_t out_c = w.shape.dims[0], in_c = w.shape.dims[1];
  if (x.shape.dims[x.shape.rank - 1] != in_c) {
    return ctx.Fail(KITE_ERROR_MODEL_INVALID, "input's last dimension %" PRId32 " differs from weights' %" PRId32,
                    x.shape.dims[x.shape.rank - 1], in_c);
  }
  if (x.dtype == KITE_INT8 && in_c > 65536) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "more than 65536 inputs overflow int32");
  }
  Shape expected = x.shape;
  expected.dims[expected.rank - 1] = out_c;
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  return CheckConvQuantization(ctx, x, w, bias, y, out_c, act_min, act_max);
}

kite_status PrepareFullyConnected(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckFullyConnected(ctx));
  const auto* o = ctx.options<schema::FullyConnectedOptions>();
  const float act_min = o != nullptr ? o->activation_min() : -INFINITY;
  const float act_max = o != nullptr ? o->activation_max() : INFINITY;
  const Tensor& x = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  const Tensor* bias = ctx.node().has_input(kBias) ? &ctx.input(kBias) : nullptr;
  const Tensor& y = ctx.output(0);
  const int32_t out_c = w.shape.dims[0];
  FullyConnectedState* s = ctx.AllocateState<FullyConnectedState>();
  if (s == nullptr) return ctx.OutOfArena();
  KITE_RETURN_IF_ERROR(
      PrepareOutputTransform(ctx, x, w, bias, y, out_c, act_min, act_max, &s->transform));
  Node& node = ctx.node();
  node.state = s;
  switch (x.dtype) {
    case KITE_INT8:
      node.invoke = InvokeInt8;
      node.kernel_name = "reference/fully_connected_int8";
      break;
    case KITE_INT16:
      node.invoke = w.dtype == KITE_INT16 ? InvokeInt16<int16_t> : InvokeInt16<int8_t>;
      node.kernel_name = w.dtype == KITE_INT16 ? "reference/fully_connected_16x16" : "reference/fully_connected_16x8";
      break;
    default:
      node.invoke = InvokeFloat;
      node.kernel_name = "reference/fully_connected_float32";
  }
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

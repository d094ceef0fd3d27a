// int8 Softmax along a long axis (a classifier's or a CTC decoder's
// vocabulary). The reference dequantizes, takes expf(x - max) twice per
// element and quantizes. An int8 row has at most 256 distinct inputs, so
// this kernel evaluates expf(x - max) once per code into a table, sums the
// table's values in the reference's element order (the same float additions,
// so the same sum) and maps each code through a second table of quantized
// results: bit-exact, with 256 expf per row instead of two per element.
#include <math.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

// Below this axis length the reference's 2 * axis expf calls are fewer than
// the table's 256.
constexpr int64_t kMinAxis = 128;

struct SoftmaxInt8State {
  int64_t outer, axis, inner;
  float x_scale, y_scale;
  int32_t x_zero_point, y_zero_point;
};

void Invoke(const Node& node, const Tensor* tensors) {
  const SoftmaxInt8State& s = *static_cast<const SoftmaxInt8State*>(node.state);
  const int8_t* in = node.input(tensors, 0).As<int8_t>();
  int8_t* out = node.output(tensors, 0).As<int8_t>();
  float exp_of[256];
  int8_t result_of[256];
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const int8_t* x = in + o * s.axis * s.inner + i;
      int8_t* y = out + o * s.axis * s.inner + i;
      int32_t qmax = kInt8Min;
      for (int64_t a = 0; a < s.axis; ++a) qmax = x[a * s.inner] > qmax ? x[a * s.inner] : qmax;
      // Dequantization is monotonic: the largest code gives the reference's max.
      const float max = Dequantize(static_cast<int8_t>(qmax), s.x_scale, s.x_zero_point);
      for (int32_t q = kInt8Min; q <= qmax; ++q) {
        exp_of[q + 128] = expf(Dequantize(static_cast<int8_t>(q), s.x_scale, s.x_zero_point) - max);
      }
      float sum = 0.0f;
      for (int64_t a = 0; a < s.axis; ++a) sum += exp_of[x[a * s.inner] + 128];
      for (int32_t q = kInt8Min; q <= qmax; ++q) {
        result_of[q + 128] = QuantizeToInt8(exp_of[q + 128] / sum, s.y_scale, s.y_zero_point);
      }
      for (int64_t a = 0; a < s.axis; ++a) y[a * s.inner] = result_of[x[a * s.inner] + 128];
    }
  }
}

}  // namespace

kite_status PrepareSoftmaxInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareSoftmax(ctx));
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (x.dtype != KITE_INT8) return KITE_OK;
  const auto* o = ctx.options<schema::SoftmaxOptions>();
  const int32_t rank = x.shape.rank;
  const int32_t axis_option = o != nullptr ? o->axis() : -1;
  const int32_t axis = axis_option < 0 ? axis_option + rank : axis_option;  // checked by the reference
  if (x.shape.dims[axis] < kMinAxis) {
    ctx.Decline("Kite's int8 softmax: an axis this short is faster in the reference");
    return KITE_OK;
  }
  SoftmaxInt8State* s = ctx.AllocateState<SoftmaxInt8State>();
  if (s == nullptr) return ctx.OutOfArena();
  *s = SoftmaxInt8State{1, x.shape.dims[axis], 1, x.scale, y.scale, x.zero_point, y.zero_point};
  for (int32_t d = 0; d < axis; ++d) s->outer *= x.shape.dims[d];
  for (int32_t d = axis + 1; d < rank; ++d) s->inner *= x.shape.dims[d];
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "optimized/softmax_int8_table";
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

// Where: y = condition ? x : z, the three broadcast numpy-style (ONNX Where).
// The condition is float32, nonzero meaning true (Kite computes booleans as
// 0 and 1); x and z are float32.
#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace reference {
namespace {

struct WhereState {
  int32_t dims[KITE_MAX_RANK];
  int64_t strides[3][KITE_MAX_RANK];  // condition, x, z; 0 where broadcast
};

void Invoke(const Node& node, const Tensor* tensors) {
  const WhereState& s = *static_cast<const WhereState*>(node.state);
  const float* c = node.input(tensors, 0).As<float>();
  const float* x = node.input(tensors, 1).As<float>();
  const float* z = node.input(tensors, 2).As<float>();
  float* y = node.output(tensors, 0).As<float>();
  int32_t idx[KITE_MAX_RANK] = {};
  const int64_t n = node.output(tensors, 0).elements();
  int64_t off[3] = {0, 0, 0};
  for (int64_t o = 0; o < n; ++o) {
    y[o] = c[off[0]] != 0.0f ? x[off[1]] : z[off[2]];
    // Odometer step over the output's index, moving each input's offset.
    for (int32_t d = KITE_MAX_RANK - 1; d >= 0; --d) {
      for (int k = 0; k < 3; ++k) off[k] += s.strides[k][d];
      if (++idx[d] < s.dims[d]) break;
      for (int k = 0; k < 3; ++k) off[k] -= s.strides[k][d] * s.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

kite_status PrepareWhere(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 3, 3, 1));
  const Tensor& y = ctx.output(0);
  Shape expected = ctx.input(0).shape;
  for (int32_t i = 0; i < 3; ++i) {
    const Tensor& t = ctx.input(i);
    KITE_RETURN_IF_ERROR(CheckDtype(ctx, t, KITE_FLOAT32, i == 0 ? "condition" : "input"));
    Shape next;
    if (!BroadcastShapes(expected, t.shape, &next)) {
      char sa[96], sb[96];
      return ctx.Fail(KITE_ERROR_MODEL_INVALID, "shapes %s and %s do not broadcast",
                      FormatShape(expected, sa, sizeof(sa)), FormatShape(t.shape, sb, sizeof(sb)));
    }
    expected = next;
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, KITE_FLOAT32, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, expected, "output"));
  WhereState* s = ctx.AllocateState<WhereState>();
  if (s == nullptr) return ctx.OutOfArena();
  PadToMaxRank(y.shape, s->dims);
  for (int32_t i = 0; i < 3; ++i) DenseStrides(ctx.input(i).shape, s->strides[i]);
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = "reference/where";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

// Trilu: the upper or lower triangle of the last two dimensions [M, N], the
// rest zero. int8 and int16 move codes (input and output share quantization,
// so zero is the zero point).
#include <inttypes.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace reference {
namespace {

struct TriluState {
  int64_t batch, rows, cols, k;
  bool upper;
};

template <typename T>
void Invoke(const Node& node, const Tensor* tensors) {
  const TriluState& s = *static_cast<const TriluState*>(node.state);
  const Tensor& x = node.input(tensors, 0);
  const T* in = x.As<T>();
  T* out = node.output(tensors, 0).As<T>();
  const T zero = static_cast<T>(x.dtype == KITE_FLOAT32 ? 0 : x.zero_point);
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t i = 0; i < s.rows; ++i) {
      const int64_t row = (b * s.rows + i) * s.cols;
      for (int64_t j = 0; j < s.cols; ++j) {
        const bool keep = s.upper ? j - i >= s.k : j - i <= s.k;
        out[row + j] = keep ? in[row + j] : zero;
      }
    }
  }
}

}  // namespace

kite_status PrepareTrilu(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(CheckArity(ctx, 1, 1, 1));
  const auto* o = ctx.options<schema::TriluOptions>();
  if (o == nullptr) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "TriluOptions are missing");
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  if (x.shape.rank < 2) return ctx.Fail(KITE_ERROR_MODEL_INVALID, "input must have rank 2 or more");
  if (x.dtype != KITE_FLOAT32 && x.dtype != KITE_INT8 && x.dtype != KITE_INT16) {
    return ctx.Fail(KITE_ERROR_MODEL_UNSUPPORTED, "input must be float32, int8 or int16");
  }
  KITE_RETURN_IF_ERROR(CheckDtype(ctx, y, x.dtype, "output"));
  KITE_RETURN_IF_ERROR(CheckShapeEquals(ctx, y, x.shape, "output"));
  KITE_RETURN_IF_ERROR(CheckPerTensor(ctx, x, "input"));
  if (x.dtype != KITE_FLOAT32) KITE_RETURN_IF_ERROR(CheckSameQuantization(ctx, x, y));
  TriluState* s = ctx.AllocateState<TriluState>();
  if (s == nullptr) return ctx.OutOfArena();
  int64_t inner;
  SplitAroundAxis(x.shape, x.shape.rank - 2, &s->batch, &s->rows, &inner);
  s->cols = inner;
  s->k = o->k();
  s->upper = o->upper();
  Node& node = ctx.node();
  node.state = s;
  node.invoke = x.dtype == KITE_FLOAT32 ? Invoke<float> : x.dtype == KITE_INT8 ? Invoke<int8_t> : Invoke<int16_t>;
  node.kernel_name = "reference/trilu";
  return KITE_OK;
}

}  // namespace reference
}  // namespace kite

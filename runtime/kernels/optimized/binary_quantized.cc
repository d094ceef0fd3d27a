// int8 and int16 (16x8) Add, Sub and Mul with numpy broadcasting. The broadcast is collapsed
// at prepare into an innermost run in which each input either advances (a
// tensor) or stays (a broadcast scalar), and up to five outer dimensions
// that only move the run's start: per-channel affine ops (a BatchNorm left as
// Mul + Add) and per-tensor scalars become long loops the compiler vectorizes.
// The float formulas are the reference's (kernels/reference/binary.cc), in the
// same order; the only change is rounding by the 1.5 * 2^23 addition, which
// equals lrintf on the clamped range. int16 has zero points 0 and Mul's
// product of two int16 values fits int32. Div stays the reference's (a zero
// divisor makes infinities and NaN, which this clamp does not order the
// reference's way).
#include <string.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/int8/lut.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/strided_copy.h"

namespace kite {
namespace optimized {
namespace {

constexpr int32_t kOuterRank = KITE_MAX_RANK - 1;

template <typename T>
struct BinaryState {
  int32_t za, zb, zo;
  float ra, rb;  // Add/Sub: sa / so and (+/-) sb / so; Mul: ra = sa * sb / so
  float lo, hi;  // the clamp, in units of the output scale, zero point removed
  int64_t run;   // innermost elements
  int32_t outer[kOuterRank];  // outer dimensions, outermost first
  int64_t a_outer[kOuterRank], b_outer[kOuterRank];  // input steps per outer index
  void (*run_fn)(const BinaryState& s, const T* a, const T* b, T* y);
  // Per-channel operands (short runs, one input standing still across rows,
  // the other contiguous): the standing input is repeated `tile_rows` times
  // into `tile`, and rows are processed in long chunks against it.
  T* tile;
  int32_t tile_rows;
  bool tile_a;  // the standing input is a (else b)
  bool mul;
  // int8: a constant scalar operand makes the op a function of the other input's
  // 256 codes: `table` holds Run's own result for each, `lookup` reads it.
  const int8_t* table;
  int8::LutFn lookup;
  bool table_a;  // the input looked up is a (else b)
};

// RoundClampInt8's rounding for either type: `v` clamped to [lo, hi] (NaN to
// lo), rounded to nearest even, the zero point added.
template <typename T>
inline T RoundClamp(float v, float lo, float hi, int32_t zero_point) {
  constexpr float kRoundMagic = 12582912.0f;
  v = v >= lo ? v : lo;
  v = v > hi ? hi : v;
  return static_cast<T>(static_cast<int32_t>((v + kRoundMagic) - kRoundMagic) + zero_point);
}

// The innermost run, repeated along the innermost outer dimension (so a
// per-channel op's short runs do not pay a call each). kA/kB: whether that
// input advances along the run.
template <typename T, bool kMul, bool kA, bool kB>
KITE_VECTOR_CLONES void Run(const BinaryState<T>& s, const T* a, const T* b, T* y) {
  // Locals: a store through the output may alias the state (int8_t may alias
  // anything).
  const int32_t za = s.za, zb = s.zb, zo = s.zo;
  const float ra = s.ra, rb = s.rb, lo = s.lo, hi = s.hi;
  const int64_t n = s.run, a_step = s.a_outer[kOuterRank - 1], b_step = s.b_outer[kOuterRank - 1];
  const int32_t rows = s.outer[kOuterRank - 1];
  for (int32_t r = 0; r < rows; ++r, a += a_step, b += b_step, y += n) {
    for (int64_t i = 0; i < n; ++i) {
      const int32_t qa = static_cast<int32_t>(a[kA ? i : 0]) - za;
      const int32_t qb = static_cast<int32_t>(b[kB ? i : 0]) - zb;
      const float v = kMul ? static_cast<float>(qa * qb) * ra : static_cast<float>(qa) * ra + static_cast<float>(qb) * rb;
      y[i] = RoundClamp<T>(v, lo, hi, zo);
    }
  }
}

// `n` elements of the contiguous input x against `t`, which restarts every
// `chunk` elements. Add and Sub are a * ra + b * rb, and the float sum of two
// products does not depend on their order; Mul's product is an exact integer:
// so x may be either input.
template <typename T, bool kMul>
KITE_VECTOR_CLONES void RunTiled(const BinaryState<T>& s, const T* x, const T* t, T* y, int64_t n, int64_t chunk) {
  const int32_t zx = s.tile_a ? s.zb : s.za, zt = s.tile_a ? s.za : s.zb, zo = s.zo;
  const float rx = s.tile_a ? s.rb : s.ra, rt = s.tile_a ? s.ra : s.rb, lo = s.lo, hi = s.hi;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t len = n - start < chunk ? n - start : chunk;
    const T* xs = x + start;
    T* ys = y + start;
    for (int64_t i = 0; i < len; ++i) {
      const int32_t qx = static_cast<int32_t>(xs[i]) - zx;
      const int32_t qt = static_cast<int32_t>(t[i]) - zt;
      const float v = kMul ? static_cast<float>(qx * qt) * s.ra : static_cast<float>(qx) * rx + static_cast<float>(qt) * rt;
      ys[i] = RoundClamp<T>(v, lo, hi, zo);
    }
  }
}

template <typename T>
void LookUp(const BinaryState<T>&, const T*, const T*, T*, int64_t) {}
void LookUp(const BinaryState<int8_t>& s, const int8_t* a, const int8_t* b, int8_t* y, int64_t n) {
  s.lookup(static_cast<size_t>(n), s.table_a ? a : b, s.table, y);
}

template <typename T>
void Invoke(const Node& node, const Tensor* tensors) {
  const BinaryState<T>& s = *static_cast<const BinaryState<T>*>(node.state);
  const T* a = node.input(tensors, 0).As<T>();
  const T* b = node.input(tensors, 1).As<T>();
  const Tensor& out = node.output(tensors, 0);
  T* y = out.As<T>();
  if (s.table != nullptr) {
    LookUp(s, a, b, y, out.elements());
    return;
  }
  const int64_t block = s.run * s.outer[kOuterRank - 1];  // what one Run call writes
  constexpr int32_t kLoops = kOuterRank - 1;  // the dimensions outside Run
  int32_t index[kLoops] = {};
  for (;;) {
    int64_t ao = 0, bo = 0;
    for (int32_t d = 0; d < kLoops; ++d) {
      ao += index[d] * s.a_outer[d];
      bo += index[d] * s.b_outer[d];
    }
    if (s.tile != nullptr) {
      const T* standing = s.tile_a ? a + ao : b + bo;
      for (int32_t r = 0; r < s.tile_rows; ++r) {
        memcpy(s.tile + r * s.run, standing, static_cast<size_t>(s.run) * sizeof(T));
      }
      const T* moving = s.tile_a ? b + bo : a + ao;
      if (s.mul) {
        RunTiled<T, true>(s, moving, s.tile, y, block, s.run * s.tile_rows);
      } else {
        RunTiled<T, false>(s, moving, s.tile, y, block, s.run * s.tile_rows);
      }
    } else {
      s.run_fn(s, a + ao, b + bo, y);
    }
    y += block;
    int32_t d = kLoops - 1;
    while (d >= 0 && ++index[d] == s.outer[d]) index[d--] = 0;
    if (d < 0) return;
  }
}

template <typename T, bool kMul>
auto PickRun(bool a_moves, bool b_moves) {
  if (a_moves && b_moves) return Run<T, kMul, true, true>;
  return a_moves ? Run<T, kMul, true, false> : Run<T, kMul, false, true>;
}

// An op of a tensor and a constant scalar, in the optimized set on a CPU with
// a SIMD table lookup: its table is the op's own Run over the 256 codes (the
// same float operations, so the same bytes), looked up per element.
kite_status UseTable(PrepareContext& ctx, BinaryState<int8_t>* s) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const int64_t n = ctx.output(0).elements();
  const bool a_scalar = a.is_constant && a.elements() == 1 && b.elements() == n;
  const bool b_scalar = b.is_constant && b.elements() == 1 && a.elements() == n;
  const int8::Lut* lut = int8::BestLut();
  if (!(a_scalar || b_scalar) || ctx.kernels() != KernelSet::kOptimized || !lut->simd) return KITE_OK;
  int8_t* table = ctx.AllocateArray<int8_t>(256);
  if (table == nullptr) return ctx.OutOfArena();
  int8_t codes[256];
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<int8_t>(static_cast<uint8_t>(i));
  BinaryState<int8_t> row = *s;  // one run of the 256 codes against the scalar
  row.run = 256;
  for (int32_t d = 0; d < kOuterRank; ++d) row.outer[d] = 1;
  if (b_scalar) {
    (s->mul ? Run<int8_t, true, true, false> : Run<int8_t, false, true, false>)(row, codes, b.As<const int8_t>(), table);
  } else {
    (s->mul ? Run<int8_t, true, false, true> : Run<int8_t, false, false, true>)(row, a.As<const int8_t>(), codes, table);
  }
  s->table = table;
  s->lookup = lut->fn;
  s->table_a = b_scalar;
  s->tile = nullptr;
  return KITE_OK;
}

// The shared prepare: the broadcast collapsed into runs, the ratios and the
// clamp, and the node's invoke.
template <typename T>
kite_status PrepareRuns(PrepareContext& ctx, BinaryState<T>** state) {
  *state = nullptr;
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  const auto opcode = ctx.node().op->opcode();
  const bool mul = opcode == schema::OpCode_MUL;
  // Output dims and broadcast strides (0 where an input has size 1), then the
  // dims of size 1 dropped and neighbours merged while both inputs keep one
  // pattern (both advancing contiguously, or one standing still).
  int32_t dims[KITE_MAX_RANK];
  int64_t as[KITE_MAX_RANK], bs[KITE_MAX_RANK];
  PadToMaxRank(y.shape, dims);
  DenseStrides(a.shape, as);
  DenseStrides(b.shape, bs);
  int32_t merged = 0;
  int64_t md[KITE_MAX_RANK], ma[KITE_MAX_RANK], mb[KITE_MAX_RANK];  // innermost first
  for (int32_t i = KITE_MAX_RANK - 1; i >= 0; --i) {
    if (dims[i] == 1) continue;
    if (merged > 0) {
      const int32_t m = merged - 1;
      const bool a_fits = as[i] == 0 ? ma[m] == 0 : ma[m] != 0 && as[i] == ma[m] * md[m];
      const bool b_fits = bs[i] == 0 ? mb[m] == 0 : mb[m] != 0 && bs[i] == mb[m] * md[m];
      if (a_fits && b_fits) {
        md[m] *= dims[i];
        continue;
      }
    }
    md[merged] = dims[i];
    ma[merged] = as[i];
    mb[merged] = bs[i];
    ++merged;
  }
  if (merged == 0) {  // a single element
    md[0] = 1;
    ma[0] = mb[0] = 1;
    merged = 1;
  }
  BinaryState<T>* s = ctx.AllocateState<BinaryState<T>>();
  if (s == nullptr) return ctx.OutOfArena();
  const auto* o = ctx.options<schema::BinaryOptions>();
  const float act_min = o != nullptr ? o->activation_min() : -INFINITY;
  const float act_max = o != nullptr ? o->activation_max() : INFINITY;
  const QuantizedRange range = sizeof(T) == 1 ? QuantizedActivationRange(act_min, act_max, y.scale, y.zero_point)
                                              : QuantizedActivationRangeInt16(act_min, act_max, y.scale);
  s->za = a.zero_point;
  s->zb = b.zero_point;
  s->zo = y.zero_point;
  // The reference computes Sub as a * ra - b * rb; a * ra + b * (-rb) is the
  // same float result (negation is exact).
  const float rb = b.scale / y.scale;
  s->ra = mul ? a.scale * b.scale / y.scale : a.scale / y.scale;
  s->rb = opcode == schema::OpCode_SUB ? -rb : rb;
  s->lo = static_cast<float>(range.min - y.zero_point);
  s->hi = static_cast<float>(range.max - y.zero_point);
  s->run = md[0];
  for (int32_t d = 0; d < kOuterRank; ++d) {
    const int32_t m = kOuterRank - d;  // merged index of outer slot d
    const bool used = m < merged;
    s->outer[d] = used ? static_cast<int32_t>(md[m]) : 1;
    s->a_outer[d] = used ? ma[m] : 0;
    s->b_outer[d] = used ? mb[m] : 0;
  }
  const bool a_moves = ma[0] != 0, b_moves = mb[0] != 0;
  s->run_fn = mul ? PickRun<T, true>(a_moves, b_moves) : PickRun<T, false>(a_moves, b_moves);
  s->mul = mul;
  // Short runs of a per-channel operand: tile it (a few hundred elements).
  constexpr int64_t kShortRun = 128;
  if (merged >= 2 && a_moves && b_moves && md[0] < kShortRun) {
    const bool b_stands = mb[1] == 0 && ma[1] == md[0];
    const bool a_stands = ma[1] == 0 && mb[1] == md[0];
    if (a_stands || b_stands) {
      s->tile_rows = static_cast<int32_t>((kShortRun * 4 + md[0] - 1) / md[0]);
      s->tile = ctx.AllocateArray<T>(static_cast<size_t>(s->tile_rows * md[0]));
      if (s->tile == nullptr) return ctx.OutOfArena();
      s->tile_a = a_stands;
    }
  }
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke<T>;
  *state = s;
  return KITE_OK;
}

// Add, Sub and Mul of a nonempty output; others declined with `what`.
bool Handles(PrepareContext& ctx, kite_dtype dtype, const char* what) {
  const auto opcode = ctx.node().op->opcode();
  if (ctx.input(0).dtype == dtype && ctx.output(0).elements() > 0 &&
      (opcode == schema::OpCode_ADD || opcode == schema::OpCode_SUB || opcode == schema::OpCode_MUL)) {
    return true;
  }
  ctx.Decline(what);
  return false;
}

const char* KernelName(schema::OpCode opcode, const char* mul, const char* add, const char* sub) {
  return opcode == schema::OpCode_MUL ? mul : opcode == schema::OpCode_ADD ? add : sub;
}

}  // namespace

kite_status PrepareBinaryInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareBinary(ctx));
  if (!Handles(ctx, KITE_INT8, "Kite's int8 element-wise kernel: Add, Sub and Mul only")) return KITE_OK;
  BinaryState<int8_t>* s;
  KITE_RETURN_IF_ERROR(PrepareRuns(ctx, &s));
  KITE_RETURN_IF_ERROR(UseTable(ctx, s));
  const auto opcode = ctx.node().op->opcode();
  ctx.node().kernel_name =
      s->table != nullptr
          ? KernelName(opcode, "optimized/mul_int8_table", "optimized/add_int8_table", "optimized/sub_int8_table")
          : KernelName(opcode, "optimized/mul_int8", "optimized/add_int8", "optimized/sub_int8");
  return KITE_OK;
}

kite_status PrepareBinaryInt16(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareBinary(ctx));
  if (!Handles(ctx, KITE_INT16, "Kite's int16 element-wise kernel: Add, Sub and Mul only")) return KITE_OK;
  BinaryState<int16_t>* s;
  KITE_RETURN_IF_ERROR(PrepareRuns(ctx, &s));
  ctx.node().kernel_name =
      KernelName(ctx.node().op->opcode(), "optimized/mul_int16", "optimized/add_int16", "optimized/sub_int16");
  return KITE_OK;
}

}  // namespace optimized
}  // namespace kite

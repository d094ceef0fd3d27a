// int8 Concat and Split whose pieces need requantizing (quantization differs
// between a piece and the joined tensor): the reference's runs and formula,
// out = RoundClampToInt8((q - z_in) * (s_in / s_out), z_out), as a loop the
// compiler vectorizes (rounding by the 1.5 * 2^23 addition), run once at
// prepare over the 256 codes into a table per piece; each run is then a
// table lookup (SIMD in the optimized set), so a channel Concat's short runs
// (24 bytes per pixel in PP-OCR det) cost one lookup call each. Pieces with
// equal quantization are copied as before.
#include <string.h>

#include "core/error.h"
#include "core/quantization.h"
#include "kernels/int8/lut.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/concat_split_state.h"
#include "kernels/reference/reference_kernels.h"

namespace kite {
namespace optimized {
namespace {

KITE_VECTOR_CLONES void Requantize(const reference::JoinPiece& p, const int8_t* src, int8_t* dst) {
  const float m = p.multiplier, lo = static_cast<float>(kInt8Min - p.to_zero_point),
              hi = static_cast<float>(kInt8Max - p.to_zero_point);
  const int32_t zi = p.from_zero_point, zo = p.to_zero_point;
  const int64_t n = p.run;
  for (int64_t i = 0; i < n; ++i) {
    dst[i] = RoundClampInt8(static_cast<float>(static_cast<int32_t>(src[i]) - zi) * m, lo, hi, zo);
  }
}

struct TableJoin {
  const reference::ConcatSplitState* join;
  const int8_t* tables;  // 256 per piece, for the requantizing ones
  int8::LutFn lookup;
};

void Move(const TableJoin& t, int32_t k, const int8_t* src, int8_t* dst) {
  const reference::JoinPiece& p = t.join->pieces[k];
  if (p.requantize) {
    t.lookup(static_cast<size_t>(p.run), src, t.tables + 256 * k, dst);
  } else {
    memcpy(dst, src, static_cast<size_t>(p.run));
  }
}

void InvokeConcat(const Node& node, const Tensor* tensors) {
  const auto& t = *static_cast<const TableJoin*>(node.state);
  const reference::ConcatSplitState& s = *t.join;
  int8_t* y = node.output(tensors, 0).As<int8_t>();
  for (int64_t r = 0; r < s.outer; ++r) {  // row by row, as the reference: y written in one stream
    for (int32_t k = 0; k < s.num_pieces; ++k) {
      const reference::JoinPiece& p = s.pieces[k];
      Move(t, k, node.input(tensors, k).As<int8_t>() + r * p.run, y + r * s.joined_run + p.offset);
    }
  }
}

void InvokeSplit(const Node& node, const Tensor* tensors) {
  const auto& t = *static_cast<const TableJoin*>(node.state);
  const reference::ConcatSplitState& s = *t.join;
  const int8_t* x = node.input(tensors, 0).As<int8_t>();
  for (int64_t r = 0; r < s.outer; ++r) {
    for (int32_t k = 0; k < s.num_pieces; ++k) {
      const reference::JoinPiece& p = s.pieces[k];
      Move(t, k, x + r * s.joined_run + p.offset, node.output(tensors, k).As<int8_t>() + r * p.run);
    }
  }
}

// Takes over from the reference prepare when some piece requantizes.
kite_status TakeOver(PrepareContext& ctx, bool is_concat) {
  Node& node = ctx.node();
  const auto& s = *static_cast<const reference::ConcatSplitState*>(node.state);
  bool requantizes = false;
  for (int32_t k = 0; k < s.num_pieces; ++k) requantizes |= s.pieces[k].requantize;
  if ((is_concat ? ctx.output(0) : ctx.input(0)).dtype != KITE_INT8 || !requantizes) {
    ctx.Decline("nothing to requantize: the reference's copies are the fast path");
    return KITE_OK;
  }
  TableJoin* t = ctx.AllocateState<TableJoin>();
  int8_t* tables = ctx.AllocateArray<int8_t>(256 * static_cast<size_t>(s.num_pieces));
  if (t == nullptr || tables == nullptr) return ctx.OutOfArena();
  int8_t codes[256];
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<int8_t>(static_cast<uint8_t>(i));
  for (int32_t k = 0; k < s.num_pieces; ++k) {
    if (!s.pieces[k].requantize) continue;
    reference::JoinPiece all = s.pieces[k];
    all.run = 256;
    Requantize(all, codes, tables + 256 * k);
  }
  // The portable set: the same table, read by the portable loop.
  const int8::Lut* lut = ctx.kernels() == KernelSet::kOptimized ? int8::BestLut() : &int8::kScalarLut;
  t->join = &s;
  t->tables = tables;
  t->lookup = lut->fn;
  node.state = t;
  node.invoke = is_concat ? InvokeConcat : InvokeSplit;
  node.kernel_name = is_concat ? "optimized/concat_requantize_int8" : "optimized/split_requantize_int8";
  return KITE_OK;
}

}  // namespace

kite_status PrepareConcatInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareConcat(ctx));
  return TakeOver(ctx, true);
}

kite_status PrepareSplitInt8(PrepareContext& ctx) {
  KITE_RETURN_IF_ERROR(reference::PrepareSplit(ctx));
  return TakeOver(ctx, false);
}

}  // namespace optimized
}  // namespace kite

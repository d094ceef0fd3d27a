// The state of lowering one graph to Kite operators, and what each op's
// lowering rule (ops/*.cc) uses: the Kite tensor of a value in a layout
// (inserting a Transpose only where a layout is missing), constants, and the
// emission of operators.
#ifndef KITE_CONVERTER_LOWER_LOWERING_H_
#define KITE_CONVERTER_LOWER_LOWERING_H_

#include <map>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/shape_util.h"
#include "lower/lower_to_kite.h"

namespace kite {
namespace converter {

using Perm = std::vector<int64_t>;  // physical position -> logical dimension

Perm IdentityPerm(size_t rank);
extern const Perm kNhwc;
// A Kite tensor's shape: rank 0 to 6, every dimension at least 1 (ONNX
// allows empty tensors; the runtime does not), at most 2 GiB of `type`.
std::vector<int32_t> To32(const Shape64& s, schema::DataType type = schema::DataType_FLOAT32);
Shape64 Physical(const Shape64& logical, const Perm& perm);
int32_t PhysicalAxis(const Perm& perm, int64_t logical_axis);

class Lowering {
 public:
  Lowering(Graph g, ModelBuilder& b) : g_(std::move(g)), b_(b) {}

  LoweringStats Run();

  Graph& graph() { return g_; }
  const Value& value(int id) const { return g_.values[id]; }
  ModelBuilder& builder() { return b_; }

  // Records that `value` lives in `tensor`, laid out as `perm`. A tensor of an
  // integer or bool dtype is the value's native form (graph inputs, Cast to
  // an integer, ArgMax): Tensor() then casts it to float32 when a float op
  // reads it. Inside a graph Kite computes integers and booleans as exact
  // float32 (booleans 0 and 1).
  void Place(int value, int tensor, const Perm& perm);
  // The layout `value` is computed in (constants: identity, any layout is free).
  Perm LayoutOf(int value) const;
  bool IsActivation(int value) const { return !g_.values[value].is_constant(); }
  // A new tensor for `value` in layout `perm`.
  int NewActivation(int value, const Perm& perm, const std::string& suffix = "",
                    schema::DataType type = schema::DataType_FLOAT32);
  // The float32 Kite tensor holding `value` in layout `perm`: constants are
  // permuted offline (integer ones converted, exact below 2^24), activations
  // get a Transpose (once per layout), native integer values a Cast.
  int Tensor(int value, const Perm& perm);
  // `value` as indices (Gather): an int64 constant, the native int32/int64
  // tensor, or the float32 one (whole numbers). Identity layout.
  int IndexTensor(int value);
  // The native tensor of `value` converted to `type` by a Cast (or as is when
  // it has that dtype), named `name`: what a graph output of an integer or
  // bool type reads.
  int CastTo(int value, schema::DataType type, const std::string& name);
  // `value` as a tensor of rank `rank` (leading 1s) in layout `perm`.
  int TensorPadded(int value, size_t rank, const Perm& perm);
  // A float constant value added to the graph; returns its id.
  int AddConstant(const std::string& name, Shape64 shape, std::vector<float> data);
  // A value of the graph with no producer, for an intermediate result.
  int AddIntermediate(const Value& like, const std::string& name, Shape64 shape);
  // Emits op `code` computing `out_value` in layout `perm` (a `type` other
  // than float32 makes the output the value's native form).
  void Emit(const Node& n, schema::OpCode code, std::vector<int32_t> inputs, int out_value, const Perm& perm,
            schema::OpOptionsUnion options = {}, schema::DataType type = schema::DataType_FLOAT32);
  // The Kite tensor a value was placed in.
  int PlacedTensor(int value) const { return primary_.at(value).tensor; }
  void CountTranspose() { ++stats_.transposes_inserted; }

  // n's fused activation range, (-inf, inf) when it has none.
  static std::pair<float, float> Activation(const Node& n) {
    return n.params.activation.value_or(std::pair<float, float>{-INFINITY, INFINITY});
  }
  template <typename T>
  static schema::OpOptionsUnion Options(T options) {
    schema::OpOptionsUnion u;
    u.Set(std::move(options));
    return u;
  }

 private:
  struct Placement {
    int tensor;
    Perm perm;
  };
  void Lower(const Node& n);

  Graph g_;
  ModelBuilder& b_;
  std::map<int, Placement> primary_;
  std::map<int, Placement> native_;  // integer and bool tensors of values
  std::map<std::pair<int, Perm>, int> variants_;
  LoweringStats stats_;
};

// Kite's element-wise binary op computing `out` from `a` and `b`, in the
// layout of a full-rank activation input so the big operand never moves.
void LowerBinary(Lowering& l, const Node& n, schema::OpCode opcode, int a, int b, int out, std::pair<float, float> act);

// The input's data as the output's shape, in row-major order: Identity,
// Dropout, a float-to-float Cast, Reshape and friends.
void LowerAsReshape(Lowering& l, const Node& n);
// Squeeze and Unsqueeze: the same, keeping the input's layout (no Transpose).
void LowerSizeOneReshape(Lowering& l, const Node& n);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_LOWER_LOWERING_H_

#include "ir/shape_util.h"

#include <algorithm>

namespace kite {
namespace converter {

Shape64 Broadcast(const Node& node, const Shape64& a, const Shape64& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape64 out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ConversionError(node, "shapes " + ShapeString(a) + " and " + ShapeString(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t NormalizeAxis(const Node& node, int64_t axis, int64_t rank) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw ConversionError(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return a;
}

Shape64 Strides(const Shape64& shape) {
  Shape64 s(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = stride;
    stride *= shape[i];
  }
  return s;
}

int64_t Product(const Shape64& shape) { return ShapeElements(shape); }

void CheckPermutation(const Node& node, const std::vector<int64_t>& perm, size_t rank) {
  std::vector<bool> seen(rank, false);
  bool ok = perm.size() == rank;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && static_cast<size_t>(perm[i]) < rank && !seen[perm[i]];
    if (ok) seen[perm[i]] = true;
  }
  if (!ok) throw ConversionError(node, "perm " + ShapeString(perm) + " is not a permutation of 0.." + std::to_string(rank) + "-1");
}

std::vector<int64_t> BroadcastIndices(const Shape64& shape, const Shape64& out) {
  const Shape64 strides = Strides(shape);
  const size_t lead = out.size() - shape.size();
  std::vector<int64_t> result(static_cast<size_t>(Product(out)));
  Shape64 index(out.size(), 0);
  for (size_t e = 0; e < result.size(); ++e) {
    int64_t offset = 0;
    for (size_t k = 0; k < shape.size(); ++k) {
      if (shape[k] != 1) offset += index[lead + k] * strides[k];
    }
    result[e] = offset;
    for (size_t d = out.size(); d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return result;
}

}  // namespace converter
}  // namespace kite

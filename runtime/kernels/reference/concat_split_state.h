// What Concat's and Split's prepare precomputes: shared with the optimized
// kernel, which moves the same runs with a vectorized requantization.
#ifndef KITE_RUNTIME_KERNELS_REFERENCE_CONCAT_SPLIT_STATE_H_
#define KITE_RUNTIME_KERNELS_REFERENCE_CONCAT_SPLIT_STATE_H_

#include <stdint.h>

namespace kite {
namespace reference {

struct JoinPiece {
  int64_t run;     // elements per row
  int64_t offset;  // elements from the start of the joined row
  bool requantize;
  float multiplier;
  int32_t from_zero_point, to_zero_point;
};

struct ConcatSplitState {
  int64_t outer;
  int64_t joined_run;  // elements per row of the joined tensor
  int32_t num_pieces;
  JoinPiece* pieces;
};

}  // namespace reference
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_REFERENCE_CONCAT_SPLIT_STATE_H_

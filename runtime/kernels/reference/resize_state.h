// What Resize's prepare precomputes per output row and column: shared with
// the optimized int8 bilinear kernel, which runs on the same tables.
#ifndef KITE_RUNTIME_KERNELS_REFERENCE_RESIZE_STATE_H_
#define KITE_RUNTIME_KERNELS_REFERENCE_RESIZE_STATE_H_

#include <stdint.h>

namespace kite {
namespace reference {

struct ResizeAxis {
  int32_t* index0;  // nearest: the source; bilinear: the lower neighbour
  int32_t* index1;  // bilinear: the upper neighbour
  float* weight1;   // bilinear: weight of index1
};

struct ResizeState {
  ResizeAxis h, w;
};

}  // namespace reference
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_REFERENCE_RESIZE_STATE_H_

// What Pool2D's prepare keeps: the window. Shared with the optimized int8
// MaxPool, which runs on the reference's checked state.
#ifndef KITE_RUNTIME_KERNELS_REFERENCE_POOL_STATE_H_
#define KITE_RUNTIME_KERNELS_REFERENCE_POOL_STATE_H_

#include <stdint.h>

namespace kite {
namespace reference {

struct PoolState {
  int32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left,
      pad_bottom, pad_right;
  bool count_include_pad;
};

}  // namespace reference
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_REFERENCE_POOL_STATE_H_

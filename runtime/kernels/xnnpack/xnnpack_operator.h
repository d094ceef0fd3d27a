// What every XNNPACK-backed op shares: the operator kept in the node's state,
// an invoke that only runs it, and set-up addresses in measure mode.
#ifndef KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_OPERATOR_H_
#define KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_OPERATOR_H_

#include <xnnpack.h>

#include "kernels/kernel.h"

namespace kite {
namespace xnnpack {

// Measure mode has no arena: operators are set up against this stand-in
// address (XNNPACK only computes pointers at setup) so that whatever setup
// allocates is still counted.
extern uint8_t g_measure_stand_in[64];

template <typename T>
T* Address(const Tensor& t) {
  return t.data != nullptr ? t.As<T>() : reinterpret_cast<T*>(g_measure_stand_in);
}

inline pthreadpool_t ThreadPool(PrepareContext& ctx) { return static_cast<pthreadpool_t>(ctx.threadpool()); }

// qc8 wants one scale per output channel: a per-tensor weight repeats its
// scale (in the arena). nullptr when the arena is full.
const float* ChannelScales(PrepareContext& ctx, const Tensor& weights, int32_t out_channels);

// After create + setup: on success the node runs `op` (named `kernel_name`);
// when XNNPACK declined, the reference kernel prepared before stays; running
// out of arena is an error.
kite_status Adopt(PrepareContext& ctx, xnn_status status, xnn_operator_t op, const char* kernel_name);

// Initialize(), recording the decline when XNNPACK cannot run on this CPU.
bool Initialize(PrepareContext& ctx);

}  // namespace xnnpack
}  // namespace kite

#endif  // KITE_RUNTIME_KERNELS_XNNPACK_XNNPACK_OPERATOR_H_

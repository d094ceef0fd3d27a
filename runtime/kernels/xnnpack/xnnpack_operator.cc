#include "kernels/xnnpack/xnnpack_operator.h"

#include "kernels/xnnpack/xnnpack_allocator.h"

namespace kite {
namespace xnnpack {

alignas(64) uint8_t g_measure_stand_in[64];

namespace {

struct OperatorState {
  xnn_operator_t op;
  pthreadpool_t threadpool;
};

void Invoke(const Node& node, const Tensor*) {
  // Set up at prepare with the arena's fixed tensor addresses: nothing to bind.
  const OperatorState* s = static_cast<const OperatorState*>(node.state);
  xnn_run_operator(s->op, s->threadpool);
}

}  // namespace

const float* ChannelScales(PrepareContext& ctx, const Tensor& weights, int32_t out_channels) {
  if (weights.channel_count == out_channels) return weights.channel_scales;
  float* repeated = ctx.AllocateArray<float>(static_cast<size_t>(out_channels));
  if (repeated == nullptr) return nullptr;
  for (int32_t c = 0; c < out_channels; ++c) repeated[c] = weights.scale;
  return repeated;
}

kite_status Adopt(PrepareContext& ctx, xnn_status status, xnn_operator_t op, const char* kernel_name) {
  if (status == xnn_status_out_of_memory) return ctx.OutOfArena();
  if (status != xnn_status_success) {  // declined: the reference kernel runs
    ctx.Decline("XNNPACK: the operator's configuration is not supported");
    return KITE_OK;
  }
  OperatorState* s = ctx.AllocateState<OperatorState>();
  if (s == nullptr) return ctx.OutOfArena();
  s->op = op;
  s->threadpool = static_cast<pthreadpool_t>(ctx.threadpool());
  Node& node = ctx.node();
  node.state = s;
  node.invoke = Invoke;
  node.kernel_name = kernel_name;
  return KITE_OK;
}

bool Initialize(PrepareContext& ctx) {
  if (xnnpack::Initialize()) return true;
  ctx.Decline("XNNPACK: xnn_initialize failed on this CPU");
  return false;
}

}  // namespace xnnpack
}  // namespace kite

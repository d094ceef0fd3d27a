#include "planner/greedy_planner.h"

#include <algorithm>

#include "core/op_kinds.h"
#include "kite_generated.h"

namespace kite {

uint64_t PlanGreedyBySize(PlannedBuffer* buffers, int32_t count, uint32_t alignment,
                          int32_t* scratch) {
  int32_t* order = scratch;
  int32_t* conflicts = scratch + count;
  for (int32_t i = 0; i < count; ++i) order[i] = i;
  // Ties broken by index so the plan is deterministic.
  std::sort(order, order + count, [buffers](int32_t a, int32_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return a < b;
  });
  const uint64_t align_mask = static_cast<uint64_t>(alignment) - 1;
  uint64_t arena = 0;
  for (int32_t placed = 0; placed < count; ++placed) {
    PlannedBuffer& current = buffers[order[placed]];
    // The already placed buffers alive at the same time, by offset.
    int32_t num_conflicts = 0;
    for (int32_t j = 0; j < placed; ++j) {
      if (LifetimesOverlap(current, buffers[order[j]])) conflicts[num_conflicts++] = order[j];
    }
    std::sort(conflicts, conflicts + num_conflicts, [buffers](int32_t a, int32_t b) {
      return buffers[a].offset < buffers[b].offset;
    });
    uint64_t candidate = 0;
    for (int32_t j = 0; j < num_conflicts; ++j) {
      const PlannedBuffer& other = buffers[conflicts[j]];
      if (BytesOverlap(candidate, current.bytes, other.offset, other.bytes)) {
        candidate = (other.offset + other.bytes + align_mask) & ~align_mask;
      }
    }
    current.offset = candidate;
    arena = std::max(arena, candidate + current.bytes);
  }
  return arena;
}

bool OpAllowsInPlace(int opcode, int input, bool input_has_output_shape) {
  const auto op = static_cast<schema::OpCode>(opcode);
  if (IsElementwiseUnary(op)) return input == 0;
  if (IsFloatOnlyBinary(op)) return (input == 0 || input == 1) && input_has_output_shape;
  switch (op) {
    case schema::OpCode_RESHAPE:
      return input == 0;
    case schema::OpCode_ADD:
    case schema::OpCode_SUB:
    case schema::OpCode_MUL:
    case schema::OpCode_DIV:
    case schema::OpCode_PRELU:
    case schema::OpCode_EQUAL:
      return (input == 0 || input == 1) && input_has_output_shape;
    default:
      return false;
  }
}

uint64_t LiveBytesLowerBound(const PlannedBuffer* buffers, int32_t count) {
  uint64_t best = 0;
  // The peak is reached at the start of some buffer's lifetime.
  for (int32_t i = 0; i < count; ++i) {
    const int32_t step = buffers[i].first;
    uint64_t live = 0;
    for (int32_t j = 0; j < count; ++j) {
      if (buffers[j].first <= step && step <= buffers[j].last) live += buffers[j].bytes;
    }
    best = std::max(best, live);
  }
  return best;
}

}  // namespace kite

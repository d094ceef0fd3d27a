// Greedy-by-size arena planning over tensor lifetimes: the fallback for files
// without an offline plan, and the algorithm the converter's planner builds on.
#ifndef KITE_RUNTIME_PLANNER_GREEDY_PLANNER_H_
#define KITE_RUNTIME_PLANNER_GREEDY_PLANNER_H_

#include <stdint.h>

namespace kite {

struct PlannedBuffer {
  uint64_t bytes = 0;
  // Alive from op `first` through op `last`, inclusive.
  int32_t first = 0;
  int32_t last = 0;
  uint64_t offset = 0;  // output
};

inline bool LifetimesOverlap(const PlannedBuffer& a, const PlannedBuffer& b) {
  return a.first <= b.last && b.first <= a.last;
}

inline bool BytesOverlap(uint64_t a_offset, uint64_t a_bytes, uint64_t b_offset,
                         uint64_t b_bytes) {
  return a_offset < b_offset + b_bytes && b_offset < a_offset + a_bytes;
}

// Assigns every buffer an offset (a multiple of `alignment`, a power of two):
// largest first, each at the lowest offset that overlaps no buffer placed
// before it whose lifetime overlaps its own. `scratch` must hold 2 * count
// entries. Returns the arena size the plan needs.
uint64_t PlanGreedyBySize(PlannedBuffer* buffers, int32_t count, uint32_t alignment,
                          int32_t* scratch);

// Whether an op may write its output over input `input` (same offset) when
// that input's last use is this op and both have the same dtype and bytes:
// element-wise ops read element i before writing element i. Binary ops need
// the input to have the output's shape (not a broadcast operand).
bool OpAllowsInPlace(int opcode, int input, bool input_has_output_shape);

// The largest total of bytes alive at one op: no plan can be smaller.
uint64_t LiveBytesLowerBound(const PlannedBuffer* buffers, int32_t count);

}  // namespace kite

#endif  // KITE_RUNTIME_PLANNER_GREEDY_PLANNER_H_

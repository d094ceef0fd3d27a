// The greedy planner: exact offsets on a known case, and no two buffers alive
// together overlapping on random ones.
#include "planner/greedy_planner.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace kite {
namespace {

TEST(GreedyPlanner, KnownCase) {
  // a: ops 0-1, b: ops 1-2, c: op 2-3 (c can reuse a's bytes).
  std::vector<PlannedBuffer> b(3);
  b[0].bytes = 100; b[0].first = 0; b[0].last = 1;
  b[1].bytes = 200; b[1].first = 1; b[1].last = 2;
  b[2].bytes = 64;  b[2].first = 2; b[2].last = 3;
  std::vector<int32_t> scratch(6);
  const uint64_t arena = PlanGreedyBySize(b.data(), 3, 64, scratch.data());
  EXPECT_EQ(b[1].offset, 0u);
  EXPECT_EQ(b[0].offset, 256u);
  EXPECT_EQ(b[2].offset, 256u);
  EXPECT_EQ(arena, 356u);
  EXPECT_EQ(LiveBytesLowerBound(b.data(), 3), 300u);
}

TEST(GreedyPlanner, RandomLifetimesNeverOverlap) {
  const uint32_t seed = static_cast<uint32_t>(::testing::UnitTest::GetInstance()->random_seed());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 50; ++round) {
    const int n = 1 + static_cast<int>(rng() % 60);
    std::vector<PlannedBuffer> b(n);
    for (auto& x : b) {
      x.bytes = 1 + rng() % 5000;
      x.first = static_cast<int32_t>(rng() % 40);
      x.last = x.first + static_cast<int32_t>(rng() % 10);
    }
    std::vector<int32_t> scratch(2 * n);
    const uint64_t arena = PlanGreedyBySize(b.data(), n, 16, scratch.data());
    EXPECT_GE(arena, LiveBytesLowerBound(b.data(), n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(b[i].offset % 16, 0u);
      EXPECT_LE(b[i].offset + b[i].bytes, arena);
      for (int j = i + 1; j < n; ++j) {
        if (LifetimesOverlap(b[i], b[j])) {
          EXPECT_FALSE(BytesOverlap(b[i].offset, b[i].bytes, b[j].offset, b[j].bytes)) << i << " vs " << j;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kite

// Prints this machine's per-core int8 and fp32 peaks (GMAC/s) from
// chain-free multiply-accumulate loops (benchmarks/peak/peak.h):
//   build/benchmarks/peak_bench
#include <cstdio>

#include "peak/peak.h"

int main() {
  double best[2] = {0, 0};
  for (const auto& loop : kite::bench::AvailablePeakLoops()) {
    const double gmac = kite::bench::MeasureGmac(loop);
    std::printf("%-20s %8.1f GMAC/s per core\n", loop.name.c_str(), gmac);
    if (gmac > best[loop.int8]) best[loop.int8] = gmac;
  }
  std::printf("peak: int8 %.1f GMAC/s, fp32 %.1f GMAC/s per core\n", best[1], best[0]);
  return 0;
}

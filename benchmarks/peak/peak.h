// This machine's per-core peaks, measured: chain-free loops of 12-16
// independent accumulators of the widest multiply-accumulate each ISA has
// (int8: vpdpbusd / sdot, or AMX's tdpbssd on four tiles; fp32: FMA / fmla), so throughput, not latency,
// bounds them. kernel_bench reports shares of these, peak_bench prints them.
#ifndef KITE_BENCHMARKS_PEAK_PEAK_H_
#define KITE_BENCHMARKS_PEAK_PEAK_H_

#include <string>
#include <vector>

namespace kite {
namespace bench {

struct PeakLoop {
  std::string name;   // e.g. "int8_vpdpbusd_zmm"
  bool int8;
  double macs_per_iteration;
  double (*run)(long iterations);  // seconds for `iterations` loop turns
  const char* int8_variant;        // the int8 engine variant this instruction bounds, e.g. "avx512vnni"; or nullptr
};

// The loops this CPU executes.
std::vector<PeakLoop> AvailablePeakLoops();
// GMAC/s of `loop` on one core: the best of `repeats` timed runs.
double MeasureGmac(const PeakLoop& loop, int repeats = 5);
// The best int8 and fp32 loops' GMAC/s (0 when none runs).
double PeakGmac(bool int8);

}  // namespace bench
}  // namespace kite

#endif  // KITE_BENCHMARKS_PEAK_PEAK_H_

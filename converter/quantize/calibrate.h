// Calibration: runs the float model over every sample and streams each
// activation into its RangeObserver, and each conv/FC's input taps
// into its TapMoments (for rounding its weights with data).
#ifndef KITE_CONVERTER_QUANTIZE_CALIBRATE_H_
#define KITE_CONVERTER_QUANTIZE_CALIBRATE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "quantize/calibration_data.h"
#include "quantize/range_observer.h"
#include "quantize/weight_rounding.h"

namespace kite {
namespace converter {

// Observers indexed by tensor of the float model in `model_bytes` (constants'
// stay empty). Uses the first `max_samples` samples (0: all);
// `progress(done, total)` is called after each. `moments`, when given, gets
// one entry per operator (empty but for convs/FCs with float weights).
std::vector<RangeObserver> Calibrate(const std::vector<uint8_t>& model_bytes, const CalibrationData& data,
                                     const std::function<void(size_t, size_t)>& progress, size_t max_samples = 0,
                                     std::vector<TapMoments>* moments = nullptr);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_CALIBRATE_H_

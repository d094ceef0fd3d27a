#include "core/quantization.h"

namespace kite {

QuantizedRange QuantizedActivationRange(float act_min, float act_max, float scale,
                                   int32_t zero_point) {
  QuantizedRange range{kInt8Min, kInt8Max};
  // Values beyond the int8 range clamp anyway; isinf/NaN map to no bound.
  if (act_min > -INFINITY) {
    range.min = RoundClampToInt8(act_min / scale, zero_point, kInt8Min, kInt8Max);
  }
  if (act_max < INFINITY) {
    range.max = RoundClampToInt8(act_max / scale, zero_point, kInt8Min, kInt8Max);
  }
  return range;
}

QuantizedRange QuantizedActivationRangeInt16(float act_min, float act_max, float scale) {
  QuantizedRange range{kInt16Min, kInt16Max};
  if (act_min > -INFINITY) range.min = RoundClampToInt16(act_min / scale, kInt16Min, kInt16Max);
  if (act_max < INFINITY) range.max = RoundClampToInt16(act_max / scale, kInt16Min, kInt16Max);
  return range;
}

void BuildInt8Table(float in_scale, int32_t in_zero_point, float out_scale,
                    int32_t out_zero_point, ScalarFunction f, const void* params,
                    int8_t table[256]) {
  for (int32_t q = kInt8Min; q <= kInt8Max; ++q) {
    const float x = Dequantize(static_cast<int8_t>(q), in_scale, in_zero_point);
    table[static_cast<uint8_t>(static_cast<int8_t>(q))] =
        QuantizeToInt8(f(x, params), out_scale, out_zero_point);
  }
}

}  // namespace kite

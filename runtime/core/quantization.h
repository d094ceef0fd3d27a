// The int8 and 16x8 arithmetic every Kite kernel shares. This is the quantization
// specification in code: reference and optimized kernels must agree with it
// bit for bit.
//
// Rounding is round-half-to-even (lrintf in the default rounding mode), and a
// requantization scale is always computed in float, exactly as XNNPACK's fp32
// requantization does: scale = (float)input_scale * weight_scale / output_scale.
#ifndef KITE_RUNTIME_CORE_QUANTIZATION_H_
#define KITE_RUNTIME_CORE_QUANTIZATION_H_

#include <math.h>
#include <stdint.h>

namespace kite {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
// 16x8 activations are symmetric (zero point 0) over the whole int16 range,
// as ONNX QuantizeLinear saturates; calibration maps max|x| to 32767.
constexpr int32_t kInt16Min = -32768;
constexpr int32_t kInt16Max = 32767;

// Clamps `value` (in units of the output scale, zero point not yet added) to
// [qmin - zero_point, qmax - zero_point], rounds half to even and adds the
// zero point. Clamping first keeps lrintf in range; NaN maps to qmin.
inline int8_t RoundClampToInt8(float value, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float lo = static_cast<float>(qmin - zero_point);
  const float hi = static_cast<float>(qmax - zero_point);
  if (!(value >= lo)) value = lo;
  if (value > hi) value = hi;
  return static_cast<int8_t>(static_cast<int32_t>(lrintf(value)) + zero_point);
}

// Requantizes an int32 accumulator (zero points already removed, bias added).
inline int8_t Requantize(int32_t acc, float scale, int32_t zero_point, int32_t qmin,
                         int32_t qmax) {
  return RoundClampToInt8(static_cast<float>(acc) * scale, zero_point, qmin, qmax);
}

// ONNX QuantizeLinear: saturate(round(x / scale) + zero_point).
inline int8_t QuantizeToInt8(float x, float scale, int32_t zero_point) {
  return RoundClampToInt8(x / scale, zero_point, kInt8Min, kInt8Max);
}

inline float Dequantize(int8_t q, float scale, int32_t zero_point) {
  return scale * static_cast<float>(static_cast<int32_t>(q) - zero_point);
}

// The 16x8 scheme: int16 x int8 products accumulate in int64 (exact for any
// tap count a tensor can have); the accumulator converts to float once
// (round to nearest), is scaled in float and rounds half to even into
// [qmin, qmax] (zero point 0).
inline int16_t RoundClampToInt16(float value, int32_t qmin, int32_t qmax) {
  const float lo = static_cast<float>(qmin);
  const float hi = static_cast<float>(qmax);
  if (!(value >= lo)) value = lo;
  if (value > hi) value = hi;
  return static_cast<int16_t>(lrintf(value));
}

inline int16_t RequantizeInt16(int64_t acc, float scale, int32_t qmin, int32_t qmax) {
  return RoundClampToInt16(static_cast<float>(acc) * scale, qmin, qmax);
}

inline int16_t QuantizeToInt16(float x, float scale) {
  return RoundClampToInt16(x / scale, kInt16Min, kInt16Max);
}

inline float DequantizeInt16(int16_t q, float scale) { return scale * static_cast<float>(q); }

// The quantized range [qmin, qmax] a fused activation clamp [act_min, act_max]
// allows for an output quantized with (scale, zero_point).
struct QuantizedRange {
  int32_t min;
  int32_t max;
};
QuantizedRange QuantizedActivationRange(float act_min, float act_max, float scale, int32_t zero_point);
// The same for an int16 output (zero point 0), in [kInt16Min, kInt16Max].
QuantizedRange QuantizedActivationRangeInt16(float act_min, float act_max, float scale);

// A float function of one variable, applied to every int8 value through a
// 256-entry table: out[q] = quantize(f(dequantize(q))). This is how every
// int8 element-wise op with a non-linear function is specified.
using ScalarFunction = float (*)(float x, const void* params);
void BuildInt8Table(float in_scale, int32_t in_zero_point, float out_scale,
                    int32_t out_zero_point, ScalarFunction f, const void* params,
                    int8_t table[256]);

}  // namespace kite

#endif  // KITE_RUNTIME_CORE_QUANTIZATION_H_

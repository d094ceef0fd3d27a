// Post-training int8 quantization of a float .kite model (schema::ModelT),
// given calibration statistics for its activations.
//
// Every op with an int8 kernel runs in int8 unless the user keeps it float:
// activations per-tensor asymmetric, conv/FC weights per-channel symmetric
// (or per-tensor), bias int32 at in_scale * w_scale[c]. Ops that move values
// without changing them (Reshape, Transpose, Slice, Split, Pad, MaxPool,
// Resize) pass their input's parameters to their output, Concat's inputs take
// the Concat's parameters when nothing else reads them, and Sigmoid,
// HardSigmoid, Softmax, Equal ([0, 1]) and Tanh ([-1, 1]) have fixed output
// ranges, so no needless requantization is left. An op without
// multiply-accumulate work whose activations all come from float ops stays
// float (int8 would only add a rounding). Ops named in int16_ops run in 16x8
// (int16 activations, symmetric, min-max ranges; int8 weights) where they
// have a 16x8 kernel (Conv2D, ConvTranspose2D, FullyConnected), float where
// they do not; ops that only move values follow a 16x8 input. Where precision changes, a
// Quantize or Dequantize op is inserted; graph inputs and outputs stay float32.
#ifndef KITE_CONVERTER_QUANTIZE_QUANTIZE_MODEL_H_
#define KITE_CONVERTER_QUANTIZE_QUANTIZE_MODEL_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kite_generated.h"
#include "quantize/range_observer.h"
#include "quantize/weight_rounding.h"

namespace kite {
namespace converter {

struct QuantizeOptions {
  // kAuto: min-max for graph inputs and for tensors that reach a graph output
  // unchanged (the large values there are the answer: scores, box offsets),
  // elsewhere the range of the other four methods with the lowest estimated
  // quantization error; and a conv/FC computing a graph output runs in float.
  // Every method's range stops where all of the value's readers are flat
  // beyond it (a HardSwish below -3, a Relu below 0, a Clip's bounds, an
  // int8 Sigmoid's or Tanh's end codes).
  RangeMethod method = RangeMethod::kAuto;
  double percentile = 99.99;
  bool per_tensor_weights = false;
  // Bias correction (Nagel et al. 2019, section 4.2): int8 weights w~ = w + e
  // shift a conv's output channel o by sum e[o, ...] * E[x[c]]; subtract that
  // from the bias, E[x] per input channel taken from calibration.
  bool bias_correction = true;
  // Round conv weights with data (quantize/weight_rounding.h) where
  // `tap_moments` (by the float model's op index, from calibration) has the
  // op's; nearest elsewhere.
  bool round_weights_with_data = true;
  const std::vector<TapMoments>* tap_moments = nullptr;
  std::set<std::string> keep_float;  // ONNX node names to run in float
  std::set<std::string> mixed_precision_float;  // the same, chosen by the mixed-precision search
  std::set<std::string> int16_ops;  // ONNX node names to run in 16x8 (int16 activations)
  // Convs/FCs to run in 16x16: 16x8 with int16 weights of kInt16WeightLevel
  // levels each side (named here, they run 16x8 whether or not int16_ops
  // names them).
  std::set<std::string> int16_weight_ops;
  // Every 16x8 conv/FC with constant weights in 16x16 (kite convert
  // --quantize 16x16, with all_int16).
  bool all_int16_weights = false;
  // Every op with a 16x8 kernel in 16x8, the others in float (kite convert
  // --quantize 16x8), as if each were named in int16_ops.
  bool all_int16 = false;
  // Pack int8 conv/FC weights for Kite's int8 engine (writer/pack_weights.h);
  // off: the runtime runs them with XNNPACK (or the reference) from the
  // plain weights.
  bool pack_weights = true;
  // Parameters given by a pre-quantized (QDQ) model, by tensor name; they take
  // precedence over calibration.
  std::map<std::string, AffineParams> activation_params;
  std::map<std::string, std::vector<float>> weight_scales;
};

// 16x16's weight levels each side of zero: 12 bits, whose rounding error is
// 24 dB below int8's; with int16 activations a pair of products stays below
// 2^27, so the SIMD GEMM sums 16 pairs in int32 before carrying (11 bits
// would double that, but left PP-OCR det at 30.6 dB against 35.7).
constexpr int32_t kInt16WeightLevel = 2047;

struct FloatOp {
  std::string node;
  std::string op;
  std::string reason;
};

struct QuantizeReport {
  int int8_ops = 0;  // int8 and 16x8
  int int16_ops = 0;  // of those, 16x8
  int int16_weight_ops = 0;  // of those, 16x16 (int16 weights)
  int float_ops = 0;  // excluding the inserted Quantize/Dequantize
  int quantize_ops = 0;
  int dequantize_ops = 0;
  int packed_ops = 0;  // int8 ops given packed weights
  std::vector<FloatOp> kept_float;
};

// Rewrites `model` in place. `stats[t]` holds the calibration of tensor t
// (indexed as in `model`; constants' are empty). Throws ConversionError when a
// tensor the int8 model needs was never observed.
QuantizeReport QuantizeModel(schema::ModelT& model, const std::vector<RangeObserver>& stats,
                             const QuantizeOptions& options);

// Per-channel (dimension 0) symmetric scales of a weight tensor: max|w| / 127
// per channel, or one scale for the whole tensor with `per_tensor`.
std::vector<float> SymmetricWeightScales(const std::vector<float>& weights, int64_t channels, bool per_tensor);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_QUANTIZE_QUANTIZE_MODEL_H_

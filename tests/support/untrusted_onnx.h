// Converting an ONNX model nobody vouches for, as `kite convert` does
// (float32), then loading and preparing what the converter wrote. Shared by
// the ONNX import fuzz target, the ONNX mutation test and the regression
// replay: a refusal must carry a message, no library exception may escape,
// and the runtime must accept every model the converter writes.
#ifndef KITE_TESTS_SUPPORT_UNTRUSTED_ONNX_H_
#define KITE_TESTS_SUPPORT_UNTRUSTED_ONNX_H_

#include <string>

#include "convert.h"

namespace kite {
namespace testing {

enum class OnnxOutcome {
  kConverted,         // converted, and the runtime loads and prepares it
  kRefused,           // a ConversionError or another std::runtime_error with a message
  kEmptyMessage,      // refused without saying why: a finding
  kLibraryException,  // std::out_of_range, std::length_error, ... escaped: a missing check, a finding
  kRuntimeRejects,    // the runtime's load or prepare refuses what the converter wrote: a finding
};
const char* OnnxOutcomeName(OnnxOutcome outcome);
inline bool IsFinding(OnnxOutcome outcome) {
  return outcome != OnnxOutcome::kConverted && outcome != OnnxOutcome::kRefused;
}

struct OnnxConversionResult {
  OnnxOutcome outcome = OnnxOutcome::kRefused;
  std::string message;
};

OnnxConversionResult ConvertUntrustedOnnx(const std::string& bytes, const converter::ConvertOptions& options = {});

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_UNTRUSTED_ONNX_H_

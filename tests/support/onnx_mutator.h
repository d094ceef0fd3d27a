// Structure-aware mutations of ONNX models: the model is parsed, one thing in
// it is edited, and it is serialized again, so a mutant gets past protobuf's
// parser to the importer's checks and the converter's passes (byte-level
// mutation mostly breaks the protobuf wire format). Used by the ONNX import
// fuzz target and the ONNX mutation test.
#ifndef KITE_TESTS_SUPPORT_ONNX_MUTATOR_H_
#define KITE_TESTS_SUPPORT_ONNX_MUTATOR_H_

#include <random>
#include <string>

namespace kite {
namespace testing {

enum class OnnxEdit {
  kOpType,          // a node's op type: another of the model's, any ONNX op, or an unknown name
  kDomain,          // a node's domain
  kNodeName,        // one input or output name: dangling, duplicated, empty, another value's
  kNodeArity,       // an input or output added to or dropped from a node
  kNodeList,        // a node dropped, duplicated or moved
  kAttributeValue,  // an attribute's value: boundary ints and floats, list lengths, strings
  kAttributeKind,   // an attribute's declared type changed, one dropped, or one of the schema's added
  kTensorShape,     // an initializer's or a tensor attribute's dims
  kTensorData,      // an initializer's data type or data: sizes that disagree with its dims
  kGraphEdge,       // a graph input or output added, dropped, renamed; its shape or element type
  kOpset,           // the default domain's opset version
};
constexpr OnnxEdit kAllOnnxEdits[] = {
    OnnxEdit::kOpType,         OnnxEdit::kDomain,        OnnxEdit::kNodeName,    OnnxEdit::kNodeArity,
    OnnxEdit::kNodeList,       OnnxEdit::kAttributeValue, OnnxEdit::kAttributeKind, OnnxEdit::kTensorShape,
    OnnxEdit::kTensorData,     OnnxEdit::kGraphEdge,     OnnxEdit::kOpset};
const char* OnnxEditName(OnnxEdit edit);

// Applies `edit` to the model in `bytes`, writing the mutant to `mutant` and
// what changed to `what` (printed on failure). Returns false when `bytes` is
// not a ModelProto with a graph, or the model has nothing the edit can change
// (an attribute edit of a model without attributes).
bool MutateOnnxModel(const std::string& bytes, OnnxEdit edit, std::mt19937& rng, std::string* mutant,
                     std::string* what);

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_ONNX_MUTATOR_H_

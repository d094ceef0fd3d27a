// The converter's graph: ONNX semantics (NCHW, ONNX attributes), static
// shapes, constants held as data. The importer builds it, the passes rewrite
// it, and lowering turns it into Kite operators.
#ifndef KITE_CONVERTER_IR_GRAPH_H_
#define KITE_CONVERTER_IR_GRAPH_H_

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kite {
namespace converter {

enum class ElementType { kFloat, kInt64, kBool };

// ONNX's element type numbers (TensorProto.DataType) that the converter tells
// apart where a type is declared: a graph's inputs and outputs, initializers
// (a uint8 zero point means asymmetric QDQ), Cast's target.
namespace onnx_type {
constexpr int32_t kUndefined = 0, kFloat = 1, kUint8 = 2, kInt8 = 3, kInt32 = 6, kInt64 = 7, kBool = 9,
                  kFloat16 = 10, kDouble = 11;
}  // namespace onnx_type

// A constant's data: floats for kFloat, int64 for kInt64 and kBool.
struct ConstantData {
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

struct Value {
  std::string name;
  ElementType type = ElementType::kFloat;
  std::vector<int64_t> shape;
  bool shape_known = false;
  std::optional<ConstantData> constant;
  int producer = -1;  // node index, -1 for graph inputs and constants
  // The ONNX element type as declared (onnx_type::*): `type` says how the
  // converter computes with the value, this what the model's edges expect.
  int32_t onnx_type = onnx_type::kUndefined;

  bool is_constant() const { return constant.has_value(); }
  // A constant whose data is in `constant->floats`, one per element.
  bool is_float_constant() const { return constant.has_value() && type == ElementType::kFloat; }
  int64_t elements() const;  // throws ConversionError past kMaxElements
};

struct Attribute {
  enum Kind { kNone, kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor } kind = kNone;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;  // kStrings (a recurrent op's activations)
  // kTensor: the tensor as a constant value (ConstantOfShape's `value`).
  std::shared_ptr<Value> tensor;

  // For the nodes passes write.
  static Attribute OfInt(int64_t v) {
    Attribute a;
    a.kind = kInt;
    a.i = v;
    return a;
  }
  static Attribute OfInts(std::vector<int64_t> v) {
    Attribute a;
    a.kind = kInts;
    a.ints = std::move(v);
    return a;
  }
  static Attribute OfFloat(float v) {
    Attribute a;
    a.kind = kFloat;
    a.f = v;
    return a;
  }
};

// What shape inference resolves from a node's attributes and parameter
// inputs (ONNX gives pads, scales, starts... either way, by opset), in the one
// form the passes, lowering and the QDQ export read. Empty until then.
struct NodeParams {
  std::vector<int64_t> pads;  // 2-D windows: top, left, bottom, right; Pad: begins then ends, per dimension
  std::vector<int64_t> strides, dilations, output_padding;  // 2-D windows
  std::vector<int64_t> begin, step;                         // Slice: per dimension
  std::vector<int64_t> axes;                                // ReduceMean: sorted, each once
  std::vector<float> scales;                                // Resize: H, W
  float min = -INFINITY, max = INFINITY;                    // Clip
  float value = 0;                                          // Pad
  int64_t k = 0;                                            // Trilu: the diagonal
  // A Relu or Clip fused into the node (FuseNodes): its output is clamped.
  std::optional<std::pair<float, float>> activation;
};

struct Node {
  std::string name;
  std::string op_type;
  std::vector<int> inputs;  // value ids; -1 for an omitted optional input
  std::vector<int> outputs;
  std::map<std::string, Attribute> attributes;
  NodeParams params;
  bool removed = false;

  bool has(const std::string& key) const { return attributes.count(key) > 0; }
  int64_t Int(const std::string& key, int64_t fallback) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? fallback : it->second.i;
  }
  float Float(const std::string& key, float fallback) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? fallback : it->second.f;
  }
  std::string String(const std::string& key, const std::string& fallback) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? fallback : it->second.s;
  }
  std::vector<int64_t> Ints(const std::string& key, std::vector<int64_t> fallback = {}) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? fallback : it->second.ints;
  }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] >= 0; }
};

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // in a valid execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  // The ONNX names of the graph outputs: passes may re-point `outputs` at
  // other values, the names the user sees stay.
  std::vector<std::string> output_names;
  int64_t opset = 0;
  std::string source_hash;
  // The quantization a pre-quantized (QDQ) model carries: symmetric weight
  // scales by the name of the weight they dequantize to, and int8 activation
  // parameters (scale, zero point; uint8 shifted by -128) by value name.
  std::map<std::string, std::vector<float>> qdq_weight_scales;
  std::map<std::string, std::pair<float, int64_t>> qdq_activation_params;

  int AddValue(Value v) {
    values.push_back(std::move(v));
    return static_cast<int>(values.size() - 1);
  }
  // The nodes (indices) that read value v.
  std::vector<int> Consumers(int v) const;
  bool IsGraphOutput(int v) const;
  // Puts `with` in place of node `index` (its first node becomes `index`)
  // and renumbers every value's producer.
  void ReplaceNode(int index, const std::vector<Node>& with);
};

// An error in the model that names the node and its op type.
class ConversionError : public std::runtime_error {
 public:
  ConversionError(const Node& node, const std::string& what)
      : std::runtime_error("node '" + node.name + "' (" + node.op_type + "): " + what) {}
  explicit ConversionError(const std::string& what) : std::runtime_error(what) {}
};

std::string ShapeString(const std::vector<int64_t>& shape);

// The most elements a tensor may have: the runtime's 2 GiB per tensor holds
// at most 2^31 int8 values. Shapes from a model file are checked against it
// before anything multiplies them.
constexpr int64_t kMaxElements = int64_t{1} << 31;
// The elements of `shape`; throws ConversionError for a negative dimension or
// more than kMaxElements, so no product of dimensions can overflow.
int64_t ShapeElements(const std::vector<int64_t>& shape);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_IR_GRAPH_H_

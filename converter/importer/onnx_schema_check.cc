#include "importer/onnx_schema_check.h"

#include <onnx/defs/schema.h>

namespace kite {
namespace converter {

int64_t DefaultDomainOpset(const onnx::ModelProto& model) {
  int64_t opset = 0;
  bool imported = false;
  for (const auto& import : model.opset_import()) {
    if (!import.domain().empty() && import.domain() != "ai.onnx") continue;
    if (imported && import.version() != opset) {
      throw ConversionError("the model imports the default ONNX domain twice, at opsets " + std::to_string(opset) +
                            " and " + std::to_string(import.version()));
    }
    opset = import.version();
    imported = true;
  }
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  const std::pair<int, int> range = ranges.at(onnx::ONNX_DOMAIN);
  if (!imported) {
    throw ConversionError("the model imports no opset of the default ONNX domain (opset_import is empty or lists "
                          "only other domains)");
  }
  if (opset < range.first || opset > range.second) {
    throw ConversionError("the model imports ONNX opset " + std::to_string(opset) + "; this converter knows opsets " +
                          std::to_string(range.first) + " to " + std::to_string(range.second) +
                          " (export the model at one of them)");
  }
  return opset;
}

namespace {

bool IsConstantValueAttribute(const std::string& name) {
  return name == "value" || name == "value_float" || name == "value_floats" || name == "value_int" ||
         name == "value_ints" || name == "sparse_value" || name == "value_string" || name == "value_strings";
}

void CheckConstant(const onnx::NodeProto& n, const Node& node) {
  const onnx::AttributeProto* value = nullptr;
  for (const auto& a : n.attribute()) {
    if (!IsConstantValueAttribute(a.name())) continue;
    if (value != nullptr) {
      throw ConversionError(node, "a Constant with two value attributes ('" + value->name() + "' and '" + a.name() +
                                      "'); it must have exactly one");
    }
    value = &a;
  }
  if (value == nullptr) throw ConversionError(node, "a Constant without a value attribute");
  if (value->name() == "sparse_value" || value->name() == "value_string" || value->name() == "value_strings") {
    throw ConversionError(node, "a Constant given by '" + value->name() + "', which Kite does not support");
  }
}

}  // namespace

void CheckNodeAgainstSchema(const onnx::NodeProto& n, int64_t opset, const Node& node) {
  if (!n.domain().empty() && n.domain() != "ai.onnx") {
    throw ConversionError(node, "operator domain '" + n.domain() + "' is not supported");
  }
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(opset), onnx::ONNX_DOMAIN);
  if (schema == nullptr) {
    throw ConversionError(node, "'" + n.op_type() + "' is not an ONNX operator at opset " + std::to_string(opset));
  }
  try {
    schema->Verify(n);
  } catch (const std::exception& e) {
    throw ConversionError(node, e.what());
  }
  for (const auto& a : n.attribute()) {
    if (!a.ref_attr_name().empty()) {
      throw ConversionError(node, "attribute '" + a.name() + "' refers to the function attribute '" +
                                      a.ref_attr_name() + "', which only a function body may do");
    }
  }
  if (n.op_type() == "Constant") CheckConstant(n, node);
}

}  // namespace converter
}  // namespace kite

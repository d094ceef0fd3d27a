#include "importer/onnx_importer.h"
#include "importer/onnx_schema_check.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

namespace kite {
namespace converter {
namespace {

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

template <typename T>
std::vector<T> RawAs(const std::string& raw) {
  std::vector<T> out(raw.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace

// Shared with the conformance tests, which read test_data_set_*/*.pb.
Value ValueFromTensor(const onnx::TensorProto& t) {
  Value v;
  v.name = t.name();
  for (int64_t d : t.dims()) v.shape.push_back(d);
  v.shape_known = true;
  v.onnx_type = t.data_type();
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    throw ConversionError("tensor '" + t.name() + "' keeps its data in an external file, which is not supported");
  }
  ConstantData data;
  const std::string& raw = t.raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      v.type = ElementType::kFloat;
      data.floats = !raw.empty() ? RawAs<float>(raw) : std::vector<float>(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE: {
      v.type = ElementType::kFloat;
      std::vector<double> d = !raw.empty() ? RawAs<double>(raw) : std::vector<double>(t.double_data().begin(), t.double_data().end());
      data.floats.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::INT64:
      v.type = ElementType::kInt64;
      data.ints = !raw.empty() ? RawAs<int64_t>(raw) : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      break;
    case onnx::TensorProto::INT32: {
      v.type = ElementType::kInt64;
      std::vector<int32_t> d = !raw.empty() ? RawAs<int32_t>(raw) : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      data.ints.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::BOOL:
    case onnx::TensorProto::UINT8: {
      v.type = t.data_type() == onnx::TensorProto::BOOL ? ElementType::kBool : ElementType::kInt64;
      if (!raw.empty()) {
        for (unsigned char c : raw) data.ints.push_back(c);
      } else {
        data.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    }
    case onnx::TensorProto::INT8: {
      v.type = ElementType::kInt64;
      if (!raw.empty()) {
        for (char c : raw) data.ints.push_back(static_cast<int8_t>(c));
      } else {
        data.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    }
    default:
      throw ConversionError("tensor '" + t.name() + "' has ONNX data type " + std::to_string(t.data_type()) +
                            ", which Kite does not support");
  }
  const size_t count = v.type == ElementType::kFloat ? data.floats.size() : data.ints.size();
  if (static_cast<int64_t>(count) != v.elements()) {
    throw ConversionError("tensor '" + t.name() + "' holds " + std::to_string(count) + " values for shape " +
                          ShapeString(v.shape));
  }
  v.constant = std::move(data);
  return v;
}

namespace {

Attribute ConvertAttribute(const onnx::AttributeProto& a) {
  Attribute out;
  switch (a.type()) {
    case onnx::AttributeProto::INT: out.kind = Attribute::kInt; out.i = a.i(); break;
    case onnx::AttributeProto::FLOAT: out.kind = Attribute::kFloat; out.f = a.f(); break;
    case onnx::AttributeProto::STRING: out.kind = Attribute::kString; out.s = a.s(); break;
    case onnx::AttributeProto::INTS: out.kind = Attribute::kInts; out.ints.assign(a.ints().begin(), a.ints().end()); break;
    case onnx::AttributeProto::FLOATS: out.kind = Attribute::kFloats; out.floats.assign(a.floats().begin(), a.floats().end()); break;
    case onnx::AttributeProto::STRINGS: out.kind = Attribute::kStrings; out.strings.assign(a.strings().begin(), a.strings().end()); break;
    case onnx::AttributeProto::TENSOR:
      out.kind = Attribute::kTensor;
      out.tensor = std::make_shared<Value>(ValueFromTensor(a.t()));
      break;
    default: break;  // tensors and graphs are read where an op needs them
  }
  return out;
}

ElementType TypeOf(int onnx_type, const std::string& name) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE: return ElementType::kFloat;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8: return ElementType::kInt64;
    case onnx::TensorProto::BOOL: return ElementType::kBool;
    default:
      throw ConversionError("value '" + name + "' has ONNX data type " + std::to_string(onnx_type) +
                            ", which Kite does not support");
  }
}

// ONNX's checker is not run: before any pass reads the graph, every value a
// node reads must exist by then (a graph input, a constant or an earlier
// node's output), be written once, and there must be graph outputs, all of
// which exist.
void CheckDataflow(const Graph& graph) {
  std::vector<bool> defined(graph.values.size(), false);
  for (int in : graph.inputs) defined[in] = true;
  for (size_t i = 0; i < graph.values.size(); ++i) defined[i] = defined[i] || graph.values[i].is_constant();
  for (const Node& node : graph.nodes) {
    for (int in : node.inputs) {
      if (in >= 0 && !defined[in]) {
        throw ConversionError(node, "input '" + graph.values[in].name +
                                        "' is not a graph input, an initializer or an output of an earlier node");
      }
    }
    for (int out : node.outputs) {
      if (out < 0) continue;
      if (defined[out]) throw ConversionError(node, "output '" + graph.values[out].name + "' is already defined");
      defined[out] = true;
    }
  }
  if (graph.outputs.empty()) throw ConversionError("the graph declares no outputs: there is nothing to compute");
  for (int out : graph.outputs) {
    if (!defined[out]) {
      throw ConversionError("graph output '" + graph.values[out].name +
                            "' is not computed by any node, nor a graph input or initializer");
    }
  }
}

}  // namespace

Graph ImportOnnx(const std::string& path, const ImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConversionError("cannot open '" + path + "'");
  std::stringstream buffer;
  buffer << file.rdbuf();
  return ImportOnnxBytes(buffer.str(), "'" + path + "'", options);
}

Graph ImportOnnxBytes(const std::string& bytes, const std::string& source, const ImportOptions& options) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw ConversionError(source + " is larger than 2 GiB");
  onnx::ModelProto model;
  {
    google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&raw);
    coded.SetTotalBytesLimit(INT32_MAX);
    if (!model.ParseFromCodedStream(&coded) || !model.has_graph()) {
      throw ConversionError(source + " is not an ONNX model (protobuf parse failed)");
    }
  }
  Graph graph;
  graph.source_hash = Sha256Hex(bytes);
  graph.opset = DefaultDomainOpset(model);
  onnx::GraphProto* g = model.mutable_graph();

  // Fix input shapes before shape inference so it can propagate them.
  std::map<std::string, std::vector<int64_t>> pending = options.input_shapes;
  for (auto& input : *g->mutable_input()) {
    auto it = pending.find(input.name());
    if (it == pending.end()) continue;
    auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != 0 && shape->dim_size() != static_cast<int>(it->second.size())) {
      throw ConversionError("--input-shape " + it->first + ": the model's input has rank " +
                            std::to_string(shape->dim_size()) + ", the option gives " +
                            std::to_string(it->second.size()) + " dimensions");
    }
    shape->clear_dim();
    for (int64_t d : it->second) shape->add_dim()->set_dim_value(d);
    pending.erase(it);
  }
  if (!pending.empty()) {
    throw ConversionError("--input-shape names '" + pending.begin()->first + "', which is not a graph input");
  }
  // No onnx::shape_inference here: Kite infers the shape of every op it
  // supports itself (the converted models are byte-identical without it), and
  // the ONNX library's inference (1.12 in Debian 12) dereferences null on
  // malformed attributes (fuzz_onnx_import: a ConvTranspose), which would
  // crash the converter instead of failing with a message.

  std::unordered_map<std::string, int> by_name;
  auto value_of = [&](const std::string& name) -> int {
    auto it = by_name.find(name);
    if (it != by_name.end()) return it->second;
    Value v;
    v.name = name;
    const int id = graph.AddValue(std::move(v));
    by_name[name] = id;
    return id;
  };
  auto take_type = [&](const onnx::ValueInfoProto& info) {
    const int id = value_of(info.name());
    Value& v = graph.values[id];
    if (!info.type().has_tensor_type()) return;
    const auto& tt = info.type().tensor_type();
    v.type = TypeOf(tt.elem_type(), info.name());
    v.onnx_type = tt.elem_type();
    if (!tt.has_shape()) return;
    v.shape.clear();
    v.shape_known = true;
    for (const auto& d : tt.shape().dim()) {
      if (!d.has_dim_value() || d.dim_value() <= 0) {
        v.shape_known = false;
        v.shape.push_back(-1);
      } else if (d.dim_value() > kMaxElements) {  // what no tensor Kite holds can have
        throw ConversionError("value '" + info.name() + "' declares dimension " + std::to_string(d.dim_value()) +
                              ", past 2^31");
      } else {
        v.shape.push_back(d.dim_value());
      }
    }
    if (v.shape_known) v.elements();  // throws past 2^31 elements
  };

  for (const auto& init : g->initializer()) {
    Value v = ValueFromTensor(init);
    const int id = value_of(init.name());
    graph.values[id] = std::move(v);
  }
  for (const auto& input : g->input()) {
    const int id = value_of(input.name());
    if (graph.values[id].is_constant()) continue;  // an initializer listed as input
    take_type(input);
    const Value& v = graph.values[id];
    if (!v.shape_known) {
      std::string shape = "[";
      for (size_t i = 0; i < v.shape.size(); ++i) shape += (i ? "," : "") + (v.shape[i] < 0 ? std::string("?") : std::to_string(v.shape[i]));
      throw ConversionError("graph input '" + input.name() + "' has dynamic shape " + shape + "]: fix it with --input-shape " +
                            input.name() + ":D0,D1,...");
    }
    graph.inputs.push_back(id);
  }
  for (const auto& info : g->value_info()) {
    if (!graph.values[value_of(info.name())].is_constant()) take_type(info);
  }
  for (const auto& output : g->output()) {
    // A constant's own dims and data type stand, whatever the output declares.
    if (!graph.values[value_of(output.name())].is_constant()) take_type(output);
    graph.outputs.push_back(value_of(output.name()));
    graph.output_names.push_back(output.name());
  }

  int unnamed = 0;
  for (const auto& n : g->node()) {
    Node node;
    node.name = !n.name().empty() ? n.name() : n.op_type() + "_" + std::to_string(unnamed++);
    node.op_type = n.op_type();
    CheckNodeAgainstSchema(n, graph.opset, node);
    for (const auto& a : n.attribute()) node.attributes[a.name()] = ConvertAttribute(a);
    if (n.op_type() == "Constant") {
      Value v;
      for (const auto& a : n.attribute()) {
        if (a.name() == "value") {
          v = ValueFromTensor(a.t());
        } else if (a.name() == "value_float") {
          v.type = ElementType::kFloat;
          v.shape_known = true;
          v.constant = ConstantData{{a.f()}, {}};
        } else if (a.name() == "value_floats") {
          v.type = ElementType::kFloat;
          v.shape = {a.floats_size()};
          v.shape_known = true;
          v.constant = ConstantData{{a.floats().begin(), a.floats().end()}, {}};
        } else if (a.name() == "value_int") {
          v.type = ElementType::kInt64;
          v.shape_known = true;
          v.constant = ConstantData{{}, {a.i()}};
        } else if (a.name() == "value_ints") {
          v.type = ElementType::kInt64;
          v.shape = {a.ints_size()};
          v.shape_known = true;
          v.constant = ConstantData{{}, {a.ints().begin(), a.ints().end()}};
        }
      }
      // The schema check leaves one value attribute and one output.
      const int id = value_of(n.output(0));
      const Value& before = graph.values[id];
      if (before.is_constant() || before.producer >= 0 ||
          std::find(graph.inputs.begin(), graph.inputs.end(), id) != graph.inputs.end()) {
        throw ConversionError(node, "output '" + n.output(0) + "' is already defined");
      }
      v.name = n.output(0);
      graph.values[id] = std::move(v);
      continue;
    }
    for (const auto& in : n.input()) node.inputs.push_back(in.empty() ? -1 : value_of(in));
    for (const auto& out : n.output()) {
      const int id = out.empty() ? -1 : value_of(out);
      node.outputs.push_back(id);
    }
    const int index = static_cast<int>(graph.nodes.size());
    for (int id : node.outputs) {
      if (id >= 0) graph.values[id].producer = index;
    }
    graph.nodes.push_back(std::move(node));
  }
  CheckDataflow(graph);
  return graph;
}

}  // namespace converter
}  // namespace kite

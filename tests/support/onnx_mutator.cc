#include "support/onnx_mutator.h"

#include <cstdint>
#include <iterator>
#include <limits>
#include <set>
#include <vector>

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

namespace kite {
namespace testing {

const char* OnnxEditName(OnnxEdit edit) {
  switch (edit) {
    case OnnxEdit::kOpType: return "op type";
    case OnnxEdit::kDomain: return "domain";
    case OnnxEdit::kNodeName: return "node input/output name";
    case OnnxEdit::kNodeArity: return "node input/output count";
    case OnnxEdit::kNodeList: return "node list";
    case OnnxEdit::kAttributeValue: return "attribute value";
    case OnnxEdit::kAttributeKind: return "attribute kind";
    case OnnxEdit::kTensorShape: return "tensor shape";
    case OnnxEdit::kTensorData: return "tensor data";
    case OnnxEdit::kGraphEdge: return "graph input/output";
    case OnnxEdit::kOpset: return "opset";
  }
  return "?";
}

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// Values where the converter's arithmetic and checks change behaviour: signs,
// zero and one, small counts, int32/int64 limits, sizes past what memory holds.
constexpr int64_t kBoundaryInts[] = {0, 1, -1, 2, -2, 3, 4, 7, 8, 16, 255, 256, 65535, int64_t{1} << 31,
                                     (int64_t{1} << 31) - 1, -(int64_t{1} << 31), int64_t{1} << 32, int64_t{1} << 62,
                                     kInt64Max, kInt64Min, kInt64Max - 1, kInt64Min + 1};
constexpr float kBoundaryFloats[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.0f, 1e-30f, 1e-45f, 1e30f,
                                     std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
// The string attributes ONNX ops take (modes, padding, coordinate systems), and junk.
const char* const kStrings[] = {"",        "constant",   "reflect",    "edge",          "linear",     "cubic",
                                "nearest", "NOTSET",     "SAME_UPPER", "SAME_LOWER",    "VALID",      "half_pixel",
                                "asymmetric", "align_corners", "tf_crop_and_resize", "pytorch_half_pixel",
                                "round_prefer_floor", "floor", "ceil", "DCR", "CRD", "bilinear", "none", "tanh",
                                "\xff\xfe"};
const char* const kDomains[] = {"", "ai.onnx", "ai.onnx.ml", "com.microsoft", "ai.onnx.preview.training", "x"};
// Every ONNX element type number, 0 (undefined) and one past the last.
constexpr int kElementTypes = 18;

class Mutation {
 public:
  Mutation(onnx::ModelProto* model, std::mt19937& rng, std::string* what) : m_(*model), g_(*model->mutable_graph()), rng_(rng), what_(*what) {}

  bool Apply(OnnxEdit edit) {
    switch (edit) {
      case OnnxEdit::kOpType: return EditOpType();
      case OnnxEdit::kDomain: return EditDomain();
      case OnnxEdit::kNodeName: return EditNodeName();
      case OnnxEdit::kNodeArity: return EditNodeArity();
      case OnnxEdit::kNodeList: return EditNodeList();
      case OnnxEdit::kAttributeValue: return EditAttributeValue();
      case OnnxEdit::kAttributeKind: return EditAttributeKind();
      case OnnxEdit::kTensorShape: return EditTensor(true);
      case OnnxEdit::kTensorData: return EditTensor(false);
      case OnnxEdit::kGraphEdge: return EditGraphEdge();
      case OnnxEdit::kOpset: return EditOpset();
    }
    return false;
  }

 private:
  uint32_t Below(size_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool OneIn(uint32_t n) { return rng_() % n == 0; }

  int64_t Int() {
    switch (Below(4)) {
      case 0: return static_cast<int64_t>(Below(17)) - 8;
      case 1: {  // a neighbour of a boundary, inside int64
        const int64_t near = kBoundaryInts[Below(std::size(kBoundaryInts))];
        if (near == kInt64Max) return near - static_cast<int64_t>(Below(2));
        if (near == kInt64Min) return near + static_cast<int64_t>(Below(2));
        return near + (static_cast<int64_t>(Below(3)) - 1);
      }
      default: return kBoundaryInts[Below(std::size(kBoundaryInts))];
    }
  }
  float Float() {
    if (OneIn(3)) return static_cast<float>(static_cast<int>(Below(41)) - 20) * 0.25f;
    return kBoundaryFloats[Below(std::size(kBoundaryFloats))];
  }

  // Every value name the graph mentions, plus a few that name nothing.
  std::vector<std::string> Names() const {
    std::set<std::string> names;
    for (const auto& v : g_.input()) names.insert(v.name());
    for (const auto& v : g_.output()) names.insert(v.name());
    for (const auto& t : g_.initializer()) names.insert(t.name());
    for (const auto& n : g_.node()) {
      names.insert(n.input().begin(), n.input().end());
      names.insert(n.output().begin(), n.output().end());
    }
    names.insert("");
    names.insert("dangling");
    return std::vector<std::string>(names.begin(), names.end());
  }
  std::string Name() {
    const std::vector<std::string> names = Names();
    return names[Below(names.size())];
  }

  onnx::NodeProto* RandomNode() { return g_.node_size() == 0 ? nullptr : g_.mutable_node(static_cast<int>(Below(g_.node_size()))); }
  // A node that has attributes, if any does.
  onnx::NodeProto* NodeWithAttributes() {
    std::vector<int> with;
    for (int i = 0; i < g_.node_size(); ++i) {
      if (g_.node(i).attribute_size() > 0) with.push_back(i);
    }
    return with.empty() ? nullptr : g_.mutable_node(with[Below(with.size())]);
  }

  bool EditOpType() {
    onnx::NodeProto* n = RandomNode();
    if (n == nullptr) return false;
    std::string op;
    const uint32_t pick = Below(8);
    if (pick < 3) {
      op = g_.node(static_cast<int>(Below(g_.node_size()))).op_type();
    } else if (pick < 7) {
      // Any op of the default domain: the schemas of every version hold them all.
      static const std::vector<std::string> all_ops = [] {
        std::set<std::string> ops;
        for (const onnx::OpSchema& s : onnx::OpSchemaRegistry::get_all_schemas()) {
          if (s.domain().empty()) ops.insert(s.Name());
        }
        return std::vector<std::string>(ops.begin(), ops.end());
      }();
      op = all_ops[Below(all_ops.size())];
    } else {
      op = OneIn(2) ? "" : "NotAnOp";
    }
    what_ = "node '" + n->name() + "' op " + n->op_type() + " -> '" + op + "'";
    n->set_op_type(op);
    return true;
  }

  bool EditDomain() {
    onnx::NodeProto* n = RandomNode();
    if (n == nullptr) return false;
    n->set_domain(kDomains[Below(std::size(kDomains))]);
    what_ = "node '" + n->name() + "' domain -> '" + n->domain() + "'";
    return true;
  }

  bool EditNodeName() {
    onnx::NodeProto* n = RandomNode();
    if (n == nullptr || n->input_size() + n->output_size() == 0) return false;
    const std::string name = Name();
    const int slot = static_cast<int>(Below(n->input_size() + n->output_size()));
    if (slot < n->input_size()) {
      what_ = "node '" + n->name() + "' input " + std::to_string(slot) + " '" + n->input(slot) + "' -> '" + name + "'";
      n->set_input(slot, name);
    } else {
      const int o = slot - n->input_size();
      what_ = "node '" + n->name() + "' output " + std::to_string(o) + " '" + n->output(o) + "' -> '" + name + "'";
      n->set_output(o, name);
    }
    return true;
  }

  bool EditNodeArity() {
    onnx::NodeProto* n = RandomNode();
    if (n == nullptr) return false;
    const bool input = OneIn(2);
    auto* names = input ? n->mutable_input() : n->mutable_output();
    if (names->empty() || OneIn(2)) {
      const std::string name = Name();
      *names->Add() = name;
      what_ = "node '" + n->name() + "' gains " + (input ? "input" : "output") + " '" + name + "'";
    } else {
      names->RemoveLast();
      what_ = "node '" + n->name() + "' loses its last " + (input ? "input" : "output");
    }
    return true;
  }

  bool EditNodeList() {
    if (g_.node_size() == 0) return false;
    const int i = static_cast<int>(Below(g_.node_size()));
    const int j = static_cast<int>(Below(g_.node_size()));
    switch (Below(3)) {
      case 0:
        what_ = "node " + std::to_string(i) + " dropped";
        g_.mutable_node()->DeleteSubrange(i, 1);
        break;
      case 1:
        what_ = "node " + std::to_string(i) + " duplicated";
        *g_.add_node() = g_.node(i);
        break;
      default:
        what_ = "nodes " + std::to_string(i) + " and " + std::to_string(j) + " swapped";
        g_.mutable_node()->SwapElements(i, j);
        break;
    }
    return true;
  }

  void SetInts(google::protobuf::RepeatedField<int64_t>* ints) {
    switch (Below(4)) {
      case 0:
        ints->Add(Int());
        break;
      case 1:
        if (!ints->empty()) ints->RemoveLast();
        break;
      case 2:
        ints->Clear();
        break;
      default:
        if (ints->empty()) ints->Add(Int());
        ints->Set(static_cast<int>(Below(ints->size())), Int());
        break;
    }
  }

  bool EditAttributeValue() {
    onnx::NodeProto* n = NodeWithAttributes();
    if (n == nullptr) return false;
    onnx::AttributeProto* a = n->mutable_attribute(static_cast<int>(Below(n->attribute_size())));
    what_ = "node '" + n->name() + "' attribute '" + a->name() + "' value";
    switch (a->type()) {
      case onnx::AttributeProto::INT: a->set_i(Int()); break;
      case onnx::AttributeProto::FLOAT: a->set_f(Float()); break;
      case onnx::AttributeProto::STRING: a->set_s(kStrings[Below(std::size(kStrings))]); break;
      case onnx::AttributeProto::INTS: SetInts(a->mutable_ints()); break;
      case onnx::AttributeProto::FLOATS:
        if (a->floats_size() == 0 || OneIn(3)) {
          a->add_floats(Float());
        } else {
          a->set_floats(static_cast<int>(Below(a->floats_size())), Float());
        }
        break;
      case onnx::AttributeProto::TENSOR: return EditTensorProto(a->mutable_t(), OneIn(2));
      default: a->set_i(Int()); break;
    }
    return true;
  }

  bool EditAttributeKind() {
    onnx::NodeProto* n = RandomNode();
    if (n == nullptr) return false;
    const uint32_t pick = Below(3);
    if (pick == 0 && n->attribute_size() > 0) {
      const int i = static_cast<int>(Below(n->attribute_size()));
      what_ = "node '" + n->name() + "' drops attribute '" + n->attribute(i).name() + "'";
      n->mutable_attribute()->DeleteSubrange(i, 1);
      return true;
    }
    if (pick == 1 && n->attribute_size() > 0) {
      onnx::AttributeProto* a = n->mutable_attribute(static_cast<int>(Below(n->attribute_size())));
      a->set_type(static_cast<onnx::AttributeProto::AttributeType>(Below(15)));
      what_ = "node '" + n->name() + "' attribute '" + a->name() + "' declared type -> " + std::to_string(a->type());
      return true;
    }
    // An attribute the op's schema knows, of its declared type (or another),
    // with a value: reaches the attribute reads of ops whose models leave it at its default.
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n->op_type(), onnx::ONNX_DOMAIN);
    if (schema == nullptr || schema->attributes().empty()) return false;
    auto it = schema->attributes().begin();
    std::advance(it, Below(schema->attributes().size()));
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(it->first);
    a->set_type(OneIn(4) ? static_cast<onnx::AttributeProto::AttributeType>(Below(15)) : it->second.type);
    switch (a->type()) {
      case onnx::AttributeProto::FLOAT: a->set_f(Float()); break;
      case onnx::AttributeProto::STRING: a->set_s(kStrings[Below(std::size(kStrings))]); break;
      case onnx::AttributeProto::INTS: for (uint32_t k = Below(5); k > 0; --k) a->add_ints(Int()); break;
      case onnx::AttributeProto::FLOATS: for (uint32_t k = Below(5); k > 0; --k) a->add_floats(Float()); break;
      case onnx::AttributeProto::TENSOR: {
        onnx::TensorProto* t = a->mutable_t();
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (uint32_t k = Below(3); k > 0; --k) t->add_float_data(Float());
        if (t->float_data_size() > 1) t->add_dims(t->float_data_size());
        break;
      }
      default: a->set_i(Int()); break;
    }
    what_ = "node '" + n->name() + "' gains attribute '" + a->name() + "' of type " + std::to_string(a->type());
    return true;
  }

  bool EditTensorProto(onnx::TensorProto* t, bool shape) {
    if (shape) {
      switch (Below(3)) {
        case 0: t->add_dims(Int()); break;
        case 1:
          if (t->dims_size() > 0) t->mutable_dims()->RemoveLast();
          break;
        default:
          if (t->dims_size() == 0) t->add_dims(Int());
          t->set_dims(static_cast<int>(Below(t->dims_size())), Int());
          break;
      }
      what_ += " tensor '" + t->name() + "' dims";
      return true;
    }
    switch (Below(4)) {
      case 0:
        t->set_data_type(static_cast<int32_t>(Below(kElementTypes)));
        what_ += " tensor '" + t->name() + "' data type -> " + std::to_string(t->data_type());
        break;
      case 1: {  // raw bytes cut or padded: a size that disagrees with the dims
        std::string raw = t->raw_data();
        if (raw.empty()) {
          for (float f : t->float_data()) raw.append(reinterpret_cast<const char*>(&f), sizeof f);
          t->clear_float_data();
        }
        const size_t keep = raw.empty() ? 0 : Below(raw.size() + 1);
        raw.resize(OneIn(2) ? keep : raw.size() + 1 + Below(8));
        t->set_raw_data(raw);
        what_ += " tensor '" + t->name() + "' raw data " + std::to_string(raw.size()) + " bytes";
        break;
      }
      case 2:
        t->clear_raw_data();
        t->clear_float_data();
        t->clear_int64_data();
        t->clear_int32_data();
        what_ += " tensor '" + t->name() + "' data cleared";
        break;
      default:
        t->add_int64_data(Int());
        t->add_float_data(Float());
        what_ += " tensor '" + t->name() + "' typed data appended";
        break;
    }
    return true;
  }

  bool EditTensor(bool shape) {
    // An initializer, or a tensor attribute (a Constant's value) if the graph has no initializer.
    if (g_.initializer_size() > 0 && (OneIn(2) || NodeWithTensor() == nullptr)) {
      onnx::TensorProto* t = g_.mutable_initializer(static_cast<int>(Below(g_.initializer_size())));
      what_ = "initializer";
      return EditTensorProto(t, shape);
    }
    onnx::AttributeProto* a = NodeWithTensor();
    if (a == nullptr) return false;
    what_ = "attribute '" + a->name() + "'";
    return EditTensorProto(a->mutable_t(), shape);
  }
  onnx::AttributeProto* NodeWithTensor() {
    std::vector<onnx::AttributeProto*> tensors;
    for (auto& n : *g_.mutable_node()) {
      for (auto& a : *n.mutable_attribute()) {
        if (a.has_t()) tensors.push_back(&a);
      }
    }
    return tensors.empty() ? nullptr : tensors[Below(tensors.size())];
  }

  bool EditGraphEdge() {
    const bool input = OneIn(2);
    auto* edges = input ? g_.mutable_input() : g_.mutable_output();
    const char* side = input ? "graph input" : "graph output";
    const uint32_t pick = Below(6);
    if (edges->empty() || pick == 0) {
      onnx::ValueInfoProto* v = edges->Add();
      v->set_name(Name());
      if (!edges->empty() && OneIn(2)) *v->mutable_type() = edges->Get(0).type();
      what_ = std::string(side) + " '" + v->name() + "' added";
      return true;
    }
    const int index = static_cast<int>(Below(edges->size()));
    onnx::ValueInfoProto* v = edges->Mutable(index);
    what_ = std::string(side) + " '" + v->name() + "'";
    auto* tensor = v->mutable_type()->mutable_tensor_type();
    switch (pick) {
      case 1:
        edges->DeleteSubrange(index, 1);
        what_ += " dropped";
        break;
      case 2:
        v->set_name(Name());
        what_ += " renamed '" + v->name() + "'";
        break;
      case 3:
        tensor->set_elem_type(static_cast<int32_t>(Below(kElementTypes)));
        what_ += " element type " + std::to_string(tensor->elem_type());
        break;
      case 4: {
        auto* shape = tensor->mutable_shape();
        if (shape->dim_size() == 0 || OneIn(4)) {
          shape->add_dim()->set_dim_value(Int());
        } else if (OneIn(3)) {
          shape->mutable_dim()->RemoveLast();
        } else {
          auto* d = shape->mutable_dim(static_cast<int>(Below(shape->dim_size())));
          if (OneIn(4)) d->set_dim_param("N");
          else d->set_dim_value(Int());
        }
        what_ += " shape";
        break;
      }
      default:
        v->clear_type();
        what_ += " type cleared";
        break;
    }
    return true;
  }

  bool EditOpset() {
    onnx::OperatorSetIdProto* opset = nullptr;
    for (auto& o : *m_.mutable_opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = &o;
    }
    if (opset == nullptr || OneIn(8)) opset = m_.add_opset_import();
    opset->set_version(OneIn(4) ? Int() : 1 + Below(17));
    what_ = "default opset -> " + std::to_string(opset->version());
    return true;
  }

  onnx::ModelProto& m_;
  onnx::GraphProto& g_;
  std::mt19937& rng_;
  std::string& what_;
};

}  // namespace

bool MutateOnnxModel(const std::string& bytes, OnnxEdit edit, std::mt19937& rng, std::string* mutant,
                     std::string* what) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) return false;
  what->clear();
  if (!Mutation(&model, rng, what).Apply(edit)) return false;
  *mutant = model.SerializeAsString();
  return true;
}

}  // namespace testing
}  // namespace kite

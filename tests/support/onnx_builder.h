// Small ONNX models built in code (the ONNX protobuf API) for converter tests,
// and running a converted model.
#ifndef KITE_TESTS_SUPPORT_ONNX_BUILDER_H_
#define KITE_TESTS_SUPPORT_ONNX_BUILDER_H_

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "kite/kite.hpp"
#include "kite_generated.h"
#include "support/model_builder.h"

namespace kite {
namespace testing {

class OnnxBuilder {
 public:
  OnnxBuilder() {
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(13);
  }
  // The default domain's opset (13 unless set).
  void Opset(int64_t version) { model_.mutable_opset_import(0)->set_version(version); }
  void Input(const std::string& name, const std::vector<int64_t>& dims,
             onnx::TensorProto::DataType type = onnx::TensorProto::FLOAT) {
    Info(graph()->add_input(), name, dims, type);
  }
  void Output(const std::string& name) { graph()->add_output()->set_name(name); }
  // An output that declares its element type (and no shape).
  void Output(const std::string& name, onnx::TensorProto::DataType type) {
    auto* v = graph()->add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(type);
  }
  void Initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
  }
  // An initializer of another element type (int8, uint8, int32), from int values.
  void TypedInitializer(const std::string& name, onnx::TensorProto::DataType type, const std::vector<int64_t>& dims,
                        const std::vector<int64_t>& values) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int32_data(static_cast<int32_t>(v));
  }
  // An int64 initializer of any shape ({} for a scalar).
  void Int64Initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
  }
  void IntInitializer(const std::string& name, const std::vector<int64_t>& values) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
  }
  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                        const std::string& name = "") {
    auto* n = graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + std::to_string(graph()->node_size()) : name);
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return n;
  }
  static void IntsAttr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void IntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void StringAttr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void FloatAttr(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  // The model for edits the helpers above do not make (malformed models).
  onnx::ModelProto* mutable_model() { return &model_; }
  std::string Bytes() const { return model_.SerializeAsString(); }
  // Writes the model into `dir`/`file` and returns the path.
  std::string Save(const std::string& dir, const std::string& file) {
    const std::string path = dir + "/" + file;
    std::ofstream f(path, std::ios::binary);
    model_.SerializeToOstream(&f);
    return path;
  }

 private:
  onnx::GraphProto* graph() { return model_.mutable_graph(); }
  static void Info(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims,
                   onnx::TensorProto::DataType type) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0) shape->add_dim()->set_dim_param("N");
      else shape->add_dim()->set_dim_value(d);
    }
  }
  onnx::ModelProto model_;
};

inline schema::ModelT Unpack(const std::vector<uint8_t>& bytes) {
  schema::ModelT m;
  schema::GetModel(bytes.data())->UnPackTo(&m);
  return m;
}

inline std::vector<float> RunFirstOutput(const std::vector<uint8_t>& bytes, const std::vector<float>& input) {
  const AlignedBytes aligned(bytes);
  ModelHandle model;
  EXPECT_EQ(model.Load(aligned.data(), aligned.size()), KITE_OK) << model.error();
  InterpreterHandle it;
  EXPECT_EQ(it.Create(model, nullptr, 0), KITE_OK) << it.error();
  EXPECT_EQ(it.Prepare(), KITE_OK) << it.error();
  EXPECT_EQ(it.SetInput(0, input.data(), input.size() * 4), KITE_OK) << it.error();
  EXPECT_EQ(it.Invoke(), KITE_OK) << it.error();
  kite_tensor_info info;
  it.OutputInfo(0, &info);
  std::vector<float> out(info.bytes / 4);
  it.GetOutput(0, out.data(), info.bytes);
  return out;
}

// Every output's bytes and type (integer and boolean outputs among them).
struct Outputs {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<kite_dtype> dtypes;
};

inline Outputs RunTyped(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs) {
  const AlignedBytes aligned(model_bytes);
  ModelHandle model;
  EXPECT_EQ(model.Load(aligned.data(), aligned.size()), KITE_OK) << model.error();
  InterpreterHandle it;
  EXPECT_EQ(it.Create(model, nullptr, 0), KITE_OK) << it.error();
  EXPECT_EQ(it.Prepare(), KITE_OK) << it.error();
  for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(it.SetInput(i, inputs[i].data(), inputs[i].size()), KITE_OK) << it.error();
  EXPECT_EQ(it.Invoke(), KITE_OK) << it.error();
  Outputs out;
  for (size_t o = 0; o < it.output_count(); ++o) {
    kite_tensor_info info;
    it.OutputInfo(o, &info);
    out.bytes.emplace_back(info.bytes);
    out.dtypes.push_back(info.dtype);
    it.GetOutput(o, out.bytes.back().data(), info.bytes);
  }
  return out;
}

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_ONNX_BUILDER_H_

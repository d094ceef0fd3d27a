// The importer's checks before it reads a node: the opset the model imports,
// and each node against its ONNX schema. Every malformed model here is
// refused with a message that names the node (where there is one) and the
// fault, never a library's assertion or a crash.
#include <gtest/gtest.h>

#include <string>

#include "convert.h"
#include "support/onnx_builder.h"

namespace kite {
namespace testing {
namespace {

// The message of the ConversionError that converting `b` throws ("" if it converts).
std::string Refusal(const OnnxBuilder& b) {
  try {
    converter::ConvertOnnxBytes(b.Bytes(), {}, nullptr);
  } catch (const converter::ConversionError& e) {
    return e.what();
  }
  return "";
}

// x -> Relu -> y, which converts.
OnnxBuilder ReluNet() {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Node("Relu", {"x"}, {"y"}, "relu");
  b.Output("y");
  return b;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(OnnxImport, TheValidNetConverts) { EXPECT_EQ(Refusal(ReluNet()), ""); }

TEST(OnnxImport, OpsetOutsideTheSchemasIsRefused) {
  for (int64_t version : {0, -3, 18, 1000}) {
    OnnxBuilder b = ReluNet();
    b.Opset(version);
    const std::string what = Refusal(b);
    EXPECT_HAS(what, "opset " + std::to_string(version) + ";");
    EXPECT_HAS(what, "knows opsets 1 to 17");
  }
}

TEST(OnnxImport, MissingOrConflictingDefaultOpsetIsRefused) {
  OnnxBuilder none = ReluNet();
  none.mutable_model()->clear_opset_import();
  EXPECT_HAS(Refusal(none), "imports no opset of the default ONNX domain");

  OnnxBuilder other_only = ReluNet();
  other_only.mutable_model()->mutable_opset_import(0)->set_domain("ai.onnx.ml");
  EXPECT_HAS(Refusal(other_only), "imports no opset of the default ONNX domain");

  OnnxBuilder twice = ReluNet();
  auto* second = twice.mutable_model()->add_opset_import();
  second->set_domain("ai.onnx");
  second->set_version(11);
  EXPECT_HAS(Refusal(twice), "twice, at opsets 13 and 11");
}

// The fuzz finding of issue 17: opset 0 skipped the schema check, and a
// Constant without an output was read at output(0). At a valid opset the
// schema refuses it by name.
TEST(OnnxImport, ConstantWithoutAnOutputIsRefusedByItsSchema) {
  OnnxBuilder b = ReluNet();
  auto* c = b.Node("Constant", {}, {}, "const_without_output");
  auto* a = c->add_attribute();
  a->set_name("value_float");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(1.5f);
  const std::string what = Refusal(b);
  EXPECT_HAS(what, "node 'const_without_output' (Constant)");
  EXPECT_HAS(what, "output size 0");
}

TEST(OnnxImport, ConstantNeedsExactlyOneValueItCanRead) {
  OnnxBuilder two = ReluNet();
  auto* c = two.Node("Constant", {}, {"c"}, "two_values");
  OnnxBuilder::FloatAttr(c, "value_float", 1.0f);
  OnnxBuilder::IntAttr(c, "value_int", 2);
  EXPECT_HAS(Refusal(two), "node 'two_values' (Constant): a Constant with two value attributes");

  OnnxBuilder none = ReluNet();
  none.Node("Constant", {}, {"c"}, "no_value");
  EXPECT_HAS(Refusal(none), "node 'no_value' (Constant): a Constant without a value attribute");

  OnnxBuilder strings = ReluNet();
  auto* s = strings.Node("Constant", {}, {"c"}, "a_string");
  auto* a = s->add_attribute();
  a->set_name("value_string");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("text");
  EXPECT_HAS(Refusal(strings), "node 'a_string' (Constant): a Constant given by 'value_string'");
}

TEST(OnnxImport, ConstantCannotRedefineAValue) {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Initializer("w", {1, 4}, {1, 2, 3, 4});
  auto* c = b.Node("Constant", {}, {"w"}, "shadowing");
  OnnxBuilder::FloatAttr(c, "value_float", 1.0f);
  b.Node("Add", {"x", "w"}, {"y"}, "add");
  b.Output("y");
  EXPECT_HAS(Refusal(b), "node 'shadowing' (Constant): output 'w' is already defined");

  OnnxBuilder input = ReluNet();
  auto* over_input = input.Node("Constant", {}, {"x"}, "over_input");
  OnnxBuilder::FloatAttr(over_input, "value_float", 1.0f);
  EXPECT_HAS(Refusal(input), "node 'over_input' (Constant): output 'x' is already defined");
}

// fuzz_onnx_import: an initializer listed as a graph output took the
// output's declared dims and type, and the writer sized its data by them.
TEST(OnnxImport, InitializerAsGraphOutputKeepsItsOwnShape) {
  OnnxBuilder b = ReluNet();
  b.Initializer("c", {2}, {1.5f, -2.0f});
  auto* out = b.mutable_model()->mutable_graph()->add_output();
  out->set_name("c");
  auto* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::INT32);
  tt->mutable_shape()->add_dim()->set_dim_value(4);
  const schema::ModelT m = Unpack(converter::ConvertOnnxBytes(b.Bytes(), {}, nullptr));
  ASSERT_EQ(m.outputs.size(), 2u);
  const auto& c = m.tensors[m.outputs[1]->tensor];
  EXPECT_EQ(c->shape, std::vector<int32_t>({2}));
  EXPECT_EQ(c->type, schema::DataType_FLOAT32);
}

TEST(OnnxImport, OperatorWithoutASchemaAtTheOpsetIsRefused) {
  OnnxBuilder unknown = ReluNet();
  unknown.Node("Frobnicate", {"y"}, {"z"}, "mystery");
  EXPECT_HAS(Refusal(unknown), "node 'mystery' (Frobnicate): 'Frobnicate' is not an ONNX operator at opset 13");

  // LayerNormalization entered the default domain at opset 17.
  OnnxBuilder early = ReluNet();
  early.Initializer("scale", {4}, {1, 1, 1, 1});
  early.Node("LayerNormalization", {"y", "scale"}, {"z"}, "too_early");
  EXPECT_HAS(Refusal(early), "'LayerNormalization' is not an ONNX operator at opset 13");

  OnnxBuilder domain = ReluNet();
  domain.Node("Relu", {"y"}, {"z"}, "elsewhere")->set_domain("com.example");
  EXPECT_HAS(Refusal(domain), "node 'elsewhere' (Relu): operator domain 'com.example' is not supported");
}

TEST(OnnxImport, NodeThatBreaksItsSchemaIsRefused) {
  OnnxBuilder inputs = ReluNet();
  inputs.Node("Add", {"y"}, {"z"}, "one_input_add");
  EXPECT_HAS(Refusal(inputs), "node 'one_input_add' (Add): Node (one_input_add) has input size 1");

  OnnxBuilder empty = ReluNet();
  empty.Node("Sigmoid", {""}, {"z"}, "empty_name");
  EXPECT_HAS(Refusal(empty), "input 0 is marked single but has an empty string");

  OnnxBuilder type = ReluNet();
  OnnxBuilder::IntAttr(type.Node("Softmax", {"y"}, {"z"}, "float_axis"), "axis", 1);
  type.mutable_model()->mutable_graph()->mutable_node(1)->mutable_attribute(0)->set_type(
      onnx::AttributeProto::FLOAT);
  EXPECT_HAS(Refusal(type), "node 'float_axis' (Softmax): Mismatched attribute type");

  OnnxBuilder unknown = ReluNet();
  OnnxBuilder::IntAttr(unknown.Node("Softmax", {"y"}, {"z"}, "odd_attribute"), "axes", 1);
  EXPECT_HAS(Refusal(unknown), "Unrecognized attribute: axes for operator Softmax");

  OnnxBuilder twice = ReluNet();
  auto* n = twice.Node("Softmax", {"y"}, {"z"}, "axis_twice");
  OnnxBuilder::IntAttr(n, "axis", 1);
  OnnxBuilder::IntAttr(n, "axis", 0);
  EXPECT_HAS(Refusal(twice), "Attribute 'axis' appeared multiple times");

  OnnxBuilder required = ReluNet();
  required.Node("Cast", {"y"}, {"z"}, "cast_to_nothing");
  EXPECT_HAS(Refusal(required), "Required attribute 'to' is missing");
}

TEST(OnnxImport, FunctionAttributeReferenceIsRefused) {
  OnnxBuilder b = ReluNet();
  auto* n = b.Node("Softmax", {"y"}, {"z"}, "in_a_function");
  OnnxBuilder::IntAttr(n, "axis", 1);
  n->mutable_attribute(0)->set_ref_attr_name("outer_axis");
  EXPECT_HAS(Refusal(b), "node 'in_a_function' (Softmax): attribute 'axis' refers to the function attribute "
                         "'outer_axis'");
}

}  // namespace
}  // namespace testing
}  // namespace kite

#include "export/qdq_emitter.h"

namespace kite {
namespace converter {

void QdqEmitter::SetInts(onnx::NodeProto* n, const std::string& key, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t x : v) a->add_ints(x);
}

void QdqEmitter::SetInt(onnx::NodeProto* n, const std::string& key, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
}

void QdqEmitter::SetFloat(onnx::NodeProto* n, const std::string& key, float v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a->set_f(v);
}

void QdqEmitter::SetString(onnx::NodeProto* n, const std::string& key, const std::string& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto_AttributeType_STRING);
  a->set_s(v);
}

void ExportSameOp(QdqEmitter& q, const Node& n, const std::string& out) {
  std::vector<std::string> in;
  for (int v : n.inputs) in.push_back(v >= 0 ? q.Read(v) : "");
  q.AddNode(n.op_type, n.name, in, {out});
}

void ExportAsReshape(QdqEmitter& q, const Node& n, const std::string& out) {
  q.AddNode("Reshape", n.name, {q.Read(n.inputs[0]), q.IntsConstant(n.name + "/shape", q.graph().values[n.outputs[0]].shape)}, {out});
}

}  // namespace converter
}  // namespace kite

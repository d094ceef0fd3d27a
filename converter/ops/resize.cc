// Resize and Upsample of H and W (nearest or bilinear), in NHWC.
#include <cmath>

#include "export/qdq_emitter.h"
#include "lower/lowering.h"
#include "ops/op_rule.h"
#include "ops/op_support.h"

namespace kite {
namespace converter {
namespace {

void InferResize(Graph& g, Node& n) {
  const Value& x = In(g, n, 0);
  RequireRank(n, x, 4);
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (n.op_type == "Upsample") {
    scales = n.has("scales") ? n.attributes.at("scales").floats : ConstFloats(g, n, 1, "scales");
  } else if (g.opset >= 11 || n.inputs.size() > 2) {
    if (n.has_input(3)) sizes = ConstInts(g, n, 3, "sizes");
    if (sizes.empty() && n.has_input(2)) scales = ConstFloats(g, n, 2, "scales");
  } else {
    scales = ConstFloats(g, n, 1, "scales");
  }
  if (!sizes.empty() && sizes.size() != 4) throw ConversionError(n, "sizes must give 4 dimensions");
  if (sizes.empty() && scales.size() != 4) throw ConversionError(n, "Resize needs 4 scales or 4 sizes");
  Shape64 shape(4);
  std::vector<float> spatial_scales(2);
  for (int d = 0; d < 4; ++d) {
    if (sizes.empty() && !(scales[d] > 0 && scales[d] <= (1 << 24))) {
      throw ConversionError(n, "scale " + std::to_string(scales[d]) + " is not in (0, 2^24]");
    }
    shape[d] = !sizes.empty() ? sizes[d] : static_cast<int64_t>(std::floor(x.shape[d] * scales[d]));
    if (d >= 2) spatial_scales[d - 2] = !sizes.empty() ? static_cast<float>(sizes[d]) / x.shape[d] : scales[d];
  }
  if (shape[0] != x.shape[0] || shape[1] != x.shape[1]) throw ConversionError(n, "resizing N or C is not supported");
  n.params.scales = spatial_scales;
  SetOutput(g, n, 0, x.type, shape);
}

void LowerResize(Lowering& l, const Node& n) {
  const bool upsample = n.op_type == "Upsample";
  schema::ResizeOptionsT o;
  const std::string mode = n.String("mode", "nearest");
  if (mode == "linear" || mode == "bilinear") o.mode = schema::ResizeMode_BILINEAR;
  else if (mode != "nearest") throw ConversionError(n, "mode '" + mode + "' is not supported");
  const std::string ct = upsample ? "asymmetric" : n.String("coordinate_transformation_mode", "half_pixel");
  if (ct == "half_pixel") o.coordinate_transform = schema::CoordinateTransform_HALF_PIXEL;
  else if (ct == "asymmetric") o.coordinate_transform = schema::CoordinateTransform_ASYMMETRIC;
  else if (ct == "align_corners") o.coordinate_transform = schema::CoordinateTransform_ALIGN_CORNERS;
  else if (ct == "pytorch_half_pixel") o.coordinate_transform = schema::CoordinateTransform_PYTORCH_HALF_PIXEL;
  else throw ConversionError(n, "coordinate_transformation_mode '" + ct + "' is not supported");
  const std::string nm = upsample ? "floor" : n.String("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor") o.nearest_rounding = schema::NearestRounding_ROUND_PREFER_FLOOR;
  else if (nm == "round_prefer_ceil") o.nearest_rounding = schema::NearestRounding_ROUND_PREFER_CEIL;
  else if (nm == "floor") o.nearest_rounding = schema::NearestRounding_FLOOR;
  else if (nm == "ceil") o.nearest_rounding = schema::NearestRounding_CEIL;
  // Opset 10 Resize and Upsample behave as asymmetric with floor.
  if (!upsample && l.graph().opset < 11) {
    o.coordinate_transform = schema::CoordinateTransform_ASYMMETRIC;
    o.nearest_rounding = schema::NearestRounding_FLOOR;
  }
  if (n.Int("exclude_outside", 0) != 0) throw ConversionError(n, "exclude_outside is not supported");
  o.scale_h = n.params.scales[0];
  o.scale_w = n.params.scales[1];
  l.Emit(n, schema::OpCode_RESIZE, {l.Tensor(n.inputs[0], kNhwc)}, n.outputs[0], kNhwc, Lowering::Options(o));
}

// Resize to the inferred sizes, with the attributes lowering read.
void ExportResize(QdqEmitter& q, const Node& n, const std::string& out) {
  const Shape64& out_shape = q.graph().values[n.outputs[0]].shape;
  onnx::NodeProto* node = q.AddNode("Resize", n.name, {q.Read(n.inputs[0]), "", "", q.IntsConstant(n.name + "/sizes", out_shape)}, {out});
  const bool legacy = n.op_type == "Upsample" || q.graph().opset < 11;
  const std::string mode = n.String("mode", "nearest");
  QdqEmitter::SetString(node, "mode", mode == "bilinear" ? "linear" : mode);
  QdqEmitter::SetString(node, "coordinate_transformation_mode",
                        legacy ? "asymmetric" : n.String("coordinate_transformation_mode", "half_pixel"));
  QdqEmitter::SetString(node, "nearest_mode", legacy ? "floor" : n.String("nearest_mode", "round_prefer_floor"));
}

}  // namespace

const std::vector<OpRule>& ResizeOps() {
  static const std::vector<OpRule> rules = {
      {"Resize", InferResize, nullptr, LowerResize, ExportResize},
      {"Upsample", InferResize, nullptr, LowerResize, ExportResize},
  };
  return rules;
}

}  // namespace converter
}  // namespace kite

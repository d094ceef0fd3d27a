// int8 quantization of the real models, checked two ways:
//  - against ONNX Runtime running Kite's own quantization (the --emit-qdq
//    export): the int8 outputs must agree code for code (>= 99.9% identical,
//    the rest within 1 LSB). This checks Kite's int8 kernels independently.
//  - against the float model (fidelity): calibrated on some photographs,
//    evaluated on another; SQNR of every output, per calibration method.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "analysis/layer_compare.h"
#include "convert.h"
#include "models/real_models.h"
#include "quantize/calibrate.h"
#include "quantize/traced_run.h"

namespace kite {
namespace testing {
namespace {

using converter::NpyArray;

struct Int8Case {
  RealModel model;
  std::vector<std::string> calibration;  // photographs (file names in PhotosDir)
  int faces = 0;                         // add this many LFW faces to the calibration set
  std::string evaluation;                // the photograph the int8 model is judged on
  double min_sqnr_db;                    // what auto reaches today, minus a margin
};

RealModel Find(const std::string& name) {
  for (const RealModel& m : RealModels()) {
    if (name == m.name) return m;
  }
  throw std::runtime_error("no model " + name);
}

const std::vector<std::string> kScenes = {"chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                                          "hubble_deep_field.jpg", "horse.png", "brick.png", "grass.png"};
const std::vector<std::string> kText = {"text.png", "page.png", "coffee.png", "chelsea.png", "rocket.jpg", "camera.png"};

std::vector<Int8Case> QuickCases() {
  return {
      {Find("BlazeFaceFront"), kScenes, 24, "astronaut.png", 10},
      {Find("BlazeFaceBack"), kScenes, 24, "astronaut.png", 10},
      {Find("MlsdTiny320"), kScenes, 0, "motorcycle_right.png", 10},
      {Find("PpOcrCls"), kText, 0, "bw_text.png", 10},
  };
}

std::vector<Int8Case> HeavyCases() {
  return {
      {Find("MlsdLarge320"), kScenes, 0, "motorcycle_right.png", 10},
      {Find("MlsdTiny512"), kScenes, 0, "motorcycle_right.png", 10},
      {Find("MlsdLarge512"), kScenes, 0, "motorcycle_right.png", 10},
      {Find("PpOcrDet"), kText, 0, "bw_text.png", 10},
      {Find("PpOcrRec"), kText, 0, "bw_text.png", 10},
  };
}

std::string Work(const std::string& name) {
  const std::string dir = std::string(KITE_TEST_WORK_DIR) + "/" + name;
  std::system(("mkdir -p '" + dir + "'").c_str());
  return dir;
}

void WriteSamples(const std::string& path, const std::vector<int64_t>& shape, const std::vector<std::vector<float>>& samples) {
  NpyArray a{"<f4", shape, {}};
  a.shape[0] *= static_cast<int64_t>(samples.size());
  for (const auto& s : samples) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    a.data.insert(a.data.end(), p, p + s.size() * 4);
  }
  converter::WriteNpy(path, a);
}

// Photographs (and faces from Debian's LFW subset, 25x25 grey) as model inputs.
std::vector<std::vector<float>> CalibrationSamples(const Int8Case& c) {
  std::vector<std::vector<float>> samples;
  for (const std::string& f : c.calibration) {
    samples.push_back(converter::ImageToTensor(converter::LoadImage(PhotosDir() + "/" + f), c.model.photo));
  }
  if (c.faces > 0) {
    const NpyArray lfw = converter::ReadNpy(PhotosDir() + "/lfw_subset.npy");  // float64 [200, 25, 25] in [0, 1]
    EXPECT_EQ(lfw.dtype, "<f8");
    const int64_t stride = lfw.shape[0] / c.faces;
    for (int f = 0; f < c.faces; ++f) {
      converter::Image face;
      face.width = face.height = 25;
      const double* px = reinterpret_cast<const double*>(lfw.data.data()) + f * stride * 625;
      for (int i = 0; i < 625; ++i) {
        const unsigned char v = static_cast<unsigned char>(std::lround(std::clamp(px[i], 0.0, 1.0) * 255));
        face.rgb.insert(face.rgb.end(), {v, v, v});
      }
      samples.push_back(converter::ImageToTensor(face, c.model.photo));
    }
  }
  return samples;
}

double Sqnr(const std::vector<float>& ref, const std::vector<float>& got) {
  converter::ErrorStats s;
  s.Add(ref.data(), got.data(), ref.size());
  return s.sqnr_db();
}

class Int8Models : public ::testing::TestWithParam<Int8Case> {};

TEST_P(Int8Models, MatchesOnnxRuntimeOnTheQdqExportAndKeepsFidelity) {
  const Int8Case& c = GetParam();
  const RealModel& m = c.model;
  const std::string work = Work(m.name);
  const std::string onnx = ModelsDir() + "/" + m.path;
  const std::string calib = work + "/calibration.npy", eval = work + "/evaluation.npy";
  WriteSamples(calib, m.shape, CalibrationSamples(c));
  const std::vector<float> photo = converter::ImageToTensor(converter::LoadImage(PhotosDir() + "/" + c.evaluation), m.photo);
  WriteSamples(eval, m.shape, {photo});

  converter::ConvertOptions float_options;
  float_options.import.input_shapes[m.input] = m.shape;
  const std::vector<uint8_t> float_bytes = converter::ConvertOnnx(onnx, float_options, nullptr);
  converter::ConvertOptions options = float_options;
  options.quantization.int8 = true;
  options.quantization.calibration = calib;
  options.quantization.emit_qdq = work + "/qdq.onnx";
  options.quantization.qdq_expose_activations = true;
  converter::ConvertReport report;
  const std::vector<uint8_t> int8_bytes = converter::ConvertOnnx(onnx, options, &report);

  // Kite int8, every int8 activation as codes.
  converter::TracedRun kite(int8_bytes);
  std::map<std::string, std::vector<int8_t>> codes;
  std::map<std::string, std::pair<float, int32_t>> params;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::vector<std::string> layer_order;
  kite.Run({photo}, [&](int32_t op) {
    if (op < 0) return;
    const Node& node = kite.interpreter().node(op);
    for (int32_t k = 0; k < node.num_outputs; ++k) {
      const Tensor& t = kite.interpreter().tensor(node.outputs[k]);
      if (t.dtype != KITE_INT8) continue;
      std::string name = kite.model().tensors()->Get(node.outputs[k])->name()->str();
      for (const std::string suffix : {"/int8", "/quantized"}) {
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) name.resize(name.size() - suffix.size());
      }
      codes[name].assign(t.As<int8_t>(), t.As<int8_t>() + t.elements());
      params[name] = {t.scale, t.zero_point};
      shapes[name].assign(t.shape.dims, t.shape.dims + t.shape.rank);
      layer_order.push_back(name);
    }
  });
  // ONNX Runtime on the QDQ export; its exposed activations are "<name>/dq".
  std::vector<std::string> ort_names;
  for (const std::string& name : layer_order) ort_names.push_back(name + "/dq");
  std::vector<std::string> output_names;
  for (size_t o = 0; o < kite.model().outputs()->size(); ++o) output_names.push_back(kite.model().outputs()->Get(o)->name()->str());
  // Graph outputs are exposed under their own names.
  for (std::string& n : ort_names) {
    const std::string base = n.substr(0, n.size() - 3);
    if (std::find(output_names.begin(), output_names.end(), base) != output_names.end()) n = base;
  }
  const std::vector<NpyArray> ort = RunOnnxRuntime(work + "/qdq.onnx", m.input, eval, work + "/ort_qdq", ort_names);

  size_t total = 0, identical = 0, off_by_one = 0, beyond = 0;
  std::string first_divergent;
  for (size_t l = 0; l < layer_order.size(); ++l) {
    const std::vector<int8_t>& k = codes[layer_order[l]];
    const auto [scale, zp] = params[layer_order[l]];
    ASSERT_EQ(ort[l].data.size(), k.size() * 4) << layer_order[l];
    // ONNX values are NCHW where Kite holds NHWC.
    std::vector<float> v(k.size());
    std::memcpy(v.data(), ort[l].data.data(), k.size() * 4);
    const std::vector<int64_t>& ks = shapes[layer_order[l]];
    const std::vector<int64_t>& os = ort[l].shape;
    if (ks.size() == 4 && os.size() == 4 && os != ks && os[1] == ks[3] && os[2] == ks[1] && os[3] == ks[2]) {
      for (int64_t n = 0; n < ks[0]; ++n)
        for (int64_t y = 0; y < ks[1]; ++y)
          for (int64_t x = 0; x < ks[2]; ++x)
            for (int64_t ch = 0; ch < ks[3]; ++ch) {
              std::memcpy(&v[((n * ks[1] + y) * ks[2] + x) * ks[3] + ch],
                          ort[l].data.data() + 4 * (((n * os[1] + ch) * os[2] + y) * os[3] + x), 4);
            }
    }
    size_t same = 0;
    for (size_t i = 0; i < k.size(); ++i) {
      const long q = std::lround(v[i] / scale) + zp;
      const long d = std::labs(q - k[i]);
      same += d == 0;
      if (ort_names[l] == layer_order[l]) {  // a graph output
        ++total;
        identical += d == 0;
        off_by_one += d == 1;
        beyond += d > 1;
      }
    }
    if (first_divergent.empty() && same < k.size() * 0.999) {
      first_divergent = layer_order[l] + " (" + std::to_string(100.0 * same / k.size()) + "% identical)";
    }
  }
  std::printf("[ qdq      ] %-15s outputs: %zu elements, %.3f%% identical, %zu off by 1 LSB, %zu beyond; %zu layers compared, "
              "first below 99.9%%: %s\n",
              m.name, total, 100.0 * identical / total, off_by_one, beyond, layer_order.size(),
              first_divergent.empty() ? "none" : first_divergent.c_str());
  EXPECT_GE(identical, total * 0.999) << "int8 outputs differ from ONNX Runtime on the same quantization";
  EXPECT_EQ(beyond, 0u);

  // Fidelity against the float model on the evaluation photograph.
  converter::TracedRun float_run(float_bytes);
  std::vector<std::vector<float>> float_out, int8_out;
  float_run.Run({photo}, [](int32_t) {});
  kite.Run({photo}, [](int32_t) {});
  double worst = INFINITY;
  for (size_t o = 0; o < output_names.size(); ++o) {
    const double sqnr = Sqnr(float_run.TensorValues(float_run.model().outputs()->Get(o)->tensor()),
                             kite.TensorValues(kite.model().outputs()->Get(o)->tensor()));
    worst = std::min(worst, sqnr);
    std::printf("[ fidelity ] %-15s %-28s SQNR %.1f dB\n", m.name, output_names[o].c_str(), sqnr);
  }
  EXPECT_GE(worst, c.min_sqnr_db);
}

INSTANTIATE_TEST_SUITE_P(Npm, Int8Models, ::testing::ValuesIn(QuickCases()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.model.name; });
// Minutes each with the reference kernels: run with --gtest_also_run_disabled_tests.
INSTANTIATE_TEST_SUITE_P(DISABLED_Heavy, Int8Models, ::testing::ValuesIn(HeavyCases()),
                         [](const ::testing::TestParamInfo<Int8Case>& info) { return info.param.model.name; });

}  // namespace
}  // namespace testing
}  // namespace kite

// `kite run`: inputs from .npy files (or seeded random), outputs to .npy files.
// An input holding k samples stacked along its first dimension runs k times.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "cli/commands.h"
#include "data/npy.h"
#include "kite/kite.hpp"

namespace kite {
namespace cli {
using converter::NpyArray;
using converter::ReadNpy;
using converter::SafeFileName;
using converter::ShapeText;
using converter::WriteNpy;
namespace {

std::string NpyDtype(kite_dtype t) {
  switch (t) {
    case KITE_FLOAT32: return "<f4";
    case KITE_INT8: return "|i1";
    case KITE_INT16: return "<i2";
    case KITE_INT64: return "<i8";
    case KITE_UINT8: return "|u1";
    case KITE_BOOL: return "|b1";
    default: return "<i4";
  }
}

const char* TypeName(kite_dtype t) {
  switch (t) {
    case KITE_FLOAT32: return "float32";
    case KITE_UINT8: return "uint8";
    case KITE_INT32: return "int32";
    case KITE_INT64: return "int64";
    case KITE_BOOL: return "bool";
    default: return "?";
  }
}

std::vector<int64_t> Dims(const kite_tensor_info& info) { return std::vector<int64_t>(info.dims, info.dims + info.rank); }

void Check(kite_status status, const std::string& what, const char* message) {
  if (status != KITE_OK) throw std::runtime_error(what + ": " + kite_status_string(status) + ": " + message);
}

}  // namespace

kite_kernels KernelsOption(const std::string& kernels) {
  if (kernels == "optimized") return KITE_KERNELS_OPTIMIZED;
  if (kernels == "reference") return KITE_KERNELS_REFERENCE;
  if (kernels == "portable") return KITE_KERNELS_PORTABLE;
  throw std::runtime_error("--kernels " + kernels + ": expected optimized, reference or portable");
}

void RunModel(const RunArgs& args) {
  ModelHandle model;
  Check(model.LoadFile(args.model.c_str()), "cannot load '" + args.model + "'", model.error());
  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = KernelsOption(args.kernels);
  InterpreterHandle it;
  Check(it.Create(model, options, nullptr, 0), "cannot create an interpreter", it.error());
  Check(it.Prepare(), "cannot prepare '" + args.model + "'", it.error());

  std::map<std::string, std::string> files;
  for (const std::string& spec : args.inputs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw std::runtime_error("--input '" + spec + "' is not NAME=FILE.npy");
    files[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  struct Feed {
    kite_tensor_info info;
    std::vector<uint8_t> data;  // k samples
  };
  std::vector<Feed> feeds(it.input_count());
  int64_t samples = -1;
  std::mt19937_64 rng(args.seed);
  for (size_t i = 0; i < feeds.size(); ++i) {
    kite_tensor_info& info = feeds[i].info;
    it.InputInfo(i, &info);
    const std::vector<int64_t> dims = Dims(info);
    auto file = files.find(info.name);
    if (file == files.end()) {
      feeds[i].data.resize(info.bytes);
      if (info.dtype == KITE_FLOAT32) {
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (size_t k = 0; k < info.bytes / 4; ++k) {
          const float v = u(rng);
          std::memcpy(&feeds[i].data[k * 4], &v, 4);
        }
      } else {
        for (uint8_t& b : feeds[i].data) b = static_cast<uint8_t>(info.dtype == KITE_BOOL ? rng() & 1 : rng());
      }
      continue;
    }
    const std::string path = file->second;
    files.erase(file);
    NpyArray a = ReadNpy(path);
    const std::string expected = NpyDtype(info.dtype);
    if (a.dtype != expected && (info.dtype == KITE_FLOAT32 || info.dtype == KITE_UINT8 || info.dtype == KITE_INT32 ||
                                info.dtype == KITE_INT64 || info.dtype == KITE_BOOL)) {
      const std::string from = a.dtype;
      a = info.dtype == KITE_FLOAT32 ? converter::ToFloat32(a, path) : converter::ToIntegerType(a, expected, path);
      std::fprintf(stderr, "kite run: %s: converted %s to %s for input '%s'\n", path.c_str(), from.c_str(),
                   TypeName(info.dtype), info.name);
    }
    if (a.dtype != expected) {
      throw std::runtime_error(path + ": dtype " + a.dtype + ", input '" + info.name + "' expects " + expected);
    }
    // A scalar input takes a 0-d array; others take k samples stacked.
    bool fits = dims.empty() ? a.shape.empty()
                             : a.shape.size() == dims.size() && a.shape[0] % dims[0] == 0 && a.shape[0] > 0;
    for (size_t d = 1; fits && d < dims.size(); ++d) fits = a.shape[d] == dims[d];
    if (!fits) {
      throw std::runtime_error(path + ": shape " + ShapeText(a.shape) + ", input '" + info.name + "' expects " +
                               ShapeText(dims) + (dims.empty() ? "" : " or k samples stacked along the first dimension"));
    }
    if (dims.empty()) {  // one value for every sample, as a random input is
      feeds[i].data = std::move(a.data);
      continue;
    }
    const int64_t k = a.shape[0] / dims[0];
    if (samples >= 0 && k != samples) throw std::runtime_error("inputs hold different numbers of samples");
    samples = k;
    feeds[i].data = std::move(a.data);
  }
  if (!files.empty()) throw std::runtime_error("--input names '" + files.begin()->first + "', which is not a model input");
  if (samples < 0) samples = 1;
  for (Feed& f : feeds) {
    if (f.data.size() == f.info.bytes && samples > 1) {
      // A random or scalar input is the same for every sample.
      std::vector<uint8_t> one = f.data;
      for (int64_t s = 1; s < samples; ++s) f.data.insert(f.data.end(), one.begin(), one.end());
    }
  }

  std::vector<NpyArray> outputs(it.output_count());
  std::vector<kite_tensor_info> out_info(outputs.size());
  for (size_t o = 0; o < outputs.size(); ++o) {
    it.OutputInfo(o, &out_info[o]);
    outputs[o].dtype = NpyDtype(out_info[o].dtype);
    outputs[o].shape = Dims(out_info[o]);
    if (!outputs[o].shape.empty()) outputs[o].shape[0] *= samples;
    else if (samples > 1) outputs[o].shape = {samples};
  }
  for (int64_t s = 0; s < samples; ++s) {
    if (samples > 1) std::fprintf(stderr, "\rkite run: sample %lld/%lld", static_cast<long long>(s + 1), static_cast<long long>(samples));
    for (size_t i = 0; i < feeds.size(); ++i) {
      Check(it.SetInput(i, feeds[i].data.data() + s * feeds[i].info.bytes, feeds[i].info.bytes), "set_input", it.error());
    }
    Check(it.Invoke(), "invoke", it.error());
    for (size_t o = 0; o < outputs.size(); ++o) {
      const size_t at = outputs[o].data.size();
      outputs[o].data.resize(at + out_info[o].bytes);
      Check(it.GetOutput(o, outputs[o].data.data() + at, out_info[o].bytes), "get_output", it.error());
    }
  }
  if (samples > 1) std::fprintf(stderr, "\n");
  mkdir(args.output_dir.c_str(), 0755);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const std::string path = args.output_dir + "/" + SafeFileName(out_info[o].name) + ".npy";
    WriteNpy(path, outputs[o]);
    std::printf("%s %s %s\n", path.c_str(), outputs[o].dtype.c_str(), ShapeText(outputs[o].shape).c_str());
  }
}

}  // namespace cli
}  // namespace kite

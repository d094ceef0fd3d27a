// NumPy arrays, paths and JSON reports across the module's boundary.
#include <cstring>
#include <stdexcept>

#include "bindings.h"

namespace kite {
namespace python {

bool IsPath(const py::handle& object) {
  return py::isinstance<py::str>(object) || py::hasattr(object, "__fspath__");
}

std::string PathOf(const py::handle& object) {
  if (!IsPath(object)) throw py::type_error("expected a path (str or os.PathLike)");
  return py::str(py::module_::import("os").attr("fsdecode")(object));
}

py::dtype NumpyDtype(kite_dtype dtype) {
  switch (dtype) {
    case KITE_FLOAT32: return py::dtype::of<float>();
    case KITE_INT8: return py::dtype::of<int8_t>();
    case KITE_INT32: return py::dtype::of<int32_t>();
    case KITE_INT16: return py::dtype::of<int16_t>();
    case KITE_INT64: return py::dtype::of<int64_t>();
    case KITE_UINT8: return py::dtype::of<uint8_t>();
    case KITE_BOOL: return py::dtype::of<bool>();
  }
  ThrowError("unknown tensor dtype " + std::to_string(static_cast<int>(dtype)));
}

converter::NpyArray ToNpy(const py::handle& object, const std::string& what) {
  const py::module_ np = py::module_::import("numpy");
  // C order, native (little-endian) byte order: the layout of a .npy file.
  py::array a = np.attr("ascontiguousarray")(object);
  if (a.dtype().attr("byteorder").cast<std::string>() == ">") a = a.attr("astype")(a.dtype().attr("newbyteorder")("<"));
  converter::NpyArray out;
  out.dtype = a.dtype().attr("str").cast<std::string>();
  if (a.dtype().kind() == 'O') throw py::type_error(what + ": an array of Python objects, not numbers");
  for (py::ssize_t d = 0; d < a.ndim(); ++d) out.shape.push_back(a.shape(d));
  const auto* p = static_cast<const uint8_t*>(a.data());
  out.data.assign(p, p + a.nbytes());
  return out;
}

std::unique_ptr<converter::CalibrationData> SamplesOf(const py::handle& source, const std::vector<uint8_t>& model,
                                                      const converter::ImageCalibrationOptions& images) {
  const converter::TracedRun probe(model);
  if (IsPath(source)) return std::make_unique<converter::CalibrationData>(PathOf(source), probe.inputs(), images);
  std::map<std::string, converter::NpyArray> arrays;
  if (py::isinstance<py::dict>(source)) {
    for (const auto& [key, value] : source.cast<py::dict>()) {
      const std::string name = py::str(key);
      arrays[name] = ToNpy(value, "samples for input '" + name + "'");
    }
  } else {
    arrays[""] = ToNpy(source, "samples");
  }
  if (arrays.empty()) throw py::value_error("no samples: the dict is empty");
  return std::make_unique<converter::CalibrationData>(arrays, probe.inputs());
}

namespace {

void Triple(const py::object& value, const char* name, float out[3]) {
  if (value.is_none()) return;
  std::vector<float> v;
  if (py::isinstance<py::float_>(value) || py::isinstance<py::int_>(value)) {
    v.push_back(value.cast<float>());
  } else {
    v = value.cast<std::vector<float>>();
  }
  if (v.size() != 1 && v.size() != 3) throw py::value_error(std::string(name) + " takes 1 or 3 values");
  for (int c = 0; c < 3; ++c) out[c] = v[v.size() == 1 ? 0 : c];
}

}  // namespace

converter::ImageCalibrationOptions ImageOptions(const py::object& mean, const py::object& std, float alpha,
                                                const py::object& layout, const py::object& resize) {
  converter::ImageCalibrationOptions images;
  Triple(mean, "mean", images.mean);
  Triple(std, "std", images.std);
  images.alpha = alpha;
  if (!layout.is_none()) images.layout = layout.cast<std::string>();
  if (!resize.is_none()) {
    const auto wh = resize.cast<std::vector<int>>();
    if (wh.size() != 2 || wh[0] < 1 || wh[1] < 1) throw py::value_error("resize takes (width, height)");
    images.width = wh[0];
    images.height = wh[1];
  }
  return images;
}

py::object ToPython(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

}  // namespace python
}  // namespace kite

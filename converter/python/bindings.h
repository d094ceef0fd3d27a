// What the Python module's files share: the loaded model, NumPy <-> Kite
// conversions, and the definitions each file adds to the module.
#ifndef KITE_CONVERTER_PYTHON_BINDINGS_H_
#define KITE_CONVERTER_PYTHON_BINDINGS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "data/npy.h"
#include "kite/kite.hpp"
#include "quantize/calibration_data.h"

namespace kite {
namespace python {

namespace py = pybind11;

// kite.Error: a model, conversion or runtime failure (a RuntimeError).
[[noreturn]] void ThrowError(const std::string& message);

// A .kite model's bytes, KITE_MODEL_ALIGNMENT-aligned, and the runtime's
// verified handle on them: what kite.Model holds.
class LoadedModel {
 public:
  // Throws kite.Error naming `name` when the bytes are not a valid model.
  LoadedModel(std::string name, const void* data, size_t size);
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  const std::string& name() const { return name_; }
  const void* data() const { return lines_.data(); }
  size_t size() const { return size_; }
  std::vector<uint8_t> bytes() const;
  const ModelHandle& handle() const { return handle_; }

 private:
  struct alignas(KITE_MODEL_ALIGNMENT) Line {
    uint8_t bytes[KITE_MODEL_ALIGNMENT];
  };
  std::string name_;
  std::vector<Line> lines_;
  size_t size_ = 0;
  ModelHandle handle_;  // refers to lines_: declared after it
};

// A kite.Model, or a path or bytes loaded as one.
std::shared_ptr<LoadedModel> ModelOf(const py::object& model);

// A path (str or os.PathLike) as a string; throws TypeError otherwise.
bool IsPath(const py::handle& object);
std::string PathOf(const py::handle& object);

// NumPy's dtype for a Kite dtype, and its name ("float32").
py::dtype NumpyDtype(kite_dtype dtype);
// An array as the converter's NpyArray (C order, little-endian); `what`
// names it in errors.
converter::NpyArray ToNpy(const py::handle& object, const std::string& what);
// Calibration or comparison samples: an ndarray (a one-input model's), a dict
// {input name: ndarray}, or a path (.npy, folder of .npy, images).
std::unique_ptr<converter::CalibrationData> SamplesOf(const py::handle& source, const std::vector<uint8_t>& model,
                                                      const converter::ImageCalibrationOptions& images);
// Image preprocessing from keyword values (None: the default).
converter::ImageCalibrationOptions ImageOptions(const py::object& mean, const py::object& std, float alpha,
                                                const py::object& layout, const py::object& resize);

// A JSON report as Python dicts and lists.
py::object ToPython(const nlohmann::json& j);

void DefineModel(py::module_& m);
void DefineInterpreter(py::module_& m);
void DefineTools(py::module_& m);

}  // namespace python
}  // namespace kite

#endif  // KITE_CONVERTER_PYTHON_BINDINGS_H_

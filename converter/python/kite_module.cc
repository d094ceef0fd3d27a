// The Python module `kite`: convert ONNX models, run, compare and benchmark
// .kite models from NumPy.
#include <stdexcept>

#include "bindings.h"

namespace kite {
namespace python {
namespace {

// kite.Error, created with the module.
PyObject* error_type = nullptr;

}  // namespace

void ThrowError(const std::string& message) {
  PyErr_SetString(error_type, message.c_str());
  throw py::error_already_set();
}

}  // namespace python
}  // namespace kite

PYBIND11_MODULE(kite, m) {
  namespace py = pybind11;
  m.doc() = R"doc(Kite: convert ONNX models to .kite (float32 or int8), and run, compare and
benchmark them from NumPy.

    import kite, numpy as np
    kite.convert("model.onnx", "model.kite", quantize="int8", calibration=samples)
    outputs = kite.Interpreter("model.kite").run(np.zeros((1, 3, 224, 224), np.float32))

Failures of a model, a conversion or the runtime raise kite.Error; wrong
arguments raise ValueError, TypeError or KeyError.)doc";
  m.attr("__version__") = KITE_VERSION;
  static py::exception<std::runtime_error> error(m, "Error", PyExc_RuntimeError);
  kite::python::error_type = error.ptr();
  // The converter's and the commands' failures (std::runtime_error and its
  // ConversionError) become kite.Error with their message.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::builtin_exception& e) {  // ValueError and the like: a runtime_error too
      e.set_error();
    } catch (const std::runtime_error& e) {
      PyErr_SetString(kite::python::error_type, e.what());
    }
  });
  kite::python::DefineModel(m);
  kite::python::DefineInterpreter(m);
  kite::python::DefineTools(m);
}

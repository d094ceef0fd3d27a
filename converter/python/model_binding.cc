// kite.Model and kite.Interpreter: a .kite model loaded and verified, and the
// runtime running it on NumPy arrays.
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>

#include <pybind11/stl.h>

#include "bindings.h"
#include "cli/commands.h"
#include "executor/c_api_internal.h"

namespace kite {
namespace python {

LoadedModel::LoadedModel(std::string name, const void* data, size_t size)
    : name_(std::move(name)), lines_(size / sizeof(Line) + 1), size_(size) {
  std::memcpy(lines_.data(), data, size);
  if (handle_.Load(lines_.data(), size_) != KITE_OK) ThrowError(name_ + ": " + handle_.error());
}

std::vector<uint8_t> LoadedModel::bytes() const {
  const auto* p = static_cast<const uint8_t*>(data());
  return std::vector<uint8_t>(p, p + size_);
}

namespace {

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
  kite_dtype dtype;
  py::object scale, zero_point;  // None unless quantized
  size_t bytes;
};

// A graph input's or output's description, from the model file.
std::vector<TensorInfo> Signature(const LoadedModel& model, bool inputs) {
  const schema::Model& fb = *model.handle().get()->model.fb();
  const auto* entries = inputs ? fb.inputs() : fb.outputs();
  std::vector<TensorInfo> out;
  for (uint32_t i = 0; entries != nullptr && i < entries->size(); ++i) {
    const auto* e = entries->Get(i);
    const schema::Tensor* t = fb.tensors()->Get(e->tensor());
    TensorInfo info{e->name() != nullptr ? e->name()->str() : "", {}, static_cast<kite_dtype>(t->type()),
                    py::none(), py::none(), 0};
    size_t elements = 1;
    for (uint32_t d = 0; t->shape() != nullptr && d < t->shape()->size(); ++d) {
      info.shape.push_back(t->shape()->Get(d));
      elements *= static_cast<size_t>(t->shape()->Get(d));
    }
    info.bytes = elements * NumpyDtype(info.dtype).itemsize();
    const auto* q = t->quantization();
    if (q != nullptr && q->scale() != nullptr && q->scale()->size() == 1) {
      info.scale = py::float_(q->scale()->Get(0));
      info.zero_point = py::int_(q->zero_point() != nullptr && q->zero_point()->size() == 1 ? q->zero_point()->Get(0) : 0);
    }
    out.push_back(std::move(info));
  }
  return out;
}

// "float32 [1, 3, 224, 224]"
std::string Describe(const py::dtype& dtype, const std::vector<int64_t>& shape) {
  std::string s = py::str(py::object(dtype)).cast<std::string>() + " [";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + "]";
}

std::string Describe(const TensorInfo& t) { return Describe(NumpyDtype(t.dtype), t.shape); }

std::string DescribeArray(const py::array& a) {
  return Describe(a.dtype(), std::vector<int64_t>(a.shape(), a.shape() + a.ndim()));
}

std::shared_ptr<LoadedModel> LoadModel(const py::object& source) {
  if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source) ||
      py::isinstance<py::memoryview>(source)) {
    const std::string bytes = py::bytes(source);
    return std::make_shared<LoadedModel>("<bytes>", bytes.data(), bytes.size());
  }
  const std::string path = PathOf(source);
  std::ifstream f(path, std::ios::binary);
  if (!f) ThrowError("cannot open '" + path + "'");
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return std::make_shared<LoadedModel>(path, bytes.data(), bytes.size());
}

// Runs a model; one run at a time (a lock), the GIL released during each.
class Interpreter {
 public:
  Interpreter(std::shared_ptr<LoadedModel> model, int threads, const std::string& kernels)
      : model_(std::move(model)), inputs_(Signature(*model_, true)), outputs_(Signature(*model_, false)) {
    kite_options options = KITE_OPTIONS_DEFAULT;
    try {
      options.kernels = cli::KernelsOption(kernels);
    } catch (const std::exception&) {
      throw py::value_error("kernels='" + kernels + "': expected 'optimized', 'reference' or 'portable'");
    }
    if (threads < 1) throw py::value_error("threads must be >= 1");
    if (it_.Create(model_->handle(), options, nullptr, 0) != KITE_OK) ThrowError(model_->name() + ": " + it_.error());
    if (threads > 1) {
      const kite_status s = it_.SetNumThreads(threads);
      if (s != KITE_OK) {
        ThrowError("threads=" + std::to_string(threads) + ": " + kite_status_string(s) +
                   (s == KITE_ERROR_MODEL_UNSUPPORTED ? " (this build has no XNNPACK: one thread)" : ""));
      }
    }
    if (it_.Prepare() != KITE_OK) ThrowError(model_->name() + ": " + it_.error());
  }

  py::dict Run(const py::args& args, const py::kwargs& kwargs) {
    const std::vector<py::array> arrays = Arrays(args, kwargs);
    std::vector<py::array> results;
    std::vector<void*> out_data;
    for (const TensorInfo& t : outputs_) {
      results.emplace_back(NumpyDtype(t.dtype), t.shape);
      out_data.push_back(results.back().mutable_data());
    }
    std::vector<const void*> in_data;
    for (const py::array& a : arrays) in_data.push_back(a.data());
    std::string failure;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      failure = Invoke(in_data, out_data);
    }
    if (!failure.empty()) ThrowError(failure);
    py::dict out;
    for (size_t o = 0; o < outputs_.size(); ++o) out[py::str(outputs_[o].name)] = results[o];
    return out;
  }

  const std::shared_ptr<LoadedModel>& model() const { return model_; }

 private:
  // The inputs in model order, each checked and C-contiguous.
  std::vector<py::array> Arrays(const py::args& args, const py::kwargs& kwargs) const {
    std::vector<py::object> given(inputs_.size());
    if (args.size() == 1 && py::isinstance<py::dict>(args[0]) && kwargs.empty()) {
      Assign(args[0].cast<py::dict>(), &given);
    } else if (!kwargs.empty()) {
      if (!args.empty()) throw py::type_error("run() takes inputs by position or by name, not both");
      Assign(kwargs, &given);
    } else {
      if (args.size() != inputs_.size()) {
        throw py::value_error("the model has " + std::to_string(inputs_.size()) + " input(s); run() got " +
                              std::to_string(args.size()));
      }
      for (size_t i = 0; i < args.size(); ++i) given[i] = args[i];
    }
    const py::module_ np = py::module_::import("numpy");
    std::vector<py::array> arrays;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const TensorInfo& t = inputs_[i];
      if (!given[i]) throw py::value_error("input '" + t.name + "' (" + Describe(t) + ") is missing");
      py::array a = np.attr("ascontiguousarray")(given[i]);
      bool fits = a.dtype().equal(NumpyDtype(t.dtype)) && a.ndim() == static_cast<py::ssize_t>(t.shape.size());
      for (size_t d = 0; fits && d < t.shape.size(); ++d) fits = a.shape(d) == t.shape[d];
      if (!fits) {
        throw py::value_error("input '" + t.name + "' is " + Describe(t) + "; got " + DescribeArray(a) +
                              (a.dtype().equal(NumpyDtype(t.dtype)) ? "" : " (convert it with .astype)"));
      }
      arrays.push_back(a);
    }
    return arrays;
  }

  void Assign(const py::dict& named, std::vector<py::object>* given) const {
    for (const auto& [key, value] : named) {
      const std::string name = py::str(key);
      size_t i = 0;
      while (i < inputs_.size() && inputs_[i].name != name) ++i;
      if (i == inputs_.size()) {
        std::string names;
        for (const TensorInfo& t : inputs_) names += (names.empty() ? "'" : ", '") + t.name + "'";
        throw py::key_error("'" + name + "' is not an input of the model (its inputs: " + names + ")");
      }
      (*given)[i] = py::reinterpret_borrow<py::object>(value);
    }
  }

  // Without the GIL: the runtime's message on failure, "" on success.
  std::string Invoke(const std::vector<const void*>& in, const std::vector<void*>& out) {
    for (size_t i = 0; i < in.size(); ++i) {
      if (it_.SetInput(i, in[i], inputs_[i].bytes) != KITE_OK) return "input '" + inputs_[i].name + "': " + it_.error();
    }
    if (it_.Invoke() != KITE_OK) return std::string("invoke: ") + it_.error();
    for (size_t o = 0; o < out.size(); ++o) {
      if (it_.GetOutput(o, out[o], outputs_[o].bytes) != KITE_OK) return "output '" + outputs_[o].name + "': " + it_.error();
    }
    return "";
  }

  std::shared_ptr<LoadedModel> model_;
  std::vector<TensorInfo> inputs_, outputs_;
  InterpreterHandle it_;
  std::mutex mutex_;
};

}  // namespace

std::shared_ptr<LoadedModel> ModelOf(const py::object& model) {
  if (py::isinstance<LoadedModel>(model)) return model.cast<std::shared_ptr<LoadedModel>>();
  return LoadModel(model);
}

void DefineModel(py::module_& m) {
  py::class_<TensorInfo>(m, "TensorInfo", "A graph input or output: name, shape, dtype, and scale and zero point when quantized.")
      .def_readonly("name", &TensorInfo::name)
      .def_property_readonly("shape", [](const TensorInfo& t) { return py::tuple(py::cast(t.shape)); })
      .def_property_readonly("dtype", [](const TensorInfo& t) { return NumpyDtype(t.dtype); })
      .def_readonly("scale", &TensorInfo::scale, "real = scale * (q - zero_point); None unless quantized")
      .def_readonly("zero_point", &TensorInfo::zero_point)
      .def("__repr__", [](const TensorInfo& t) {
        std::string s = "TensorInfo('" + t.name + "', " + Describe(t);
        if (!t.scale.is_none()) s += ", scale=" + py::repr(t.scale).cast<std::string>() + ", zero_point=" + py::repr(t.zero_point).cast<std::string>();
        return s + ")";
      });

  py::class_<LoadedModel, std::shared_ptr<LoadedModel>>(m, "Model", R"doc(
A .kite model, read and verified.

Model(path_or_bytes): a path (str or os.PathLike) or the file's bytes.
Raises kite.Error when the file is not a valid .kite model.)doc")
      .def(py::init(&LoadModel), py::arg("path_or_bytes"))
      .def_property_readonly("name", &LoadedModel::name, "The path it was read from, or '<bytes>'.")
      .def_property_readonly("inputs", [](const LoadedModel& m) { return Signature(m, true); }, "The graph inputs (TensorInfo).")
      .def_property_readonly("outputs", [](const LoadedModel& m) { return Signature(m, false); }, "The graph outputs (TensorInfo).")
      .def_property_readonly(
          "arena_size",
          [](const LoadedModel& m) {
            size_t bytes = 0;
            kite_error error = {};
            if (kite_arena_size(m.handle().get(), &bytes, &error) != KITE_OK) ThrowError(m.name() + ": " + error.message);
            return bytes;
          },
          "The exact arena bytes an interpreter with the default kernels needs.")
      .def_property_readonly(
          "ops", [](const LoadedModel& m) { return ToPython(cli::InspectReport(m.name(), m.data(), m.size(), "optimized")["operators"]); },
          "The operators in execution order, as `kite inspect --json` lists them: op, node (the ONNX node), dtype, "
          "kernel (the optimized kernel the runtime chose), macs, shapes, arena offset.")
      .def(
          "inspect", [](const LoadedModel& m, const std::string& kernels) { return ToPython(cli::InspectReport(m.name(), m.data(), m.size(), kernels)); },
          py::arg("kernels") = "optimized", "The dict `kite inspect --json` prints, for kernels 'optimized', 'reference' or 'portable'.")
      .def("__bytes__", [](const LoadedModel& m) { return py::bytes(static_cast<const char*>(m.data()), m.size()); })
      .def("__repr__", [](const LoadedModel& m) { return "kite.Model('" + m.name() + "', " + std::to_string(m.size()) + " bytes)"; });
}

void DefineInterpreter(py::module_& m) {
  py::class_<Interpreter>(m, "Interpreter", R"doc(
Runs a model.

Interpreter(model, threads=1, kernels="optimized"): model is a kite.Model, a
path or the file's bytes; threads run the ops XNNPACK and Kite's int8 engine
execute; kernels is "optimized", "reference" (the portable reference kernels
only) or "portable" (what a microcontroller build runs). The model is
prepared here; the interpreter's arena is allocated once.)doc")
      .def(py::init([](const py::object& model, int threads, const std::string& kernels) {
             return std::make_unique<Interpreter>(ModelOf(model), threads, kernels);
           }),
           py::arg("model"), py::arg("threads") = 1, py::arg("kernels") = "optimized")
      .def("run", &Interpreter::Run, R"doc(
Runs the model once and returns {output name: ndarray}.

Inputs: run({name: array}), run(name=array), or run(array, ...) in the model's
input order. Each must have the input's exact dtype and shape (no implicit
casts). The GIL is released while the model runs; one run at a time per
interpreter.)doc")
      .def_property_readonly("model", &Interpreter::model, "The kite.Model it runs.")
      .def_property_readonly("inputs", [](const Interpreter& it) { return Signature(*it.model(), true); })
      .def_property_readonly("outputs", [](const Interpreter& it) { return Signature(*it.model(), false); });
}

}  // namespace python
}  // namespace kite

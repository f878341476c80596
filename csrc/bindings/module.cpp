// The extension module pydl._C: exceptions, dtypes, devices, creation, build info, threads, RNG.
#include "autograd/node.h"
#include "bindings/common.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ops/ops.h"

#ifndef PYDL_VERSION
#define PYDL_VERSION "0.0.0"
#endif

#include "core/cuda_runtime.h"

namespace py = pybind11;
using namespace pydl;
using pydl::bind::op_call;
using pydl::plan::Tensors;
using pydl::bind::to_device;
using pydl::bind::to_dtype;
using pydl::bind::to_shape;

namespace pydl { namespace bind { void bind_rnn(py::module_& m); } }  // recurrent op (rnn_bindings.cpp)

namespace {

void register_errors(py::module_& m) {
  static py::exception<ShapeError> shape_error(m, "ShapeError", PyExc_ValueError);
  static py::exception<DTypeError> dtype_error(m, "DTypeError", PyExc_TypeError);
  static py::exception<DeviceError> device_error(m, "DeviceError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ShapeError& e) {
      py::set_error(shape_error, e.what());
    } catch (const DTypeError& e) {
      py::set_error(dtype_error, e.what());
    } catch (const DeviceError& e) {
      py::set_error(device_error, e.what());
    } catch (const pydl::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const pydl::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const pydl::OverflowError& e) {
      PyErr_SetString(PyExc_OverflowError, e.what());
    } catch (const pydl::OutOfMemoryError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const pydl::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const pydl::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "pydl's C++ core";
  register_errors(m);

  py::enum_<DType>(m, "DType")
      .value("bool_", DType::Bool).value("uint8", DType::UInt8).value("int32", DType::Int32)
      .value("int64", DType::Int64).value("float32", DType::Float32).value("float64", DType::Float64)
      .def("__str__", [](DType d) { return dtype_name(d); })
      .def("__repr__", [](DType d) { return std::string("pydl.") + dtype_name(d); })
      .def_property_readonly("itemsize", [](DType d) { return itemsize(d); })
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating(d); })
      .def_property_readonly("name", [](DType d) { return dtype_name(d); });

  py::class_<Device>(m, "Device")
      .def(py::init([](const std::string& s) { return parse_device(s); }), py::arg("spec"))
      .def_property_readonly("type", [](const Device& d) { return device_type_name(d.type); })
      .def_property_readonly("index", [](const Device& d) { return d.index; })
      .def("__str__", &Device::str)
      .def("__repr__", [](const Device& d) { return "device('" + d.str() + "')"; })
      .def("__eq__", [](const Device& a, py::object b) {
        try { return a == to_device(b); } catch (...) { return false; }
      })
      .def("__hash__", [](const Device& d) { return static_cast<int>(d.type) * 1000 + d.index; });

  pydl::bind::bind_tensor(m);
  pydl::bind::bind_ops(m);
  pydl::bind::bind_interop(m);
  pydl::bind::bind_dlpack(m);
  pydl::bind::bind_optim(m);
  pydl::bind::bind_conv(m);
  pydl::bind::bind_nlp(m);
  pydl::bind::bind_rnn(m);  // recurrent layers' op
  pydl::bind::bind_w2v(m);
  pydl::bind::bind_plan(m);

  m.def("empty", [](py::object shape, py::object dtype, py::object device) {
    Shape s = to_shape(shape); DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("empty", {}, [s, d, dev](const Tensors&) { return ops::empty(s, d, dev); });
  }, py::arg("shape"), py::arg("dtype") = DType::Float32, py::arg("device") = py::none());
  m.def("full", [](py::object shape, double value, py::object dtype, py::object device) {
    Shape s = to_shape(shape); DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("full", {}, [s, value, d, dev](const Tensors&) { return ops::full(s, value, d, dev); });
  }, py::arg("shape"), py::arg("fill_value"), py::arg("dtype") = DType::Float32, py::arg("device") = py::none());
  m.def("arange", [](double start, double stop, double step, py::object dtype, py::object device) {
    DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("arange", {}, [start, stop, step, d, dev](const Tensors&) { return ops::arange(start, stop, step, d, dev); });
  });
  m.def("linspace", [](double start, double stop, int64_t num, py::object dtype, py::object device) {
    DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("linspace", {}, [start, stop, num, d, dev](const Tensors&) { return ops::linspace(start, stop, num, d, dev); });
  });
  m.def("eye", [](int64_t n, int64_t mm, py::object dtype, py::object device) {
    DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("eye", {}, [n, mm, d, dev](const Tensors&) { return ops::eye(n, mm, d, dev); });
  });
  py::enum_<RandomKind>(m, "RandomKind", "The distributions of _C._random (pydl.rand, randn, uniform, normal, randint).")
      .value("Uniform", RandomKind::Uniform).value("Normal", RandomKind::Normal).value("Integer", RandomKind::Integer);
  m.def("_random", [](py::object shape, RandomKind kind, double a, double b, py::object dtype, py::object device) {
    Shape s = to_shape(shape); DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("random", {}, [s, kind, a, b, d, dev](const Tensors&) { return ops::random(s, kind, a, b, d, dev); });
  });
  m.def("_dtype", [](py::object o) { return to_dtype(o); });
  m.def("_bump_version", [](const Tensor& t) { t.storage()->bump_version(); });
  m.def("manual_seed", [](uint64_t seed) {
    if (plan::recording()) pydl::bind::refuse_plan("reseeding the generator");
    manual_seed(seed);
  }, py::arg("seed"));
  m.def("initial_seed", &initial_seed);

  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("get_num_threads", &get_num_threads);
  m.def("is_grad_enabled", &autograd::grad_enabled);
  m.def("set_grad_enabled", &autograd::set_grad_enabled, py::arg("mode"));

  m.def("build_info", [] {
    py::dict d;
    d["version"] = PYDL_VERSION;
    d["compiler"] = PYDL_COMPILER;
    d["build_type"] = PYDL_BUILD_TYPE;
    d["simd"] = isa_name(active_isa());
    d["simd_supported"] = supported_isa_names();
    d["num_threads"] = get_num_threads();
    d["cuda_compiled"] = cuda_runtime::compiled();
    d["cuda_available"] = cuda_runtime::available();
    d["cuda_devices"] = cuda_runtime::device_summary();
#ifdef PYDL_SANITIZE_BUILD
    d["sanitizers"] = true;
#endif
    return d;
  });
  m.def("cpu_capability", [] { return std::string(isa_name(active_isa())); });
  m.def("cuda_is_available", &cuda_runtime::available);
  m.def("cuda_device_count", &cuda_runtime::device_count);
  m.def("cuda_synchronize", &cuda_runtime::synchronize);
  m.def("_cuda_set_tf32", [](bool on) { return cuda_runtime::tf32_flag().exchange(on); });
  m.def("_cuda_tf32", &cuda_runtime::tf32_enabled);
}

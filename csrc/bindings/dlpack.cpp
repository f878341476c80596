// __dlpack__ / from_dlpack: export a tensor as a DLPack capsule and import any producer's capsule without copying.
#include "bindings/common.h"
#include "bindings/dlpack.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {
namespace {

DLDataType to_dl(DType d) {
  switch (d) {
    case DType::Bool: return {kDLBool, 8, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::Int32: return {kDLInt, 32, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::Float32: return {kDLFloat, 32, 1};
    default: return {kDLFloat, 64, 1};
  }
}

DType from_dl(DLDataType t) {
  if (t.lanes == 1) {
    if (t.code == kDLBool && t.bits == 8) return DType::Bool;
    if (t.code == kDLUInt && t.bits == 8) return DType::UInt8;
    if (t.code == kDLInt && t.bits == 32) return DType::Int32;
    if (t.code == kDLInt && t.bits == 64) return DType::Int64;
    if (t.code == kDLFloat && t.bits == 32) return DType::Float32;
    if (t.code == kDLFloat && t.bits == 64) return DType::Float64;
  }
  throw DTypeError(str_cat("from_dlpack: unsupported DLPack dtype (code ", int(t.code), ", bits ", int(t.bits), ", lanes ",
                           t.lanes, ")"));
}

// Keeps the exported tensor (and its shape/stride arrays) alive until the consumer calls the deleter.
struct ExportContext {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
};

template <typename Managed> void fill_dl(Managed* m, ExportContext* ctx) {
  const Tensor& t = ctx->tensor;
  m->manager_ctx = ctx;
  m->dl_tensor.data = t.storage()->data();
  m->dl_tensor.byte_offset = static_cast<uint64_t>(t.offset() * t.itemsize());
  m->dl_tensor.device = t.device().is_cpu() ? DLDevice{kDLCPU, 0} : DLDevice{kDLCUDA, t.device().index};
  m->dl_tensor.ndim = static_cast<int32_t>(t.dim());
  m->dl_tensor.dtype = to_dl(t.dtype());
  m->dl_tensor.shape = ctx->shape.data();
  m->dl_tensor.strides = ctx->strides.data();
}

template <typename Managed> void delete_managed(Managed* m) {
  delete static_cast<ExportContext*>(m->manager_ctx);
  delete m;
}

template <typename Managed> void capsule_destructor(PyObject* cap, const char* unused_name) {
  // Called when the capsule dies; if no consumer took ownership (name unchanged) we clean up.
  if (PyCapsule_IsValid(cap, unused_name)) {
    auto* m = static_cast<Managed*>(PyCapsule_GetPointer(cap, unused_name));
    if (m && m->deleter) m->deleter(m);
  }
}

py::object to_dlpack(const Tensor& self, py::object max_version) {
  Tensor t = self;
  if (t.numel() > 0 && t.offset() < 0) t = ops::clone(ops::detach(t));
  auto* ctx = new ExportContext{ops::detach(t), t.shape(), t.strides()};
  bool versioned = false;
  if (!max_version.is_none()) versioned = py::tuple(max_version)[0].cast<int>() >= 1;
  const bool read_only = t.storage()->read_only();
  if (read_only && !versioned) {
    delete ctx;
    PyErr_SetString(PyExc_BufferError, "__dlpack__: cannot export a read-only tensor without DLPack 1.0 "
                                       "(max_version >= (1, 0)) to signal it; clone it first");
    throw py::error_already_set();
  }
  if (versioned) {
    auto* m = new DLManagedTensorVersioned{};
    m->version = {1, 0};
    m->flags = read_only ? kDLFlagReadOnly : 0;
    m->deleter = delete_managed<DLManagedTensorVersioned>;
    fill_dl(m, ctx);
    PyObject* cap = PyCapsule_New(m, "dltensor_versioned", [](PyObject* c) {
      capsule_destructor<DLManagedTensorVersioned>(c, "dltensor_versioned");
    });
    if (!cap) { delete_managed(m); throw py::error_already_set(); }
    return py::reinterpret_steal<py::object>(cap);
  }
  auto* m = new DLManagedTensor{};
  m->deleter = delete_managed<DLManagedTensor>;
  fill_dl(m, ctx);
  PyObject* cap = PyCapsule_New(m, "dltensor", [](PyObject* c) { capsule_destructor<DLManagedTensor>(c, "dltensor"); });
  if (!cap) { delete_managed(m); throw py::error_already_set(); }
  return py::reinterpret_steal<py::object>(cap);
}

template <typename Managed> Tensor import_managed(Managed* m, std::function<void()> release) {
  const DLTensor& dl = m->dl_tensor;
  if (dl.device.device_type != kDLCPU && dl.device.device_type != kDLCUDAHost) {
    release();
    throw DeviceError(str_cat("from_dlpack: only CPU tensors can be imported (device type ", int(dl.device.device_type), ")"));
  }
  const DType dt = from_dl(dl.dtype);
  const int64_t isz = itemsize(dt);
  if (dl.ndim < 0 || (dl.ndim > 0 && !dl.shape)) {
    release();
    throw ValueError(str_cat("from_dlpack: invalid tensor rank ", dl.ndim));
  }
  Shape shape(dl.shape, dl.shape + dl.ndim);
  try {
    checked_view_numel(shape);
  } catch (...) {
    release();
    throw;
  }
  Shape strides = dl.strides ? Shape(dl.strides, dl.strides + dl.ndim) : contiguous_strides(shape);
  int64_t lo = 0, hi = 0;
  bool empty = false;
  for (int d = 0; d < dl.ndim; ++d) {
    if (shape[d] == 0) empty = true;
    else if (strides[d] < 0) lo += (shape[d] - 1) * strides[d];
    else hi += (shape[d] - 1) * strides[d];
  }
  char* first = static_cast<char*>(dl.data) + dl.byte_offset;
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::wrap(empty ? first : first + lo * isz, empty ? 0 : static_cast<size_t>((hi - lo + 1) * isz),
                                Device{}, std::move(release));
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = empty ? 0 : -lo;
  impl->dtype = dt;
  if constexpr (std::is_same<Managed, DLManagedTensorVersioned>::value)
    impl->storage->set_read_only((m->flags & kDLFlagReadOnly) != 0);
  return Tensor(std::move(impl));
}

Tensor from_dlpack(py::object obj) {
  if (py::isinstance<Tensor>(obj)) return obj.cast<Tensor>();
  if (!py::hasattr(obj, "__dlpack__")) throw py::type_error("from_dlpack: object has no __dlpack__ method");
  py::object cap;
  try {
    cap = obj.attr("__dlpack__")(py::arg("max_version") = py::make_tuple(1, 0));
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;
    cap = obj.attr("__dlpack__")();
  }
  PyObject* c = cap.ptr();
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, "dltensor_versioned"));
    PyCapsule_SetName(c, "used_dltensor_versioned");
    auto release = [m] {
      if (!m->deleter || interpreter_exiting()) return;
      py::gil_scoped_acquire gil;  // the producer's deleter may touch Python objects
      m->deleter(m);
    };
    return import_managed(m, release);
  }
  if (PyCapsule_IsValid(c, "dltensor")) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
    PyCapsule_SetName(c, "used_dltensor");
    auto release = [m] {
      if (!m->deleter || interpreter_exiting()) return;
      py::gil_scoped_acquire gil;  // the producer's deleter may touch Python objects
      m->deleter(m);
    };
    return import_managed(m, release);
  }
  throw ValueError("from_dlpack: __dlpack__ did not return a valid (unused) DLPack capsule");
}

}  // namespace

void bind_dlpack(py::module_& m) {
  py::class_<Tensor> cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def("__dlpack__", [](const Tensor& t, py::object stream, py::object max_version, py::object dl_device,
                           py::object copy) {
    if (plan::recording()) refuse_plan("sharing a tensor's memory through DLPack");
    return to_dlpack(t, max_version);
  },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const Tensor& t) {
    return t.device().is_cpu() ? py::make_tuple(static_cast<int>(kDLCPU), 0)
                               : py::make_tuple(static_cast<int>(kDLCUDA), t.device().index);
  });
  m.def("from_dlpack", &from_dlpack, py::arg("x"), "Imports a DLPack-capable object (NumPy, PyTorch, ...) without copying.");
}

}  // namespace bind
}  // namespace pydl

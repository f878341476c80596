// Zero-copy NumPy interop: the buffer protocol out, shared memory in (the array is kept alive by the storage).
#include <chrono>
#include <thread>
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

void GilRelease::pause_forever() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

namespace {
const char* buffer_format(DType d) {
  switch (d) {
    case DType::Bool: return "?";
    case DType::UInt8: return "B";
    case DType::Int32: return "i";
    case DType::Int64: return "q";
    case DType::Float32: return "f";
    default: return "d";
  }
}

DType dtype_of_array(const py::array& arr) {
  const py::dtype dt = arr.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'b') return DType::Bool;
  if (kind == 'u' && size == 1) return DType::UInt8;
  if (kind == 'i' && size == 4) return DType::Int32;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  throw DTypeError("unsupported NumPy dtype '" + std::string(py::str(dt)) +
                   "' (supported: float32, float64, int32, int64, uint8, bool)");
}
}  // namespace

Tensor from_numpy(py::array arr) {
  const DType dt = dtype_of_array(arr);
  if (!arr.dtype().attr("isnative").cast<bool>())
    throw DTypeError("from_numpy: arrays in non-native byte order are not supported; use arr.astype(arr.dtype.newbyteorder('='))");
  const int64_t isz = itemsize(dt), nd = arr.ndim();
  Shape shape(nd), strides(nd);
  int64_t lo = 0, hi = 0;  // byte range touched, relative to the first element
  bool empty = false;
  for (int64_t d = 0; d < nd; ++d) {
    shape[d] = arr.shape(d);
    const int64_t bs = arr.strides(d);
    if (bs % isz != 0) throw ValueError("from_numpy: array strides must be multiples of the item size");
    strides[d] = bs / isz;
    if (shape[d] == 0) empty = true;
    else if (bs < 0) lo += (shape[d] - 1) * bs;
    else hi += (shape[d] - 1) * bs;
  }
  char* first = static_cast<char*>(const_cast<void*>(arr.data()));
  char* base = empty ? first : first + lo;
  const size_t nbytes = empty ? 0 : static_cast<size_t>(hi - lo + isz);
  // The storage owns a reference to the array; releasing it needs the GIL (we may be on a kernel thread).
  auto* keep = new py::object(arr);
  auto storage = Storage::wrap(base, nbytes, Device{}, [keep] {
    if (interpreter_exiting()) return;  // interpreter going or gone: leak the reference rather than end this thread
    py::gil_scoped_acquire gil;
    delete keep;
  });
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = empty ? 0 : -lo / isz;
  impl->dtype = dt;
  // NumPy refuses writes to a non-writeable array (a read-only mmap, np.frombuffer of bytes): so does the tensor.
  impl->storage->set_read_only(!arr.writeable());
  return Tensor(std::move(impl));
}

py::buffer_info buffer_of(const Tensor& t) {
  if (plan::recording()) refuse_plan("reading a tensor's values on the host (NumPy, buffer protocol)");
  if (!t.device().is_cpu())
    throw DeviceError("cannot view a tensor on " + t.device().str() + " as a NumPy array; call .cpu() first");
  const int64_t isz = t.itemsize();
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (auto s : t.strides()) strides.push_back(s * isz);
  return py::buffer_info(t.raw_data(), isz, buffer_format(t.dtype()), t.dim(), shape, strides, false);
}

py::array to_numpy(const Tensor& t, py::handle owner) {
  py::buffer_info info = buffer_of(t);
  std::string fmt = buffer_format(t.dtype());
  py::array arr(py::dtype(fmt), info.shape, info.strides, info.ptr, owner);
  if (t.storage()->read_only()) arr.attr("setflags")(py::arg("write") = false);
  return arr;
}

py::array numpy_view(const Tensor& t) {
  // The array owns a reference to the tensor's storage, not to the tensor: a weight moved to another device in
  // place (Layer.to) swaps its storage, and views taken before must keep the old memory alive.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return to_numpy(t, owner);
}

void bind_interop(py::module_& m) {
  m.def("from_numpy", [](py::array arr) { return from_numpy(arr); }, py::arg("array"),
        "Wraps a NumPy array without copying; the array stays alive while the tensor uses it. A non-writeable array "
        "gives a read-only tensor: in-place ops on it raise ValueError, as NumPy does.");
}

}  // namespace bind
}  // namespace pydl

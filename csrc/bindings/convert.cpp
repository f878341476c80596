#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

DType to_dtype(py::handle obj) {
  if (py::isinstance<DType>(obj)) return obj.cast<DType>();
  std::string name;
  if (py::isinstance<py::str>(obj)) {
    name = obj.cast<std::string>();
  } else {
    try {
      name = py::str(py::dtype::from_args(py::reinterpret_borrow<py::object>(obj)).attr("name"));
    } catch (py::error_already_set&) {
      throw py::type_error("unsupported dtype: " + std::string(py::repr(obj)));
    }
  }
  if (name == "float32" || name == "float") return DType::Float32;
  if (name == "float64" || name == "double") return DType::Float64;
  if (name == "int32") return DType::Int32;
  if (name == "int64" || name == "int" || name == "long") return DType::Int64;
  if (name == "uint8") return DType::UInt8;
  if (name == "bool" || name == "bool_") return DType::Bool;
  throw DTypeError("unsupported dtype '" + name + "' (supported: float32, float64, int32, int64, uint8, bool)");
}

Device to_device(py::handle obj) {
  if (obj.is_none()) return Device{};
  if (py::isinstance<Device>(obj)) return obj.cast<Device>();
  if (py::isinstance<py::str>(obj)) return parse_device(obj.cast<std::string>());
  throw py::type_error("device must be a string like 'cpu' or 'cuda', got " + std::string(py::repr(obj)));
}

namespace {
// One dimension as int64; a Python int beyond 64 bits is a ValueError naming it (like NumPy's), not a cast error.
int64_t to_dim(py::handle v) {
  py::int_ i(py::reinterpret_borrow<py::object>(v));
  int overflow = 0;
  const long long d = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow) throw ValueError("dimension " + std::string(py::str(i)) + " does not fit in 64 bits");
  if (d == -1 && PyErr_Occurred()) throw py::error_already_set();
  return d;
}
}  // namespace

Shape to_shape(py::handle obj) {
  if (py::isinstance<py::int_>(obj)) return {to_dim(obj)};
  Shape s;
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    throw py::type_error("shape must be an int or a sequence of ints, got " + std::string(py::repr(obj)));
  for (auto v : obj) {
    if (!py::isinstance<py::int_>(v) && !py::hasattr(v, "__index__"))
      throw py::type_error("shape must contain ints, got " + std::string(py::repr(obj)));
    s.push_back(to_dim(v));
  }
  return s;
}

Shape to_shape(py::args args) {
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) return to_shape(py::handle(args[0]));
  Shape s;
  for (auto v : args) s.push_back(to_dim(v));
  return s;
}

std::vector<int64_t> to_axes(py::handle obj) {
  if (obj.is_none()) return {};
  if (py::isinstance<py::int_>(obj)) return {obj.cast<int64_t>()};
  return to_shape(obj);
}

bool is_operand(py::handle obj) {
  return py::isinstance<Tensor>(obj) || py::isinstance<py::bool_>(obj) || py::isinstance<py::int_>(obj) ||
         py::isinstance<py::float_>(obj) || py::isinstance<py::array>(obj) || py::isinstance<py::list>(obj) ||
         py::isinstance<py::tuple>(obj) || py::hasattr(obj, "__array_interface__");
}

Tensor to_operand(py::handle obj, const Tensor& like) {
  if (py::isinstance<Tensor>(obj)) return obj.cast<Tensor>();
  const DType ld = like.dtype();
  if (py::isinstance<py::bool_>(obj)) return ops::scalar(obj.cast<bool>() ? 1.0 : 0.0, ld, like.device());
  if (py::isinstance<py::int_>(obj)) {
    DType d = ld == DType::Bool ? DType::Int64 : ld;
    return ops::scalar(obj.cast<double>(), d, like.device());
  }
  if (py::isinstance<py::float_>(obj)) {
    DType d = is_floating(ld) ? ld : DType::Float32;
    return ops::scalar(obj.cast<double>(), d, like.device());
  }
  if (is_operand(obj)) {
    py::array arr = py::array::ensure(obj);
    if (!arr) throw py::type_error("cannot convert " + std::string(py::repr(obj)) + " to a tensor");
    // Python floats in lists become float64 arrays: give them the tensor's float dtype instead.
    if (!py::isinstance<py::array>(obj) && arr.dtype().kind() == 'f' && is_floating(ld))
      arr = py::array::ensure(arr.attr("astype")(py::str(dtype_name(ld))));
    return ops::to_device(ops::clone(from_numpy(arr)), like.device());
  }
  throw py::type_error("unsupported operand type: " + std::string(py::str(obj.get_type().attr("__name__"))));
}

}  // namespace bind
}  // namespace pydl

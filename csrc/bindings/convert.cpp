#include <climits>
#include "bindings/common.h"
#include "core/elementwise_ops.h"
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

std::string py_repr(py::handle obj) { return py::repr(obj); }

std::string describe(py::handle obj) {
  return std::string(py::str(py::type::handle_of(obj).attr("__name__"))) + " " + py_repr(obj);
}

void throw_overflow(const std::string& msg) {
  PyErr_SetString(PyExc_OverflowError, msg.c_str());
  throw py::error_already_set();
}

int64_t to_int64(py::handle obj, const std::string& what) {
  if (py::isinstance<py::bool_>(obj) || py::isinstance<py::float_>(obj) || !PyIndex_Check(obj.ptr()))
    throw py::type_error(what + " must be an int, got " + describe(obj));
  py::int_ v = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
  if (!v) throw py::error_already_set();
  int overflow = 0;
  long long r = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow) throw py::value_error(what + " " + py_repr(v) + " does not fit in a 64-bit integer");
  return r;
}

double to_double(py::handle obj, const std::string& what) {
  if (py::isinstance<py::bool_>(obj) || !(py::isinstance<py::float_>(obj) || PyIndex_Check(obj.ptr()) ||
                                          py::hasattr(obj, "__float__")) || py::isinstance<py::str>(obj))
    throw py::type_error(what + " must be a number, got " + describe(obj));
  double r = PyFloat_AsDouble(obj.ptr());
  if (r == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw_overflow(what + " " + py_repr(obj) + " is too large to convert to float");
  }
  return r;
}

Tensor to_tensor_arg(py::handle obj, const std::string& what) {
  if (!py::isinstance<Tensor>(obj))
    throw py::type_error(what + " must be a Tensor, got " + describe(obj));
  return obj.cast<Tensor>();
}

Shape to_shape(py::handle obj) {
  if (PyIndex_Check(obj.ptr()) && !py::isinstance<py::bool_>(obj)) return {to_int64(obj, "shape")};
  Shape s;
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    throw py::type_error("shape must be an int or a sequence of ints, got " + py_repr(obj));
  for (auto v : obj) {
    if (py::isinstance<py::bool_>(v) || !PyIndex_Check(v.ptr()))
      throw py::type_error("shape must contain ints, got " + describe(v) + " in " + py_repr(obj));
    s.push_back(to_int64(v, "shape entry"));
  }
  return s;
}

Shape to_shape(py::args args) {
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) return to_shape(py::handle(args[0]));
  return to_shape(py::handle(args));
}

std::vector<int64_t> to_axes(py::handle obj) {
  if (obj.is_none()) return {};
  if (py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) {
    std::vector<int64_t> axes;
    for (auto v : obj) axes.push_back(to_int64(v, "axis"));
    return axes;
  }
  if (!PyIndex_Check(obj.ptr()) || py::isinstance<py::bool_>(obj))
    throw py::type_error("axis must be an int, a tuple of ints or None, got " + py_repr(obj));
  return {to_int64(obj, "axis")};
}

bool is_scalar_axis(py::handle obj) {
  if (!PyIndex_Check(obj.ptr()) || py::isinstance<py::bool_>(obj)) return false;
  py::int_ v = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
  if (!v) throw py::error_already_set();
  int overflow = 0;
  const long long a = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  return !overflow && (a == 0 || a == -1);
}

bool is_operand(py::handle obj) {
  return py::isinstance<Tensor>(obj) || py::isinstance<py::bool_>(obj) || py::isinstance<py::int_>(obj) ||
         py::isinstance<py::float_>(obj) || py::isinstance<py::array>(obj) || py::isinstance<py::list>(obj) ||
         py::isinstance<py::tuple>(obj) || py::hasattr(obj, "__array_interface__");
}

namespace {

// The range of an integer dtype (bool holds no Python int: it promotes to int64 like NumPy's default int).
void int_range(DType d, int64_t* lo, int64_t* hi) {
  switch (d) {
    case DType::UInt8: *lo = 0; *hi = 255; break;
    case DType::Int32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX;
  }
}

// An exact 0-d tensor of an integer dtype (ops::scalar goes through double, which rounds above 2**53).
Tensor int_scalar(int64_t v, DType d, Device dev) { return ops::full_int({}, v, d, dev); }

// A Python int where only its sign matters: it lies outside int64, so it compares the same with every element.
int outside_int64(py::handle obj) {
  if (!py::isinstance<py::int_>(obj) || py::isinstance<py::bool_>(obj)) return 0;
  int overflow = 0;
  PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
  return overflow;
}

}  // namespace

bool is_python_scalar(py::handle obj) {
  return py::isinstance<py::bool_>(obj) || py::isinstance<py::int_>(obj) || py::isinstance<py::float_>(obj);
}

Tensor to_operand(py::handle obj, const Tensor& like, ScalarRole role) {
  if (py::isinstance<Tensor>(obj)) return obj.cast<Tensor>();
  const DType ld = like.dtype();
  if (py::isinstance<py::bool_>(obj)) return ops::scalar(obj.cast<bool>() ? 1.0 : 0.0, ld, like.device());
  if (py::isinstance<py::int_>(obj)) {
    if (is_floating(ld)) return ops::scalar(to_double(obj, "Python integer"), ld, like.device());
    const DType d = ld == DType::Bool ? DType::Int64 : ld;
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    int64_t lo, hi;
    int_range(d, &lo, &hi);
    if (!overflow && v >= lo && v <= hi) return int_scalar(v, d, like.device());
    if (role == ScalarRole::TrueDiv) return ops::scalar(to_double(obj, "Python integer"), DType::Float32, like.device());
    if (role == ScalarRole::Compare && !overflow) return int_scalar(v, DType::Int64, like.device());
    throw_overflow("Python integer " + py_repr(obj) + " out of bounds for " + dtype_name(d));
  }
  if (py::isinstance<py::float_>(obj)) {
    DType d = is_floating(ld) ? ld : DType::Float32;
    return ops::scalar(obj.cast<double>(), d, like.device());
  }
  if (is_operand(obj)) {
    py::array arr = py::array::ensure(obj);
    if (!arr) throw py::type_error("cannot convert " + py_repr(obj) + " to a tensor");
    // Python floats in lists become float64 arrays: give them the tensor's float dtype instead.
    if (!py::isinstance<py::array>(obj) && arr.dtype().kind() == 'f' && is_floating(ld))
      arr = py::array::ensure(arr.attr("astype")(py::str(dtype_name(ld))));
    return ops::to_device(ops::clone(from_numpy(arr)), like.device());
  }
  throw py::type_error("unsupported operand type: " + std::string(py::str(obj.get_type().attr("__name__"))));
}

Tensor binary_with(BinaryOp op, const Tensor& t, py::handle other, bool reverse) {
  // (a bool tensor takes a Python int as int64, like NumPy: one outside int64 is an OverflowError there)
  if (is_comparison(op) && !is_floating(t.dtype()) && t.dtype() != DType::Bool) {
    if (int sign = outside_int64(other)) {
      // other is above (sign > 0) or below every element: the answer is the same everywhere.
      const bool lhs_less = reverse ? sign < 0 : sign > 0;  // the left operand is the smaller one
      bool v;
      switch (op) {
        case BinaryOp::Eq: v = false; break;
        case BinaryOp::Ne: v = true; break;
        case BinaryOp::Lt: case BinaryOp::Le: v = lhs_less; break;
        default: v = !lhs_less;
      }
      return ops::full(t.shape(), v ? 1.0 : 0.0, DType::Bool, t.device());
    }
  }
  const ScalarRole role = is_comparison(op) ? ScalarRole::Compare
                          : op == BinaryOp::Div ? ScalarRole::TrueDiv : ScalarRole::Arithmetic;
  Tensor o = to_operand(other, t, role);
  const char* name = binary_name(op);
  if (py::isinstance<Tensor>(other))
    return op_call(name, {t, o}, [op, reverse](const plan::Tensors& x) {
      return reverse ? ops::binary(op, x[1], x[0]) : ops::binary(op, x[0], x[1]);
    });
  if (plan::recording() && !is_python_scalar(other)) refuse_plan("an array-like operand (not a Tensor)");
  return op_call(name, {t}, [op, reverse, o](const plan::Tensors& x) {  // o: a constant from a Python scalar
    return reverse ? ops::binary(op, o, x[0]) : ops::binary(op, x[0], o);
  });
}

Tensor matmul_call(const Tensor& a, py::handle b, bool reverse) {
  Tensor o = to_operand(b, a);
  if (!py::isinstance<Tensor>(b) && plan::recording()) refuse_plan("an array-like operand (not a Tensor)");
  return op_call("matmul", {a, o}, [reverse](const plan::Tensors& x) {
    return reverse ? ops::matmul(x[1], x[0]) : ops::matmul(x[0], x[1]);
  });
}

void inplace_with(BinaryOp op, const Tensor& t, py::handle other) {
  // NumPy's order: a read-only target, then the casting of the result (int /= anything is a float result that an
  // int tensor cannot hold, whatever the Python int), then the Python int's range.
  static const char* names[] = {"add_", "sub_", "mul_", "div_", "pow_", "maximum_", "minimum_"};
  if (!is_comparison(op)) check_writable(t, names[static_cast<int>(op)]);
  const bool true_div = op == BinaryOp::Div && !is_floating(t.dtype());
  Tensor o = to_operand(other, t, true_div ? ScalarRole::TrueDiv : ScalarRole::Arithmetic);
  if (py::isinstance<Tensor>(other)) {
    op_call_void(names[static_cast<int>(op)], {t, o}, [op](const plan::Tensors& x) { ops::binary_(op, x[0], x[1]); });
    return;
  }
  if (plan::recording() && !is_python_scalar(other)) refuse_plan("an array-like operand (not a Tensor)");
  op_call_void(names[static_cast<int>(op)], {t}, [op, o](const plan::Tensors& x) { ops::binary_(op, x[0], o); });
}

}  // namespace bind
}  // namespace pydl

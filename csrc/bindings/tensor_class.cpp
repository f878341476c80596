// pydl.Tensor: properties, views, basic indexing, operators, backward. Advanced indexing is delegated to Python.
#include "autograd/node.h"
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {
namespace {

using Tensors = plan::Tensors;

py::object g_advanced_getitem, g_advanced_setitem;  // set by pydl/tensor.py

bool is_basic_item(py::handle k) {
  return k.is_none() || k.ptr() == Py_Ellipsis || PySlice_Check(k.ptr()) ||
         (py::isinstance<py::int_>(k) && !py::isinstance<py::bool_>(k)) ||
         (py::hasattr(k, "__index__") && !py::isinstance<py::bool_>(k) && !py::isinstance<Tensor>(k) &&
          !py::isinstance<py::array>(k));
}

// NumPy's message for a key of the wrong type, with the item received.
[[noreturn]] void bad_index(py::handle k) {
  throw py::index_error("only integers, slices (`:`), ellipsis (`...`), None and integer or boolean arrays are "
                        "valid indices, got " + describe(k));
}

// A slice's start/stop/step: None or an index (huge values clamp, as Python's own slicing does).
int64_t slice_part(py::handle v, bool* has) {
  *has = !v.is_none();
  if (!*has) return 0;
  if (py::isinstance<py::bool_>(v) || !PyIndex_Check(v.ptr()))
    throw py::type_error("slice indices must be integers or None, got " + py_repr(v));
  Py_ssize_t r = PyNumber_AsSsize_t(v.ptr(), nullptr);  // clamps instead of raising on overflow
  if (r == -1 && PyErr_Occurred()) throw py::error_already_set();
  return r;
}

// Parses a basic index (ints, slices, None, Ellipsis, or a tuple of them); false when the key is advanced.
bool parse_basic(const Tensor& t, py::handle key, std::vector<ops::IndexItem>& items) {
  py::tuple parts = py::isinstance<py::tuple>(key) ? py::reinterpret_borrow<py::tuple>(key) : py::make_tuple(key);
  for (auto k : parts)
    if (!is_basic_item(k)) return false;
  for (auto k : parts) {
    ops::IndexItem it{ops::IndexItem::Int};
    if (k.is_none()) it.kind = ops::IndexItem::NewAxis;
    else if (k.ptr() == Py_Ellipsis) it.kind = ops::IndexItem::Ellipsis;
    else if (PySlice_Check(k.ptr())) {
      it.kind = ops::IndexItem::Slice;
      bool has_step;
      it.start = slice_part(k.attr("start"), &it.has_start);
      it.stop = slice_part(k.attr("stop"), &it.has_stop);
      it.step = slice_part(k.attr("step"), &has_step);
      if (!has_step) it.step = 1;
    } else {
      int overflow = 0;
      py::object v = py::reinterpret_steal<py::object>(PyNumber_Index(k.ptr()));
      if (!v) bad_index(k);
      it.start = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
      if (overflow) throw py::index_error("index " + py_repr(v) + " is out of bounds for a tensor of shape " +
                                          shape_str(t.shape()));
    }
    items.push_back(it);
  }
  return true;
}

// The value of x[key] = value as a tensor, with NumPy's rules for Python scalars: into a bool tensor any scalar
// counts by its truth; into an integer tensor a float is truncated toward zero first (int(value): NaN is a
// ValueError, inf an OverflowError) and an int out of the dtype's range is an OverflowError (NEP 50).
Tensor setitem_operand(py::handle value, const Tensor& t) {
  const bool num = py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value);
  if (num && !py::isinstance<py::bool_>(value) && t.dtype() == DType::Bool)
    return ops::scalar(PyObject_IsTrue(value.ptr()) ? 1.0 : 0.0, DType::Bool, t.device());
  if (py::isinstance<py::float_>(value) && !is_floating(t.dtype()))
    return to_operand(py::int_(py::reinterpret_borrow<py::object>(value)), t);
  return to_operand(value, t);
}

void check_not_read_only(const Tensor& t) {
  PYDL_CHECK(!t.storage()->read_only(), ValueError, "__setitem__: assignment destination is read-only (the tensor "
             "shares the memory of a read-only array, such as a memory-mapped file or bytes); copy it first with .clone()");
}

py::object scalar_to_py(const Tensor& t_in) {
  if (plan::recording()) refuse_plan("reading a tensor's value on the host (float(), int(), bool(), .item())");
  PYDL_CHECK(t_in.numel() == 1, ValueError, "only a tensor with one element can be converted to a Python scalar, got shape ",
             shape_str(t_in.shape()));
  Tensor t = ops::to_device(t_in, Device{});
  return visit_dtype(t.dtype(), [&](auto tag) -> py::object {
    using T = decltype(tag);
    T v = *t.data<T>();
    if constexpr (std::is_same<T, bool>::value) return py::bool_(v);
    else if constexpr (std::is_floating_point<T>::value) return py::float_(static_cast<double>(v));
    else return py::int_(static_cast<int64_t>(v));
  });
}

template <BinaryOp OP, bool REVERSE> py::object binop(const Tensor& self, py::object other) {
  if (!is_operand(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  return py::cast(binary_with(OP, self, other, REVERSE));
}

template <BinaryOp OP> py::object inplace(const Tensor& self, py::object other) {
  if (!is_operand(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  inplace_with(OP, self, other);
  return py::cast(self);
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<Tensor> cls(m, "Tensor");
  // No buffer protocol: NumPy goes through __array__ (pydl/tensor.py), whose arrays own the storage (numpy_view).
  cls.def("_numpy_view", &numpy_view);
  cls.def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); });
  cls.def_property_readonly("strides", [](const Tensor& t) { return py::tuple(py::cast(t.strides())); });
  cls.def_property_readonly("offset", &Tensor::offset);
  cls.def_property_readonly("dtype", &Tensor::dtype);
  cls.def_property_readonly("device", &Tensor::device);
  cls.def_property_readonly("ndim", &Tensor::dim);
  cls.def_property_readonly("size", &Tensor::numel);
  cls.def_property_readonly("itemsize", &Tensor::itemsize);
  cls.def_property_readonly("nbytes", [](const Tensor& t) { return t.numel() * t.itemsize(); });
  cls.def_property("requires_grad", &Tensor::requires_grad, [](Tensor& t, bool r) {
    if (plan::recording()) refuse_plan("setting requires_grad");
    t.set_requires_grad(r);
  });
  cls.def_property("grad", [](const Tensor& t) -> py::object { Tensor g = t.grad(); return g.defined() ? py::cast(g) : py::none(); },
                   [](Tensor& t, py::object g) {
                     if (plan::recording()) refuse_plan("setting .grad");
                     t.set_grad(g.is_none() ? Tensor() : to_tensor_arg(g, "grad"));
                   });
  cls.def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
    auto fn = t.grad_fn();
    return fn ? py::cast(fn->name()) : py::none();
  });
  cls.def_property_readonly("is_leaf", &Tensor::is_leaf);
  cls.def_property_readonly("T", [](const Tensor& t) {
    std::vector<int64_t> dims;
    for (int64_t d = t.dim() - 1; d >= 0; --d) dims.push_back(d);
    return op_call("permute", {t}, [dims](const Tensors& x) { return ops::permute(x[0], dims); });
  });
  cls.def("__hash__", [](const Tensor& t) { return reinterpret_cast<intptr_t>(t.impl()); });
  cls.def("is_contiguous", &Tensor::is_contiguous);
  cls.def("contiguous", [](const Tensor& t) { return op_call("contiguous", {t}, [](const Tensors& x) { return ops::contiguous(x[0]); }); });
  cls.def("clone", [](const Tensor& t) { return op_call("clone", {t}, [](const Tensors& x) { return ops::clone(x[0]); }); });
  cls.def("detach", [](const Tensor& t) { return op_call("detach", {t}, [](const Tensors& x) { return ops::detach(x[0]); }); });
  cls.def("astype", [](const Tensor& t, py::object dt) {
    DType d = to_dtype(dt);
    return op_call("astype", {t}, [d](const Tensors& x) { return ops::clone(ops::cast(x[0], d)); });
  }, py::arg("dtype"));
  cls.def("to", [](const Tensor& t, py::object target) {
    if (py::isinstance<py::str>(target) || py::isinstance<Device>(target)) {
      std::string s = py::str(target);
      if (py::isinstance<Device>(target) || s == "cpu" || s.rfind("cuda", 0) == 0) {
        Device d = to_device(target);
        return op_call("to", {t}, [d](const Tensors& x) { return ops::to_device(x[0], d); });
      }
    }
    DType d = to_dtype(target);
    return op_call("cast", {t}, [d](const Tensors& x) { return ops::cast(x[0], d); });
  }, py::arg("target"));
  cls.def("_move_to_", [](const Tensor& t, py::object target) { Device d = to_device(target); nogil([&] { ops::move_to_(t, d); }); },
          py::arg("device"));
  cls.def("cpu", [](const Tensor& t) { return op_call("to", {t}, [](const Tensors& x) { return ops::to_device(x[0], Device{}); }); });
  cls.def("cuda", [](const Tensor& t, int index) {
    return op_call("to", {t}, [index](const Tensors& x) { return ops::to_device(x[0], Device{DeviceType::CUDA, index}); });
  },
          py::arg("index") = 0);
  cls.def("reshape", [](const Tensor& t, py::args shape) {
    Shape s = to_shape(shape);
    return op_call("reshape", {t}, [s](const Tensors& x) { return ops::reshape(x[0], s); });
  });
  cls.def("view", [](const Tensor& t, py::args shape) {
    Shape s = to_shape(shape);
    return op_call("view", {t}, [s](const Tensors& x) { return ops::view(x[0], s); });
  });
  cls.def("permute", [](const Tensor& t, py::args dims) {
    Shape d = to_shape(dims);
    return op_call("permute", {t}, [d](const Tensors& x) { return ops::permute(x[0], d); });
  });
  cls.def("transpose", [](const Tensor& t, py::object a, py::object b) {
    if (a.is_none()) {
      std::vector<int64_t> dims;
      for (int64_t d = t.dim() - 1; d >= 0; --d) dims.push_back(d);
      return op_call("permute", {t}, [dims](const Tensors& x) { return ops::permute(x[0], dims); });
    }
    if (b.is_none()) throw py::type_error("transpose: give both axes or none, got axis0=" + py_repr(a) + " and axis1=None");
    const int64_t a0 = to_int64(a, "transpose: axis0"), a1 = to_int64(b, "transpose: axis1");
    return op_call("transpose", {t}, [a0, a1](const Tensors& x) { return ops::transpose(x[0], a0, a1); });
  }, py::arg("axis0") = py::none(), py::arg("axis1") = py::none());
  cls.def("expand", [](const Tensor& t, py::args shape) {
    Shape s = to_shape(shape);
    return op_call("expand", {t}, [s](const Tensors& x) { return ops::expand(x[0], s); });
  });
  cls.def("broadcast_to", [](const Tensor& t, py::object shape) {
    Shape s = to_shape(shape);
    return op_call("expand", {t}, [s](const Tensors& x) { return ops::expand(x[0], s); });
  }, py::arg("shape"));
  cls.def("squeeze", [](const Tensor& t, py::object axis) {
    // NumPy accepts an int axis 0 or -1 (not a tuple) for a 0-d array, as if it had one axis of size 1.
    std::vector<int64_t> ax = t.dim() == 0 && is_scalar_axis(axis) ? std::vector<int64_t>{} : to_axes(axis);
    return op_call("squeeze", {t}, [ax](const Tensors& x) { return ops::squeeze(x[0], ax); });
  }, py::arg("axis") = py::none());
  cls.def("unsqueeze", [](const Tensor& t, int64_t axis) {
    return op_call("unsqueeze", {t}, [axis](const Tensors& x) { return ops::unsqueeze(x[0], axis); });
  }, py::arg("axis"));
  cls.def("flatten", [](const Tensor& t) { return op_call("flatten", {t}, [](const Tensors& x) { return ops::flatten(x[0]); }); });
  cls.def("item", &scalar_to_py);
  cls.def("__float__", [](const Tensor& t) { return py::float_(scalar_to_py(t)); });
  cls.def("__int__", [](const Tensor& t) { return py::int_(scalar_to_py(t)); });
  cls.def("__bool__", [](const Tensor& t) {
    PYDL_CHECK(t.numel() == 1, ValueError, "the truth value of a tensor with ", t.numel(),
               " elements is ambiguous; use .any() or .all()");
    return py::bool_(scalar_to_py(t));
  });
  cls.def("__index__", [](const Tensor& t) {
    PYDL_CHECK(!is_floating(t.dtype()) && t.dtype() != DType::Bool, DTypeError,
               "only integer tensors can be used as an index, got dtype ", dtype_name(t.dtype()));
    return py::int_(scalar_to_py(t));
  });
  cls.def("__len__", [](const Tensor& t) {
    if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
    return t.shape()[0];
  });
  cls.def("__getitem__", [](const Tensor& t, py::object key) -> py::object {
    std::vector<ops::IndexItem> items;
    if (parse_basic(t, key, items))
      return py::cast(op_call("getitem", {t}, [items](const Tensors& x) { return ops::index_view(x[0], items); }));
    return g_advanced_getitem(py::cast(t), key);
  });
  cls.def("__setitem__", [](const Tensor& t, py::object key, py::object value) {
    PYDL_CHECK(!(t.requires_grad() && autograd::grad_enabled()), RuntimeError,
               "__setitem__: in-place assignment to a tensor that requires grad; use pydl.no_grad()");
    // NumPy's order: a read-only destination, then the key (IndexError), then the value (OverflowError).
    check_not_read_only(t);
    std::vector<ops::IndexItem> items;
    if (parse_basic(t, key, items)) {
      ops::index_put_target(t, items);
      Tensor v = setitem_operand(value, t);
      if (py::isinstance<Tensor>(value)) {
        op_call_void("setitem", {t, v}, [items](const Tensors& x) { ops::index_put_(x[0], items, x[1]); });
      } else {
        if (plan::recording() && !is_python_scalar(value)) refuse_plan("an array-like value (not a Tensor)");
        op_call_void("setitem", {t}, [items, v](const Tensors& x) { ops::index_put_(x[0], items, v); });
      }
      return;
    }
    check_writable(t, "__setitem__");  // an advanced write may reach any element (PyTorch checks all of them too)
    g_advanced_setitem(py::cast(t), key, value);
  });
  cls.def("backward", [](const Tensor& t, py::object grad, bool retain_graph) {
    if (grad.is_none()) {
      PYDL_CHECK(t.numel() == 1, RuntimeError, "backward: grad=None can be implicitly created only for scalar outputs; "
                 "pass grad= for a tensor of shape ", shape_str(t.shape()));
      op_call_void("backward", {t}, [retain_graph](const Tensors& x) {
        autograd::backward(x[0], ops::ones(x[0].shape(), x[0].dtype(), x[0].device()), retain_graph);
      });
      return;
    }
    Tensor g = to_operand(grad, t);
    if (plan::recording() && !py::isinstance<Tensor>(grad)) refuse_plan("backward with an array-like grad");
    op_call_void("backward", {t, g}, [retain_graph](const Tensors& x) { autograd::backward(x[0], x[1], retain_graph); });
  }, py::arg("grad") = py::none(), py::arg("retain_graph") = false);

  cls.def("__add__", &binop<BinaryOp::Add, false>);
  cls.def("__radd__", &binop<BinaryOp::Add, true>);
  cls.def("__sub__", &binop<BinaryOp::Sub, false>);
  cls.def("__rsub__", &binop<BinaryOp::Sub, true>);
  cls.def("__mul__", &binop<BinaryOp::Mul, false>);
  cls.def("__rmul__", &binop<BinaryOp::Mul, true>);
  cls.def("__truediv__", &binop<BinaryOp::Div, false>);
  cls.def("__rtruediv__", &binop<BinaryOp::Div, true>);
  cls.def("__pow__", &binop<BinaryOp::Pow, false>);
  cls.def("__rpow__", &binop<BinaryOp::Pow, true>);
  cls.def("__eq__", &binop<BinaryOp::Eq, false>);
  cls.def("__ne__", &binop<BinaryOp::Ne, false>);
  cls.def("__lt__", &binop<BinaryOp::Lt, false>);
  cls.def("__le__", &binop<BinaryOp::Le, false>);
  cls.def("__gt__", &binop<BinaryOp::Gt, false>);
  cls.def("__ge__", &binop<BinaryOp::Ge, false>);
  cls.def("__iadd__", &inplace<BinaryOp::Add>);
  cls.def("__isub__", &inplace<BinaryOp::Sub>);
  cls.def("__imul__", &inplace<BinaryOp::Mul>);
  cls.def("__itruediv__", &inplace<BinaryOp::Div>);
  cls.def("__matmul__", [](const Tensor& a, py::object b) -> py::object {
    if (!is_operand(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(matmul_call(a, b, false));
  });
  cls.def("__rmatmul__", [](const Tensor& a, py::object b) -> py::object {
    if (!is_operand(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(matmul_call(a, b, true));
  });
  cls.def("__neg__", [](const Tensor& t) { return op_call("negative", {t}, [](const Tensors& x) { return ops::unary(UnaryOp::Neg, x[0]); }); });
  cls.def("__pos__", [](const Tensor& t) { return t; });
  cls.def("__abs__", [](const Tensor& t) { return op_call("abs", {t}, [](const Tensors& x) { return ops::unary(UnaryOp::Abs, x[0]); }); });

  m.def("_setitem_operand", [](const Tensor& t, py::object value) { return setitem_operand(value, t); });
  m.def("_set_index_hooks", [](py::object getitem, py::object setitem) {
    g_advanced_getitem = getitem;
    g_advanced_setitem = setitem;
  });
  // Drop the hooks before the interpreter tears down, so no Python object outlives it in a C++ static.
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    g_advanced_getitem = py::object();
    g_advanced_setitem = py::object();
  }));
}

}  // namespace bind
}  // namespace pydl

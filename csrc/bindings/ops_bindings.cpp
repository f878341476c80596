// Module-level op functions (pydl._C.add, ...) and the matching Tensor methods. Each releases the GIL.
#include <array>
#include <climits>
#include "bindings/common.h"
#include "core/elementwise_ops.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {
namespace {

// Defines `name` as a module function (first argument x) and, when `method`, as a Tensor method.
template <typename F, typename... Extra>
void def_op(py::module_& m, py::class_<Tensor>& cls, const char* name, bool method, F&& f, const Extra&... extra) {
  m.def(name, f, py::arg("x"), extra...);
  if (method) cls.def(name, f, extra...);
}

using Tensors = plan::Tensors;

Tensor unary_call(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0) {
  return op_call(unary_name(op), {x}, [op, p0, p1](const Tensors& t) { return ops::unary(op, t[0], p0, p1); });
}

std::vector<Tensor> tensor_list(py::handle seq, const char* op) {
  std::vector<Tensor> out;
  if (!py::isinstance<py::iterable>(seq) || py::isinstance<Tensor>(seq))
    throw py::type_error(std::string(op) + ": expected a sequence of Tensors, got " + py_repr(seq));
  for (auto item : seq) {
    if (!py::isinstance<Tensor>(item))
      throw py::type_error(std::string(op) + ": expected a sequence of Tensors, got an element " + describe(item) +
                           " in " + py_repr(seq));
    out.push_back(item.cast<Tensor>());
  }
  return out;
}

// A reduction with NumPy's axis forms: None (all axes), an int, or a tuple; an empty tuple reduces over no axis
// (the core's empty axis list means "all"), which is the reduction over a new axis of length 1.
// `scalar_axis`: like NumPy's ufunc reductions (sum, max, min; not mean, var, std), an int axis 0 or -1 of a 0-d
// tensor names its only element.
template <typename F>
Tensor reduce_call(const char* name, const Tensor& x, py::handle axis, bool keepdims, F f, bool scalar_axis = false) {
  if (scalar_axis && x.dim() == 0 && is_scalar_axis(axis))
    return op_call(name, {x}, [f, keepdims](const Tensors& t) { return f(t[0], {}, keepdims); });
  const bool no_axis = (py::isinstance<py::tuple>(axis) || py::isinstance<py::list>(axis)) && py::len(axis) == 0;
  std::vector<int64_t> ax = no_axis ? std::vector<int64_t>{0} : to_axes(axis);
  return op_call(name, {x}, [f, ax, no_axis, keepdims](const Tensors& t) {
    return no_axis ? f(ops::unsqueeze(t[0], 0), ax, false) : f(t[0], ax, keepdims);
  });
}

bool is_float_bound(py::handle b) {
  return !b.is_none() && !py::isinstance<py::bool_>(b) && !PyIndex_Check(b.ptr());
}

// A Python clip bound as ops::clip takes it (None, bool, int of any size, float, or a NumPy integer scalar).
ops::ClipBound clip_bound(const Tensor& x, py::handle b, const char* what) {
  ops::ClipBound out;
  if (b.is_none()) return out;
  out.given = true;
  out.is_bool = py::isinstance<py::bool_>(b);  // bools are bounds too in NumPy
  out.is_float = is_float_bound(b);
  out.value = out.is_bool ? (b.cast<bool>() ? 1.0 : 0.0) : to_double(b, what);
  out.text = py_repr(b);
  if (!out.is_bool && !out.is_float && !py::isinstance<py::int_>(b)) {
    out.operand = to_operand(b, x);  // a NumPy integer scalar: an int64 operand, like any array
  } else if (!out.is_bool && !out.is_float) {
    int overflow = 0;
    out.exact = PyLong_AsLongLongAndOverflow(b.ptr(), &overflow);
    out.beyond = overflow;
    if (out.exact == -1 && PyErr_Occurred()) throw py::error_already_set();
  }
  return out;
}

Tensor clip_call(const Tensor& x, py::object lo, py::object hi) {
  const ops::ClipBound l = clip_bound(x, lo, "clip: min"), h = clip_bound(x, hi, "clip: max");
  if (plan::recording() && (l.operand.defined() || h.operand.defined())) refuse_plan("clip with an array bound");
  return op_call("clip", {x}, [l, h](const Tensors& t) { return ops::clip(t[0], l, h); });
}

}  // namespace

void bind_ops(py::module_& m) {
  py::class_<Tensor> cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));

  // Binary ops accept a Tensor or Python scalar on either side.
  auto bin = [&](const char* name, BinaryOp op) {
    m.def(name, [op](py::object a, py::object b) {
      if (py::isinstance<Tensor>(a)) return binary_with(op, a.cast<Tensor>(), b, false);
      if (py::isinstance<Tensor>(b)) return binary_with(op, b.cast<Tensor>(), a, true);
      Tensor ta = to_operand(a, ops::scalar(0, DType::Float32));
      return binary_with(op, ta, b, false);
    }, py::arg("a"), py::arg("b"));
  };
  for (const BinaryInfo& info : kBinaryOpInfo) bin(info.name, info.op);
  cls.def("pow", [](const Tensor& a, py::object b) { return binary_with(BinaryOp::Pow, a, b, false); });
  m.def("where", [](py::object cond, py::object a, py::object b) {
    Tensor like = py::isinstance<Tensor>(a) ? a.cast<Tensor>() : (py::isinstance<Tensor>(b) ? b.cast<Tensor>() : ops::scalar(0, DType::Float32));
    Tensor c = to_operand(cond, ops::scalar(0, DType::Bool)), ta = to_operand(a, like), tb = to_operand(b, like);
    // Tensor operands are the op's inputs; Python scalars are constants of the recorded op (array-likes refuse it).
    const std::array<bool, 3> given = {py::isinstance<Tensor>(cond), py::isinstance<Tensor>(a), py::isinstance<Tensor>(b)};
    const std::array<Tensor, 3> all = {c, ta, tb};
    std::array<Tensor, 3> constant;
    Tensors ins;
    for (int k = 0; k < 3; ++k) {
      if (given[k]) ins.push_back(all[k]);
      else constant[k] = all[k];
    }
    if (plan::recording() && !((given[0] || is_python_scalar(cond)) && (given[1] || is_python_scalar(a)) &&
                               (given[2] || is_python_scalar(b))))
      refuse_plan("an array-like operand (not a Tensor)");
    return op_call("where", ins, [given, constant](const Tensors& t) {
      size_t i = 0;
      std::array<Tensor, 3> x;
      for (int k = 0; k < 3; ++k) x[k] = given[k] ? t[i++] : constant[k];
      return ops::where(x[0], x[1], x[2]);
    });
  }, py::arg("condition"), py::arg("a"), py::arg("b"));

  // Unary ops: module function and Tensor method, with the row's keyword argument (its p0); clip is bound by hand.
  for (const UnaryInfo& info : kUnaryOpInfo) {
    const UnaryOp op = info.op;
    const OpArg& arg = info.arg;
    switch (arg.kind) {
      case ArgKind::None: def_op(m, cls, info.name, true, [op](const Tensor& x) { return unary_call(op, x); }); break;
      case ArgKind::Float:
        def_op(m, cls, info.name, true, [op](const Tensor& x, double p) { return unary_call(op, x, p); },
               py::arg(arg.name) = arg.default_value);
        break;
      case ArgKind::Bool:
        def_op(m, cls, info.name, true, [op](const Tensor& x, bool p) { return unary_call(op, x, p ? 1.0 : 0.0); },
               py::arg(arg.name) = arg.default_value != 0.0);
        break;
      case ArgKind::Custom: break;
    }
  }
  // The table itself, for pydl.ops, pydl.activations and the tests: one dict per row.
  m.def("elementwise_ops", [] {
    py::list rows;
    auto alias = [](const char* a) { return *a ? py::object(py::str(a)) : py::object(py::none()); };
    for (const UnaryInfo& u : kUnaryOpInfo)
      rows.append(py::dict(py::arg("name") = u.name, py::arg("alias") = alias(u.alias), py::arg("kind") = "unary",
                           py::arg("integer") = u.dtypes == OpDTypes::Ints,
                           py::arg("activation") = u.role == OpRole::Activation,
                           py::arg("param") = u.arg.name ? py::object(py::str(u.arg.name)) : py::object(py::none())));
    for (const BinaryInfo& b : kBinaryOpInfo)
      rows.append(py::dict(py::arg("name") = b.name, py::arg("alias") = alias(b.alias),
                           py::arg("kind") = b.comparison ? "comparison" : "binary",
                           py::arg("integer") = b.dtypes == OpDTypes::Ints, py::arg("activation") = false,
                           py::arg("param") = py::none()));
    return rows;
  }, "The elementwise op table (csrc/core/elementwise_ops.def): name, alias, kind ('unary', 'binary' or "
     "'comparison'), integer (runs on integer tensors in their dtype), activation (a Keras activation name), param.");
  def_op(m, cls, "clip", true, [](const Tensor& x, py::object lo, py::object hi) { return clip_call(x, lo, hi); },
         py::arg("min") = py::none(), py::arg("max") = py::none());

  // Reductions.
  def_op(m, cls, "sum", true, [](const Tensor& x, py::object axis, bool keepdims) {
    return reduce_call("sum", x, axis, keepdims, [](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::sum(x, ax, keepdims); }, true);
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "mean", true, [](const Tensor& x, py::object axis, bool keepdims) {
    return reduce_call("mean", x, axis, keepdims, [](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::mean(x, ax, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "max", true, [](const Tensor& x, py::object axis, bool keepdims) {
    return reduce_call("max", x, axis, keepdims, [](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::amax(x, ax, keepdims); }, true);
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "min", true, [](const Tensor& x, py::object axis, bool keepdims) {
    return reduce_call("min", x, axis, keepdims, [](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::amin(x, ax, keepdims); }, true);
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "argmax", true, [](const Tensor& x, py::object axis, bool keepdims) {
    const bool all = axis.is_none() || (x.dim() == 0 && is_scalar_axis(axis));  // NumPy: 0 or -1 of a 0-d tensor
    int64_t a = all ? 0 : to_int64(axis, "argmax: axis");
    return op_call("argmax", {x}, [all, a, keepdims](const Tensors& t) { return ops::argmax(t[0], all ? nullptr : &a, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "argmin", true, [](const Tensor& x, py::object axis, bool keepdims) {
    const bool all = axis.is_none() || (x.dim() == 0 && is_scalar_axis(axis));  // NumPy: 0 or -1 of a 0-d tensor
    int64_t a = all ? 0 : to_int64(axis, "argmin: axis");
    return op_call("argmin", {x}, [all, a, keepdims](const Tensors& t) { return ops::argmin(t[0], all ? nullptr : &a, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "var", true, [](const Tensor& x, py::object axis, bool keepdims, int64_t ddof) {
    return reduce_call("var", x, axis, keepdims, [ddof](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::var(x, ax, keepdims, ddof); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0);
  def_op(m, cls, "std", true, [](const Tensor& x, py::object axis, bool keepdims, int64_t ddof) {
    return reduce_call("std", x, axis, keepdims, [ddof](const Tensor& x, std::vector<int64_t> ax, bool keepdims) { return ops::std_(x, ax, keepdims, ddof); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0);
  def_op(m, cls, "softmax", true, [](const Tensor& x, int64_t axis) {
    return op_call("softmax", {x}, [axis](const Tensors& t) { return ops::softmax(t[0], axis, false); });
  },
         py::arg("axis") = -1);
  def_op(m, cls, "log_softmax", true, [](const Tensor& x, int64_t axis) {
    return op_call("log_softmax", {x}, [axis](const Tensors& t) { return ops::softmax(t[0], axis, true); });
  },
         py::arg("axis") = -1);

  m.def("matmul", [](const Tensor& a, py::object b) { return matmul_call(a, b, false); },
        py::arg("a"), py::arg("b"));
  cls.def("matmul", [](const Tensor& a, py::object b) { return matmul_call(a, b, false); });

  m.def("gemm_", [](const Tensor& c, const Tensor& a, const Tensor& b, double alpha, double beta, bool ta, bool tb) {
    op_call_void("gemm_", {c, a, b}, [alpha, beta, ta, tb](const Tensors& t) { ops::gemm_(t[0], t[1], t[2], alpha, beta, ta, tb); });
  }, py::arg("c"), py::arg("a"), py::arg("b"), py::arg("alpha") = 1.0, py::arg("beta") = 0.0,
     py::arg("trans_a") = false, py::arg("trans_b") = false);

  // Assembling and gathering.
  m.def("concatenate", [](py::object seq, int64_t axis) {
    auto ts = tensor_list(seq, "concatenate");
    return op_call("concatenate", ts, [axis](const Tensors& t) { return ops::concatenate(t, axis); });
  }, py::arg("tensors"), py::arg("axis") = 0);
  m.def("stack", [](py::object seq, int64_t axis) {
    auto ts = tensor_list(seq, "stack");
    return op_call("stack", ts, [axis](const Tensors& t) { return ops::stack(t, axis); });
  }, py::arg("tensors"), py::arg("axis") = 0);
  m.def("_split", [](const Tensor& x, std::vector<int64_t> boundaries, int64_t axis) {
    return op_call_many("split", {x}, [boundaries, axis](const Tensors& t) { return ops::split(t[0], boundaries, axis); });
  });
  m.def("_pad", [](const Tensor& x, std::vector<std::pair<int64_t, int64_t>> pads, double value) {
    return op_call("pad", {x}, [pads, value](const Tensors& t) { return ops::pad(t[0], pads, value); });
  });
  m.def("_index_select", [](const Tensor& x, int64_t axis, const Tensor& index) {
    return op_call("index_select", {x, index}, [axis](const Tensors& t) { return ops::index_select(t[0], axis, t[1]); });
  });
  m.def("gather", [](const Tensor& x, int64_t axis, const Tensor& index) {
    return op_call("gather", {x, index}, [axis](const Tensors& t) { return ops::gather(t[0], axis, t[1]); });
  }, py::arg("x"), py::arg("axis"), py::arg("index"));
  // Exact integer creation (pydl.full / arange with Python ints): the Python side checks the range.
  m.def("_full_int", [](py::object shape, int64_t value, py::object dtype, py::object device) {
    Shape sh = to_shape(shape); DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("full", {}, [sh, value, d, dev](const Tensors&) { return ops::full_int(sh, value, d, dev); });
  });
  m.def("_arange_int", [](int64_t start, int64_t step, int64_t count, py::object dtype, py::object device) {
    DType d = to_dtype(dtype); Device dev = to_device(device);
    return op_call("arange", {}, [start, step, count, d, dev](const Tensors&) { return ops::arange_int(start, step, count, d, dev); });
  });
  m.def("_copy_", [](const Tensor& dst, const Tensor& src) {
    op_call_void("copy_", {dst, src}, [](const Tensors& t) { ops::copy_(t[0], t[1]); });
  });
}

}  // namespace bind
}  // namespace pydl

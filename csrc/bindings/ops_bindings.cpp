// Module-level op functions (pydl._C.add, ...) and the matching Tensor methods. Each releases the GIL.
#include "bindings/common.h"
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

Tensor unary_call(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0) {
  return nogil([&] { return ops::unary(op, x, p0, p1); });
}

std::vector<Tensor> tensor_list(py::handle seq, const char* op) {
  std::vector<Tensor> out;
  for (auto item : seq) {
    if (!py::isinstance<Tensor>(item))
      throw py::type_error(std::string(op) + ": expected a sequence of Tensors, got an element of type " +
                           std::string(py::str(item.get_type().attr("__name__"))));
    out.push_back(item.cast<Tensor>());
  }
  return out;
}

}  // namespace

void bind_ops(py::module_& m) {
  py::class_<Tensor> cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));

  // Binary ops accept a Tensor or Python scalar on either side.
  auto bin = [&](const char* name, BinaryOp op) {
    m.def(name, [op](py::object a, py::object b) {
      if (!py::isinstance<Tensor>(a) && !py::isinstance<Tensor>(b)) {
        Tensor ta = to_operand(a, ops::scalar(0, DType::Float32));
        Tensor tb = to_operand(b, ta);
        return nogil([&] { return ops::binary(op, ta, tb); });
      }
      Tensor ta = py::isinstance<Tensor>(a) ? a.cast<Tensor>() : to_operand(a, b.cast<Tensor>());
      Tensor tb = to_operand(b, ta);
      return nogil([&] { return ops::binary(op, ta, tb); });
    }, py::arg("a"), py::arg("b"));
  };
  bin("add", BinaryOp::Add); bin("sub", BinaryOp::Sub); bin("mul", BinaryOp::Mul); bin("div", BinaryOp::Div);
  bin("pow", BinaryOp::Pow); bin("maximum", BinaryOp::Maximum); bin("minimum", BinaryOp::Minimum);
  bin("eq", BinaryOp::Eq); bin("ne", BinaryOp::Ne); bin("lt", BinaryOp::Lt); bin("le", BinaryOp::Le);
  bin("gt", BinaryOp::Gt); bin("ge", BinaryOp::Ge);
  cls.def("pow", [](const Tensor& a, py::object b) { Tensor tb = to_operand(b, a); return nogil([&] { return ops::binary(BinaryOp::Pow, a, tb); }); });
  m.def("where", [](py::object cond, py::object a, py::object b) {
    Tensor like = py::isinstance<Tensor>(a) ? a.cast<Tensor>() : (py::isinstance<Tensor>(b) ? b.cast<Tensor>() : ops::scalar(0, DType::Float32));
    Tensor c = to_operand(cond, ops::scalar(0, DType::Bool)), ta = to_operand(a, like), tb = to_operand(b, like);
    return nogil([&] { return ops::where(c, ta, tb); });
  }, py::arg("condition"), py::arg("a"), py::arg("b"));

  struct U { const char* name; UnaryOp op; };
  for (U u : {U{"neg", UnaryOp::Neg}, U{"abs", UnaryOp::Abs}, U{"exp", UnaryOp::Exp}, U{"log", UnaryOp::Log},
              U{"sqrt", UnaryOp::Sqrt}, U{"square", UnaryOp::Square}, U{"reciprocal", UnaryOp::Reciprocal},
              U{"sigmoid", UnaryOp::Sigmoid}, U{"tanh", UnaryOp::Tanh}, U{"relu", UnaryOp::Relu},
              U{"softplus", UnaryOp::Softplus}}) {
    UnaryOp op = u.op;
    def_op(m, cls, u.name, true, [op](const Tensor& x) { return unary_call(op, x); });
  }
  def_op(m, cls, "leaky_relu", true, [](const Tensor& x, double alpha) { return unary_call(UnaryOp::LeakyRelu, x, alpha); },
         py::arg("alpha") = 0.2);
  def_op(m, cls, "elu", true, [](const Tensor& x, double alpha) { return unary_call(UnaryOp::Elu, x, alpha); },
         py::arg("alpha") = 1.0);
  def_op(m, cls, "clip", true, [](const Tensor& x, py::object lo, py::object hi) {
    double l = lo.is_none() ? -INFINITY : lo.cast<double>(), h = hi.is_none() ? INFINITY : hi.cast<double>();
    PYDL_CHECK(!(l > h), ValueError, "clip: min (", l, ") is greater than max (", h, ")");
    if (!is_floating(x.dtype())) {  // integer bounds clamp to the dtype's range
      l = std::max(l, -9.2e18); h = std::min(h, 9.2e18);
    }
    return unary_call(UnaryOp::Clip, x, l, h);
  }, py::arg("min") = py::none(), py::arg("max") = py::none());

  // Reductions.
  def_op(m, cls, "sum", true, [](const Tensor& x, py::object axis, bool keepdims) {
    auto ax = to_axes(axis); return nogil([&] { return ops::sum(x, ax, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "mean", true, [](const Tensor& x, py::object axis, bool keepdims) {
    auto ax = to_axes(axis); return nogil([&] { return ops::mean(x, ax, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "max", true, [](const Tensor& x, py::object axis, bool keepdims) {
    auto ax = to_axes(axis); return nogil([&] { return ops::amax(x, ax, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "min", true, [](const Tensor& x, py::object axis, bool keepdims) {
    auto ax = to_axes(axis); return nogil([&] { return ops::amin(x, ax, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "argmax", true, [](const Tensor& x, py::object axis, bool keepdims) {
    int64_t a = axis.is_none() ? 0 : axis.cast<int64_t>();
    return nogil([&] { return ops::argmax(x, axis.is_none() ? nullptr : &a, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "argmin", true, [](const Tensor& x, py::object axis, bool keepdims) {
    int64_t a = axis.is_none() ? 0 : axis.cast<int64_t>();
    return nogil([&] { return ops::argmin(x, axis.is_none() ? nullptr : &a, keepdims); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false);
  def_op(m, cls, "var", true, [](const Tensor& x, py::object axis, bool keepdims, int64_t ddof) {
    auto ax = to_axes(axis); return nogil([&] { return ops::var(x, ax, keepdims, ddof); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0);
  def_op(m, cls, "std", true, [](const Tensor& x, py::object axis, bool keepdims, int64_t ddof) {
    auto ax = to_axes(axis); return nogil([&] { return ops::std_(x, ax, keepdims, ddof); });
  }, py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0);
  def_op(m, cls, "softmax", true, [](const Tensor& x, int64_t axis) { return nogil([&] { return ops::softmax(x, axis, false); }); },
         py::arg("axis") = -1);
  def_op(m, cls, "log_softmax", true, [](const Tensor& x, int64_t axis) { return nogil([&] { return ops::softmax(x, axis, true); }); },
         py::arg("axis") = -1);

  m.def("matmul", [](const Tensor& a, py::object b) { Tensor tb = to_operand(b, a); return nogil([&] { return ops::matmul(a, tb); }); },
        py::arg("a"), py::arg("b"));
  cls.def("matmul", [](const Tensor& a, py::object b) { Tensor tb = to_operand(b, a); return nogil([&] { return ops::matmul(a, tb); }); });

  m.def("gemm_", [](const Tensor& c, const Tensor& a, const Tensor& b, double alpha, double beta, bool ta, bool tb) {
    nogil([&] { ops::gemm_(c, a, b, alpha, beta, ta, tb); return 0; });
  }, py::arg("c"), py::arg("a"), py::arg("b"), py::arg("alpha") = 1.0, py::arg("beta") = 0.0,
     py::arg("trans_a") = false, py::arg("trans_b") = false);

  // Assembling and gathering.
  m.def("concatenate", [](py::object seq, int64_t axis) {
    auto ts = tensor_list(seq, "concatenate"); return nogil([&] { return ops::concatenate(ts, axis); });
  }, py::arg("tensors"), py::arg("axis") = 0);
  m.def("stack", [](py::object seq, int64_t axis) {
    auto ts = tensor_list(seq, "stack"); return nogil([&] { return ops::stack(ts, axis); });
  }, py::arg("tensors"), py::arg("axis") = 0);
  m.def("_split", [](const Tensor& x, std::vector<int64_t> boundaries, int64_t axis) {
    return ops::split(x, boundaries, axis);
  });
  m.def("_pad", [](const Tensor& x, std::vector<std::pair<int64_t, int64_t>> pads, double value) {
    return nogil([&] { return ops::pad(x, pads, value); });
  });
  m.def("_index_select", [](const Tensor& x, int64_t axis, const Tensor& index) {
    return nogil([&] { return ops::index_select(x, axis, index); });
  });
  m.def("gather", [](const Tensor& x, int64_t axis, const Tensor& index) {
    return nogil([&] { return ops::gather(x, axis, index); });
  }, py::arg("x"), py::arg("axis"), py::arg("index"));
  m.def("_copy_", [](const Tensor& dst, const Tensor& src) { nogil([&] { ops::copy_(dst, src); return 0; }); });
}

}  // namespace bind
}  // namespace pydl

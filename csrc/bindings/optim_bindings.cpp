// Bindings for the training kernels: a batched optimizer update (one call updates every parameter of a model,
// with the GIL released) and softmax cross-entropy.
#include "autograd/node.h"
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

namespace {
Tensor opt_tensor(py::handle h) { return h.is_none() ? Tensor() : h.cast<Tensor>(); }
}  // namespace

void bind_optim(py::module_& m) {
  // params: list of Tensors; grads: list of Tensors (or None to read each param.grad and skip those without);
  // slots: list (one per param) of lists of up to 3 Tensors or None. With clear_grad, param.grad is reset.
  m.def("_optim_update", [](int kind, py::list params, py::object grads, py::list slots, double lr, double beta1,
                            double beta2, double eps, std::vector<double> c, bool nesterov, bool amsgrad,
                            double clipnorm, double clipvalue, bool clear_grad) {
    PYDL_CHECK(kind >= 0 && kind <= static_cast<int>(OptimKind::Nadam), ValueError, "unknown optimizer kind ", kind);
    PYDL_CHECK(py::len(slots) == py::len(params), ValueError, "_optim_update: ", py::len(params), " parameters but ",
               py::len(slots), " slot lists");
    PYDL_CHECK(grads.is_none() || py::len(grads) == py::len(params), ValueError, "_optim_update: ",
               py::len(params), " parameters but ", py::len(grads), " gradients");
    c.resize(5, 0.0);
    py::list grad_list = grads.is_none() ? py::list() : py::list(grads);
    std::vector<OptimStep> steps;
    steps.reserve(py::len(params));
    for (size_t i = 0; i < py::len(params); ++i) {
      OptimStep s;
      s.kind = static_cast<OptimKind>(kind);
      s.param = params[i].cast<Tensor>();
      s.grad = grads.is_none() ? s.param.grad() : opt_tensor(grad_list[i]);
      if (!s.grad.defined()) continue;  // a parameter the loss does not depend on keeps its value
      py::list sl = slots[i].cast<py::list>();
      if (sl.size() > 0) s.slot0 = opt_tensor(sl[0]);
      if (sl.size() > 1) s.slot1 = opt_tensor(sl[1]);
      if (sl.size() > 2) s.slot2 = opt_tensor(sl[2]);
      s.lr = lr; s.beta1 = beta1; s.beta2 = beta2; s.eps = eps;
      s.c1 = c[0]; s.c2 = c[1]; s.c3 = c[2]; s.c4 = c[3]; s.c5 = c[4];
      s.nesterov = nesterov; s.amsgrad = amsgrad; s.clipnorm = clipnorm; s.clipvalue = clipvalue;
      steps.push_back(std::move(s));
    }
    nogil([&] {
      for (OptimStep& s : steps) {
        ops::optim_update(s);
        if (clear_grad) s.param.set_grad(Tensor());
      }
      return 0;
    });
    return steps.size();
  }, py::arg("kind"), py::arg("params"), py::arg("grads"), py::arg("slots"), py::arg("lr"), py::arg("beta1") = 0.0,
     py::arg("beta2") = 0.0, py::arg("eps") = 1e-7, py::arg("c") = std::vector<double>{}, py::arg("nesterov") = false,
     py::arg("amsgrad") = false, py::arg("clipnorm") = 0.0, py::arg("clipvalue") = 0.0, py::arg("clear_grad") = false);

  m.def("softmax_cross_entropy", [](const Tensor& logits, const Tensor& target) {
    return nogil([&] { return ops::softmax_cross_entropy(logits, target); });
  }, py::arg("logits"), py::arg("target"));

  m.def("dropout", [](const Tensor& x, double rate) { return nogil([&] { return ops::dropout(x, rate); }); },
        py::arg("x"), py::arg("rate"));
}

}  // namespace bind
}  // namespace pydl

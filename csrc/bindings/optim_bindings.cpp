// Bindings for the training kernels: a batched optimizer update (one call updates every parameter of a model,
// with the GIL released) and softmax cross-entropy.
#include "autograd/node.h"
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

using Tensors = plan::Tensors;

namespace {
Tensor opt_tensor(py::handle h) { return h.is_none() ? Tensor() : h.cast<Tensor>(); }
}  // namespace

OptimStep optim_rule(OptimKind kind, double lr, double beta1, double beta2, double eps, std::vector<double> c,
                     bool nesterov, bool amsgrad, double clipnorm, double clipvalue) {
  OptimStep rule;
  rule.kind = kind;
  c.resize(5, 0.0);
  rule.lr = lr; rule.beta1 = beta1; rule.beta2 = beta2; rule.eps = eps;
  rule.c1 = c[0]; rule.c2 = c[1]; rule.c3 = c[2]; rule.c4 = c[3]; rule.c5 = c[4];
  rule.nesterov = nesterov; rule.amsgrad = amsgrad; rule.clipnorm = clipnorm; rule.clipvalue = clipvalue;
  return rule;
}

std::vector<std::array<Tensor, 3>> optim_slots(py::list slots) {
  std::vector<std::array<Tensor, 3>> sl;
  for (py::handle list : slots) {
    std::array<Tensor, 3> three;
    py::list l = list.cast<py::list>();
    for (size_t k = 0; k < 3 && k < l.size(); ++k) three[k] = opt_tensor(l[k]);
    sl.push_back(three);
  }
  return sl;
}

void bind_optim(py::module_& m) {
  py::enum_<OptimKind>(m, "OptimKind", "The update rules of the fused optimizer kernel (core/optim.h).")
      .value("SGD", OptimKind::SGD).value("Adagrad", OptimKind::Adagrad).value("Adadelta", OptimKind::Adadelta)
      .value("RMSprop", OptimKind::RMSprop).value("Adam", OptimKind::Adam).value("Nadam", OptimKind::Nadam);
  // params: list of Tensors; grads: list of Tensors or Nones (or None: each param.grad); slots: list (one per param)
  // of lists of up to 3 Tensors or None. ops::optim_update_all does the rest.
  m.def("_optim_update", [](OptimKind kind, py::list params, py::object grads, py::list slots, double lr,
                            double beta1, double beta2, double eps, std::vector<double> c, bool nesterov, bool amsgrad,
                            double clipnorm, double clipvalue, bool clear_grad) {
    const OptimStep rule = optim_rule(kind, lr, beta1, beta2, eps, std::move(c), nesterov, amsgrad, clipnorm, clipvalue);
    std::vector<Tensor> ps, gs;
    for (py::handle p : params) ps.push_back(p.cast<Tensor>());
    if (!grads.is_none())
      for (py::handle g : grads) gs.push_back(opt_tensor(g));
    const std::vector<std::array<Tensor, 3>> sl = optim_slots(slots);
    return nogil([&] { return ops::optim_update_all(rule, ps, grads.is_none() ? nullptr : &gs, sl, clear_grad); });
  }, py::arg("kind"), py::arg("params"), py::arg("grads"), py::arg("slots"), py::arg("lr"), py::arg("beta1") = 0.0,
     py::arg("beta2") = 0.0, py::arg("eps") = 1e-7, py::arg("c") = std::vector<double>{}, py::arg("nesterov") = false,
     py::arg("amsgrad") = false, py::arg("clipnorm") = 0.0, py::arg("clipvalue") = 0.0, py::arg("clear_grad") = false);

  m.def("softmax_cross_entropy", [](const Tensor& logits, const Tensor& target) {
    return op_call("softmax_cross_entropy", {logits, target}, [](const Tensors& t) { return ops::softmax_cross_entropy(t[0], t[1]); });
  }, py::arg("logits"), py::arg("target"));

  m.def("dropout", [](const Tensor& x, double rate) {
    return op_call("dropout", {x}, [rate](const Tensors& t) { return ops::dropout(t[0], rate); });
  },
        py::arg("x"), py::arg("rate"));
}

}  // namespace bind
}  // namespace pydl

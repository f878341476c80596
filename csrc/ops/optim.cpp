// Fused optimizer update: validation here, the arithmetic in the registered kernel (cpu/optim.cpp).
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

namespace {
const char* kind_name(OptimKind k) {
  static const char* names[] = {"SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Nadam"};
  return names[static_cast<int>(k)];
}

void check_slot(const Tensor& slot, const Tensor& p, const char* kind, const char* what) {
  PYDL_CHECK(slot.defined(), ValueError, kind, " update: missing slot '", what, "'");
  PYDL_CHECK(slot.shape() == p.shape() && slot.dtype() == p.dtype(), ShapeError, kind, " update: slot '", what,
             "' has shape ", shape_str(slot.shape()), " and dtype ", dtype_name(slot.dtype()),
             ", the parameter ", shape_str(p.shape()), " and ", dtype_name(p.dtype()));
  PYDL_CHECK(slot.is_contiguous(), ValueError, kind, " update: slot '", what, "' must be contiguous");
  check_same_device(slot, p, kind);
}
}  // namespace

void optim_update(const OptimStep& in) {
  const char* kind = kind_name(in.kind);
  const Tensor& p = in.param;
  PYDL_CHECK(p.defined() && in.grad.defined(), ValueError, kind, " update: parameter and gradient are required");
  PYDL_CHECK(is_floating(p.dtype()), DTypeError, kind, " update: parameters must be float32 or float64, got ",
             dtype_name(p.dtype()));
  PYDL_CHECK(p.is_contiguous(), ValueError, kind, " update: the parameter must be contiguous");
  PYDL_CHECK(in.grad.shape() == p.shape(), ShapeError, kind, " update: gradient of shape ",
             shape_str(in.grad.shape()), " for a parameter of shape ", shape_str(p.shape()));
  check_same_device(in.grad, p, kind);
  OptimStep s = in;
  s.grad = contiguous(cast(detach(in.grad), p.dtype()));
  switch (s.kind) {
    case OptimKind::SGD: if (s.beta1 > 0) check_slot(s.slot0, p, kind, "velocity"); else s.slot0 = Tensor(); break;
    case OptimKind::Adagrad: case OptimKind::RMSprop: check_slot(s.slot0, p, kind, "accumulator"); break;
    case OptimKind::Adadelta:
      check_slot(s.slot0, p, kind, "accumulator"); check_slot(s.slot1, p, kind, "delta_accumulator"); break;
    case OptimKind::Adam: case OptimKind::Nadam:
      check_slot(s.slot0, p, kind, "m"); check_slot(s.slot1, p, kind, "v");
      if (s.kind == OptimKind::Adam && s.amsgrad) check_slot(s.slot2, p, kind, "vhat");
      break;
  }
  for (const Tensor* t : {&s.param, &s.slot0, &s.slot1, &s.slot2})
    if (t->defined()) check_writable(*t, kind);
  if (s.grad.storage() == p.storage()) s.grad = clone(s.grad);  // p -= lr * p must read the old values
  if (p.numel() == 0) return;
  PYDL_KERNEL(optim_update, p.device(), kind)(s);
  // Autograd must notice that these tensors changed under any graph that saved them.
  for (const Tensor* t : {&s.param, &s.slot0, &s.slot1, &s.slot2})
    if (t->defined()) t->storage()->bump_version();
}

int64_t optim_update_all(const OptimStep& rule, const std::vector<Tensor>& params, const std::vector<Tensor>* grads,
                         const std::vector<std::array<Tensor, 3>>& slots, bool clear_grad) {
  const int kind = static_cast<int>(rule.kind);
  PYDL_CHECK(kind >= 0 && kind <= static_cast<int>(OptimKind::Nadam), ValueError, "unknown optimizer kind ", kind);
  PYDL_CHECK(slots.size() == params.size(), ValueError, "_optim_update: ", params.size(), " parameters but ",
             slots.size(), " slot lists");
  PYDL_CHECK(!grads || grads->size() == params.size(), ValueError, "_optim_update: ", params.size(),
             " parameters but ", grads->size(), " gradients");
  // Every gradient is read before any update, so a parameter listed twice sees the same gradient twice.
  std::vector<OptimStep> steps;
  steps.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    OptimStep s = rule;
    s.param = params[i];
    s.grad = grads ? (*grads)[i] : s.param.grad();
    if (!s.grad.defined()) continue;  // a parameter the loss does not depend on keeps its value
    s.slot0 = slots[i][0]; s.slot1 = slots[i][1]; s.slot2 = slots[i][2];
    steps.push_back(std::move(s));
  }
  for (OptimStep& s : steps) {
    optim_update(s);
    if (clear_grad) s.param.set_grad(Tensor());
  }
  return static_cast<int64_t>(steps.size());
}

}  // namespace ops
}  // namespace pydl

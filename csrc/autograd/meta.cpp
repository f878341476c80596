// Tensor's autograd accessors.
#include "autograd/node.h"

namespace pydl {

bool Tensor::requires_grad() const {
  const auto& m = impl_->autograd;
  return m && (m->requires_grad || m->grad_fn);
}

void Tensor::set_requires_grad(bool r) {
  PYDL_CHECK(!r || is_floating(dtype()), DTypeError, "only floating-point tensors can require gradients, got dtype ",
             dtype_name(dtype()));
  auto& m = impl_->autograd;
  if (m && m->grad_fn && !r)
    throw RuntimeError("requires_grad can only be changed on leaf tensors; use detach() on a computed tensor");
  if (!m) {
    if (!r) return;
    m = std::make_shared<AutogradMeta>();
  }
  m->requires_grad = r;
}

Tensor Tensor::grad() const { return impl_->autograd ? impl_->autograd->grad : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  auto& m = impl_->autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  if (g.defined()) {
    PYDL_CHECK(g.shape() == shape(), ShapeError, "assigned grad has shape ", shape_str(g.shape()),
               " but the tensor has shape ", shape_str(shape()));
    PYDL_CHECK(g.dtype() == dtype(), DTypeError, "assigned grad has dtype ", dtype_name(g.dtype()),
               " but the tensor has dtype ", dtype_name(dtype()));
  }
  m->grad = g;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  return impl_->autograd ? impl_->autograd->grad_fn : nullptr;
}

}  // namespace pydl

#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace autograd {

namespace { thread_local bool t_grad_enabled = true; }
bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }

Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  for (auto& e : next)
    if (e && e.use_count() == 1) pending.push_back(std::move(e));
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    for (auto& e : n->next)
      if (e && e.use_count() == 1) pending.push_back(std::move(e));
  }
}

std::vector<Tensor> FunctionNode::apply(const Tensor& grad_output) {
  if (released_)
    throw RuntimeError(str_cat("Trying to backward through the graph a second time (", name_,
                               "): its saved tensors were freed. Pass retain_graph=True to the first backward()."));
  return fn_(grad_output);
}

std::vector<Tensor> AccumulateGrad::apply(const Tensor& g) {
  auto impl = leaf_.lock();
  if (!impl) return {};
  Tensor leaf(impl);
  PYDL_CHECK(g.shape() == leaf.shape(), ShapeError, "gradient of shape ", shape_str(g.shape()),
             " does not match the tensor's shape ", shape_str(leaf.shape()));
  Tensor current = leaf.grad();
  if (!current.defined()) {
    // Take the incoming gradient as it is when nothing else can see it (the engine's reference is its only one, it
    // owns its whole buffer, which pydl allocated, and is not part of a graph), as PyTorch does: a step then copies
    // no parameter gradient.
    const bool sole = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.storage()->owned() &&
                      !g.storage()->read_only() && g.offset() == 0 && g.is_contiguous() && !g.requires_grad() &&
                      g.grad_fn() == nullptr && g.dtype() == leaf.dtype();
    leaf.set_grad(sole ? g : ops::clone(g.dtype() == leaf.dtype() ? g : ops::cast(g, leaf.dtype())));
  } else {
    ops::add_(current, g);  // in place, like PyTorch
  }
  return {};
}

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  t_ = Tensor::view_of(t, t.shape(), t.strides(), t.offset());
  version_ = t.storage()->version();
}

const Tensor& SavedTensor::get() const {
  if (t_.defined() && t_.storage()->version() != version_)
    throw RuntimeError("one of the tensors needed for gradient computation has been modified by an in-place "
                       "operation after it was saved; compute on a copy (clone()) instead");
  return t_;
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

static std::shared_ptr<Node> edge_for(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  auto fn = t.grad_fn();
  if (fn) return fn;
  auto& meta = t.impl()->autograd;
  auto acc = meta->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(std::weak_ptr<TensorImpl>(t.impl_ptr()));
    meta->grad_accumulator = acc;
  }
  return acc;
}

void record(Tensor& out, const char* name, const std::vector<Tensor>& inputs, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next.push_back(edge_for(t));
  auto& meta = out.impl()->autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->grad_fn = std::move(node);
  meta->requires_grad = true;
}

}  // namespace autograd
}  // namespace pydl

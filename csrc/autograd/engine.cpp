// The backward pass: count each node's consumers, then walk the graph iteratively in dependency order,
// summing the gradients that reach a node before running it.
#include <unordered_map>
#include <unordered_set>
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace autograd {

void backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  NoGradGuard no_grad;
  PYDL_CHECK(root.requires_grad(), RuntimeError,
             "backward: the tensor does not require grad and has no grad_fn (nothing to differentiate)");
  PYDL_CHECK(grad.shape() == root.shape(), ShapeError, "backward: grad of shape ", shape_str(grad.shape()),
             " does not match the output's shape ", shape_str(root.shape()));
  std::shared_ptr<Node> start = root.grad_fn();
  if (!start) start = std::make_shared<AccumulateGrad>(std::weak_ptr<TensorImpl>(root.impl_ptr()));

  std::unordered_map<Node*, int> deps;
  {
    std::vector<Node*> stack{start.get()};
    std::unordered_set<Node*> seen{start.get()};
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (auto& e : n->next) {
        if (!e) continue;
        ++deps[e.get()];
        if (seen.insert(e.get()).second) stack.push_back(e.get());
      }
    }
  }
  std::unordered_map<Node*, Tensor> grads;
  grads[start.get()] = grad;
  std::vector<Node*> ready{start.get()};
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor g;
    auto it = grads.find(n);
    if (it != grads.end()) { g = it->second; grads.erase(it); }
    std::vector<Tensor> outs;
    if (g.defined()) outs = n->apply(g);
    if (!retain_graph) n->release();
    for (size_t i = 0; i < n->next.size(); ++i) {
      Node* child = n->next[i].get();
      if (!child) continue;
      if (i < outs.size() && outs[i].defined()) {
        auto slot = grads.find(child);
        if (slot == grads.end()) grads.emplace(child, outs[i]);
        else slot->second = ops::add(slot->second, outs[i]);
      }
      if (--deps[child] == 0) ready.push_back(child);
    }
  }
}

}  // namespace autograd
}  // namespace pydl

// The backward pass: count each node's consumers, then walk the graph iteratively in dependency order,
// summing the gradients that reach a node before running it.
#include <unordered_map>
#include <vector>
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

  // Number the nodes reachable from the start once (one hash lookup per edge) and keep each edge's child number
  // (edges[edge_start[k] + i] for input i of node k, -1 where it has none); counts and pending gradients then live
  // in vectors indexed by that number.
  std::unordered_map<Node*, int> index{{start.get(), 0}};
  std::vector<Node*> nodes{start.get()};
  std::vector<int> deps(1, 0), edges, edge_start;
  for (size_t k = 0; k < nodes.size(); ++k) {
    edge_start.push_back(static_cast<int>(edges.size()));
    for (auto& e : nodes[k]->next) {
      if (!e) {
        edges.push_back(-1);
        continue;
      }
      auto [it, fresh] = index.emplace(e.get(), static_cast<int>(nodes.size()));
      if (fresh) {
        nodes.push_back(e.get());
        deps.push_back(0);
      }
      ++deps[it->second];
      edges.push_back(it->second);
    }
  }
  std::vector<Tensor> grads(nodes.size());
  grads[0] = grad;
  std::vector<int> ready{0};
  while (!ready.empty()) {
    const int k = ready.back();
    ready.pop_back();
    Node* n = nodes[k];
    Tensor g = std::move(grads[k]);  // the engine's reference is then the only one (AccumulateGrad may keep it)
    std::vector<Tensor> outs;
    if (g.defined()) outs = n->apply(g);
    g = Tensor();
    if (!retain_graph) n->release();
    for (size_t i = 0; i < n->next.size(); ++i) {
      const int c = edges[edge_start[k] + i];
      if (c < 0) continue;
      if (i < outs.size() && outs[i].defined()) {
        if (!grads[c].defined())
          grads[c] = std::move(outs[i]);
        else
          grads[c] = ops::add(grads[c], outs[i]);
      }
      if (--deps[c] == 0) ready.push_back(c);
    }
  }
}

}  // namespace autograd
}  // namespace pydl

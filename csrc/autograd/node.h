// Autograd graph: a Node per recorded op holds how to turn the gradient of its output into gradients of its inputs,
// and edges to the nodes of those inputs. Leaves end in AccumulateGrad, which adds into tensor.grad.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "core/tensor.h"

namespace pydl {
namespace autograd {

struct Node {
  virtual ~Node();  // iterative: a 10,000-deep chain must not overflow the stack when freed
  // One gradient per edge (undefined where that input needs none).
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;
  virtual void release() {}  // drop saved tensors after backward (unless retain_graph)
  virtual std::string name() const = 0;
  std::vector<std::shared_ptr<Node>> next;  // one per input; null where the input does not require grad
};

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct FunctionNode final : Node {
  FunctionNode(const char* n, BackwardFn f) : name_(n), fn_(std::move(f)) {}
  std::vector<Tensor> apply(const Tensor& grad_output) override;
  void release() override { fn_ = nullptr; released_ = true; }
  std::string name() const override { return name_; }

 private:
  const char* name_;
  BackwardFn fn_;
  bool released_ = false;
};

struct AccumulateGrad final : Node {
  explicit AccumulateGrad(std::weak_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::vector<Tensor> apply(const Tensor& grad_output) override;
  std::string name() const override { return "AccumulateGrad"; }

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

// A tensor saved for backward: stored without its autograd state (no reference cycles) and with the storage
// version at save time, so a later in-place write is detected instead of giving a silently wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  const Tensor& get() const;
  bool defined() const { return t_.defined(); }

 private:
  Tensor t_;
  uint64_t version_ = 0;
};

// Grad mode (thread-local, like torch.no_grad).
bool grad_enabled();
void set_grad_enabled(bool on);
struct NoGradGuard {
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  bool prev_;
};

// True when an op on these inputs must be recorded.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);
// Attaches a FunctionNode to `out` with edges to `inputs` (call only when needs_grad).
void record(Tensor& out, const char* name, const std::vector<Tensor>& inputs, BackwardFn fn);

// Runs backward from `root` (seeded with `grad`), accumulating into the leaves' .grad.
void backward(const Tensor& root, const Tensor& grad, bool retain_graph);

}  // namespace autograd
}  // namespace pydl

// Softmax cross-entropy fused into one kernel (forward) and one kernel (backward): the loss of a softmax output
// layer computed from its logits, stable for any logit size (log-sum-exp with the row maximum subtracted).
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

Tensor softmax_cross_entropy(const Tensor& logits_in, const Tensor& target_in) {
  const char* name = "softmax_cross_entropy";
  check_float(logits_in, name);
  check_same_device(logits_in, target_in, name);
  PYDL_CHECK(logits_in.dim() >= 1, ShapeError, name, ": logits need a class axis, got shape ",
             shape_str(logits_in.shape()));
  const Shape& ls = logits_in.shape();
  const int64_t cols = ls.back();
  Shape row_shape(ls.begin(), ls.end() - 1);
  const bool sparse = !is_floating(target_in.dtype());
  Tensor target;
  if (sparse) {
    PYDL_CHECK(target_in.shape() == row_shape, ShapeError, name, ": integer labels of shape ",
               shape_str(target_in.shape()), " do not match logits of shape ", shape_str(ls), " (expected ",
               shape_str(row_shape), ")");
    target = contiguous(cast(detach(target_in), DType::Int64));
    // The backward kernel indexes rows with these labels, checked once here: it must read exactly these values,
    // so labels still sharing the caller's memory (a NumPy array the caller may rewrite) are copied (rows int64s).
    if (target.storage() == target_in.storage()) target = clone(target);
  } else {
    PYDL_CHECK(target_in.shape() == ls, ShapeError, name, ": targets of shape ", shape_str(target_in.shape()),
               " do not match logits of shape ", shape_str(ls));
    target = contiguous(cast(detach(target_in), logits_in.dtype()));
  }
  PYDL_CHECK(cols > 0, ShapeError, name, ": logits of shape ", shape_str(ls), " have no classes");
  Tensor z = contiguous(detach(logits_in));
  const int64_t rows = z.numel() / cols;
  Tensor loss = empty(row_shape, z.dtype(), z.device());
  Tensor probs = empty(ls, z.dtype(), z.device());
  if (rows > 0) PYDL_KERNEL(softmax_xent, z.device(), name)(loss, probs, z, target, rows, cols, sparse);
  if (autograd::needs_grad({&logits_in})) {
    autograd::SavedTensor P(probs), T(target);
    autograd::record(loss, "SoftmaxCrossEntropyBackward", {logits_in}, [=](const Tensor& g) {
      Tensor gl = contiguous(g), gz = empty(P.get().shape(), P.get().dtype(), P.get().device());
      if (rows > 0) PYDL_KERNEL(softmax_xent_backward, gz.device(), name)(gz, gl, P.get(), T.get(), rows, cols, sparse);
      return std::vector<Tensor>{gz};
    });
  }
  return loss;
}

}  // namespace ops
}  // namespace pydl

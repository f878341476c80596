// Gathers with integer indices: index_select along an axis (NumPy take / advanced indexing) and torch-style gather.
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

namespace {
// int64, contiguous, negative indices wrapped, every index checked against `n`.
Tensor checked_index(const Tensor& index, int64_t n, const char* op, int64_t axis) {
  PYDL_CHECK(!is_floating(index.dtype()) && index.dtype() != DType::Bool, DTypeError, op,
             ": indices must be integers, got dtype ", dtype_name(index.dtype()));
  Tensor idx = clone(detach(cast(index, DType::Int64)));
  Tensor cpu_idx = to_device(idx, Device{});
  int64_t* p = cpu_idx.data<int64_t>();
  for (int64_t i = 0; i < cpu_idx.numel(); ++i) {
    int64_t v = p[i] < 0 ? p[i] + n : p[i];
    PYDL_CHECK(v >= 0 && v < n, IndexError, op, ": index ", p[i], " is out of bounds for axis ", axis, " with size ", n);
    p[i] = v;
  }
  return to_device(cpu_idx, index.device());
}
}  // namespace

Tensor index_select(const Tensor& t_in, int64_t axis, const Tensor& index) {
  int ax = normalize_axis(axis, t_in.dim(), "take");
  const int64_t n = t_in.shape()[ax];
  Tensor idx = checked_index(index, n, "take", axis);
  Tensor t = contiguous(t_in);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < ax; ++d) outer *= t.shape()[d];
  for (int64_t d = ax + 1; d < t.dim(); ++d) inner *= t.shape()[d];
  Shape out_shape(t.shape().begin(), t.shape().begin() + ax);
  out_shape.insert(out_shape.end(), idx.shape().begin(), idx.shape().end());
  out_shape.insert(out_shape.end(), t.shape().begin() + ax + 1, t.shape().end());
  Tensor out = empty(out_shape, t.dtype(), t.device());
  if (out.numel() > 0) PYDL_KERNEL(index_select, t.device(), "take")(out, t, idx, outer, n, inner);
  if (is_floating(t.dtype()) && needs_grad({&t})) {
    Shape in_shape = t.shape();
    record(out, "TakeBackward", {t}, [=](const Tensor& g) {
      Tensor acc = zeros(in_shape, g.dtype(), g.device());
      if (g.numel() > 0) PYDL_KERNEL(index_add, g.device(), "take_backward")(acc, contiguous(g), idx, outer, n, inner);
      return Grads{acc};
    });
  }
  return out;
}

Tensor gather(const Tensor& t_in, int64_t axis, const Tensor& index) {
  PYDL_CHECK(index.dim() == t_in.dim(), ShapeError, "gather: index of shape ", shape_str(index.shape()),
             " must have the same rank as the input of shape ", shape_str(t_in.shape()));
  int ax = normalize_axis(axis, t_in.dim(), "gather");
  for (int64_t d = 0; d < t_in.dim(); ++d)
    PYDL_CHECK(d == ax || index.shape()[d] <= t_in.shape()[d], ShapeError, "gather: index of shape ",
               shape_str(index.shape()), " is larger than the input of shape ", shape_str(t_in.shape()), " at axis ", d);
  Tensor idx = checked_index(index, t_in.shape()[ax], "gather", axis);
  Tensor t = contiguous(t_in);
  Tensor out = empty(idx.shape(), t.dtype(), t.device());
  if (out.numel() > 0) PYDL_KERNEL(gather, t.device(), "gather")(out, t, idx, ax);
  if (is_floating(t.dtype()) && needs_grad({&t})) {
    Shape in_shape = t.shape();
    record(out, "GatherBackward", {t}, [=](const Tensor& g) {
      Tensor acc = zeros(in_shape, g.dtype(), g.device());
      if (g.numel() > 0) PYDL_KERNEL(scatter_add, g.device(), "gather_backward")(acc, contiguous(g), idx, ax);
      return Grads{acc};
    });
  }
  return out;
}

}  // namespace ops
}  // namespace pydl

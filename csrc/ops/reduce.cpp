// Reductions over axes (sum, mean, max, min, arg*, var, std) and softmax along an axis.
// Reduced axes are moved last and made contiguous, so kernels see a (rows, cols) matrix; leading reduced axes are
// instead folded in place (reduce_leading).
#include <algorithm>
#include <cmath>
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

struct Plan {
  std::vector<bool> reduced;
  Shape out_shape, keep_shape;  // without and with the reduced axes kept as 1
  int64_t rows = 1, cols = 1;
};

Plan plan_reduction(const Tensor& t, const Shape& axes, bool keepdims, const char* op) {
  Plan p;
  p.reduced.assign(t.dim(), axes.empty());
  for (int64_t a : axes) {
    int ax = normalize_axis(a, t.dim(), op);
    PYDL_CHECK(!p.reduced[ax], ValueError, op, ": duplicate value in 'axis' (", a, " names axis ", ax,
               " again) for a tensor of rank ", t.dim());
    p.reduced[ax] = true;
  }
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (p.reduced[d]) { p.cols *= t.shape()[d]; p.keep_shape.push_back(1); }
    else { p.rows *= t.shape()[d]; p.keep_shape.push_back(t.shape()[d]); p.out_shape.push_back(t.shape()[d]); }
  }
  if (keepdims) p.out_shape = p.keep_shape;
  return p;
}

// t with the reduced axes moved last, contiguous: (rows, cols).
Tensor as_rows(const Tensor& t, const Plan& p) {
  Shape perm;
  for (int64_t d = 0; d < t.dim(); ++d) if (!p.reduced[d]) perm.push_back(d);
  for (int64_t d = 0; d < t.dim(); ++d) if (p.reduced[d]) perm.push_back(d);
  return contiguous(permute(detach(t), perm));
}

// Sum/Max/Min with the reduced axes leading and the kept ones trailing (axes of length 1 aside), as in a bias
// gradient x.sum(axis=0): the kernel folds rows of the contiguous (reduced, kept) input into a row of accumulators
// instead of transposing it first. Not taken where as_rows is already a view (e.g. the transpose of a contiguous
// tensor), nor for devices without the kernel. Returns false, having written nothing, where it does not apply.
bool reduce_leading(const Tensor& out, const Tensor& t, const Plan& p, ReduceOp op, const char* name) {
  if (p.rows <= 1 || p.cols <= 1 || !kernel_table(t.device().type).reduce_columns) return false;
  bool seen_kept = false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] == 1) continue;
    if (!p.reduced[d]) seen_kept = true;
    else if (seen_kept) return false;
  }
  Tensor src = detach(t);
  if (!src.is_contiguous()) {
    Shape perm;
    for (int64_t d = 0; d < t.dim(); ++d) if (!p.reduced[d]) perm.push_back(d);
    for (int64_t d = 0; d < t.dim(); ++d) if (p.reduced[d]) perm.push_back(d);
    if (permute(src, perm).is_contiguous()) return false;
    src = contiguous(src);  // a plain copy: cheaper than as_rows' transposing one
  }
  PYDL_KERNEL(reduce_columns, t.device(), name)(out, src, op, p.cols, p.rows);
  return true;
}

DType sum_dtype(DType d) { return is_floating(d) ? d : DType::Int64; }

Tensor extreme(const Tensor& t, Shape axes, bool keepdims, ReduceOp op, const char* name) {
  Plan p = plan_reduction(t, axes, keepdims, name);
  PYDL_CHECK(p.cols > 0 || p.rows == 0, ValueError, name, ": zero-size reduction over an empty axis of a tensor of shape ",
             shape_str(t.shape()), " has no identity");
  Tensor out = empty(p.out_shape, t.dtype(), t.device());
  if (p.rows > 0 && !reduce_leading(out, t, p, op, name))
    PYDL_KERNEL(reduce, t.device(), name)(out, as_rows(t, p), op, p.rows, p.cols);
  if (is_floating(t.dtype()) && needs_grad({&t})) {
    SavedTensor X(t), Y(out);
    Shape keep = p.keep_shape, in_shape = t.shape();
    Shape red;
    for (int64_t d = 0; d < t.dim(); ++d) if (p.reduced[d]) red.push_back(d);
    record(out, op == ReduceOp::Max ? "MaxBackward" : "MinBackward", {t}, [=](const Tensor& g) {
      // Gradient split evenly among the elements equal to the extreme.
      Tensor mask = cast(binary(BinaryOp::Eq, X.get(), reshape(Y.get(), keep)), g.dtype());
      Tensor count = sum(mask, red, true);
      return Grads{mul(mask, div(reshape(g, keep), count))};
    });
  }
  return out;
}

Tensor arg_extreme(const Tensor& t, const int64_t* axis, bool keepdims, ReduceOp op, const char* name) {
  Tensor src = t;
  Shape axes;
  Shape keep_shape;
  if (!axis) src = reshape(detach(t), {t.numel()});
  else axes.push_back(*axis);
  Plan p = plan_reduction(src, axes, keepdims, name);
  PYDL_CHECK(p.cols > 0 || p.rows == 0, ValueError, name, ": attempt to get ", name, " of an empty sequence (shape ",
             shape_str(t.shape()), ")");
  if (!axis && keepdims) p.out_shape.assign(t.dim(), 1);
  Tensor out = empty(p.out_shape, DType::Int64, t.device());
  if (p.rows > 0) PYDL_KERNEL(reduce, t.device(), name)(out, as_rows(src, p), op, p.rows, p.cols);
  return out;
}

}  // namespace

Tensor sum(const Tensor& t, Shape axes, bool keepdims) {
  Plan p = plan_reduction(t, axes, keepdims, "sum");
  Tensor out = empty(p.out_shape, sum_dtype(t.dtype()), t.device());
  if (p.cols == 0) PYDL_KERNEL(fill, t.device(), "sum")(out, 0.0);
  else if (p.rows > 0 && !reduce_leading(out, t, p, ReduceOp::Sum, "sum"))
    PYDL_KERNEL(reduce, t.device(), "sum")(out, as_rows(t, p), ReduceOp::Sum, p.rows, p.cols);
  if (is_floating(t.dtype()) && needs_grad({&t})) {
    Shape keep = p.keep_shape, in_shape = t.shape();
    record(out, "SumBackward", {t}, [keep, in_shape](const Tensor& g) { return Grads{expand(reshape(g, keep), in_shape)}; });
  }
  return out;
}

Tensor mean(const Tensor& t, Shape axes, bool keepdims) {
  Plan p = plan_reduction(t, axes, keepdims, "mean");
  Tensor x = is_floating(t.dtype()) ? t : cast(t, DType::Float32);
  return mul_scalar(sum(x, axes, keepdims), p.cols == 0 ? std::nan("") : 1.0 / static_cast<double>(p.cols));
}

Tensor amax(const Tensor& t, Shape axes, bool keepdims) { return extreme(t, axes, keepdims, ReduceOp::Max, "max"); }
Tensor amin(const Tensor& t, Shape axes, bool keepdims) { return extreme(t, axes, keepdims, ReduceOp::Min, "min"); }
Tensor argmax(const Tensor& t, const int64_t* axis, bool keepdims) { return arg_extreme(t, axis, keepdims, ReduceOp::ArgMax, "argmax"); }
Tensor argmin(const Tensor& t, const int64_t* axis, bool keepdims) { return arg_extreme(t, axis, keepdims, ReduceOp::ArgMin, "argmin"); }

Tensor var(const Tensor& t, Shape axes, bool keepdims, int64_t ddof) {
  Plan p = plan_reduction(t, axes, keepdims, "var");
  Tensor x = is_floating(t.dtype()) ? t : cast(t, DType::Float32);
  Tensor centered = sub(x, mean(x, axes, true));
  Tensor ss = sum(mul(centered, centered), axes, keepdims);
  // NumPy divides by max(n - ddof, 0): with no degrees of freedom left, a positive sum of squares gives inf, a zero
  // one NaN (0 * inf here, as 0 / 0 there).
  const double denom = std::max(static_cast<double>(p.cols) - static_cast<double>(ddof), 0.0);
  return mul_scalar(ss, 1.0 / denom);
}

Tensor std_(const Tensor& t, Shape axes, bool keepdims, int64_t ddof) {
  Plan p = plan_reduction(t, axes, keepdims, "std");
  Tensor x = is_floating(t.dtype()) ? t : cast(t, DType::Float32);
  Tensor out = unary(UnaryOp::Sqrt, var(detach(x), axes, keepdims, ddof));
  if (is_floating(t.dtype()) && needs_grad({&t})) {
    // d std = (x - mean) / ((n - ddof) * std), taken as 0 where std is 0 (like PyTorch; sqrt's own derivative
    // would give 0 * inf = NaN for a constant input).
    SavedTensor X(t), Y(out);
    const Shape keep = p.keep_shape;
    const double denom = std::max(static_cast<double>(p.cols) - static_cast<double>(ddof), 0.0);
    record(out, "StdBackward", {t}, [=](const Tensor& g) {
      Tensor xs = X.get(), y = reshape(Y.get(), keep);
      Tensor zero = zeros({}, y.dtype(), y.device());
      Tensor is_zero = binary(BinaryOp::Eq, y, zero);
      Tensor scale = where(is_zero, zero, div(reshape(g, keep), mul_scalar(where(is_zero, add_scalar(zero, 1.0), y), denom)));
      return Grads{mul(scale, sub(xs, mean(xs, axes, true)))};
    });
  }
  return out;
}

Tensor softmax(const Tensor& t, int64_t axis, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check_float(t, name);
  if (t.dim() == 0) {
    normalize_axis(axis, 1, name);
    return reshape(softmax(reshape(t, {1}), 0, log), {});
  }
  int ax = normalize_axis(axis, t.dim(), name);
  Tensor moved = contiguous(transpose(detach(t), ax, -1));
  const int64_t cols = moved.shape().back(), rows = cols ? moved.numel() / cols : 0;
  Tensor y = empty(moved.shape(), t.dtype(), t.device());
  if (rows > 0 && cols > 0) PYDL_KERNEL(softmax, t.device(), name)(y, moved, rows, cols, log);
  Tensor out = transpose(y, ax, -1);
  if (needs_grad({&t})) {
    out = Tensor::view_of(out, out.shape(), out.strides(), out.offset());
    SavedTensor Y(y);
    record(out, log ? "LogSoftmaxBackward" : "SoftmaxBackward", {t}, [=](const Tensor& g) {
      Tensor gm = contiguous(transpose(g, ax, -1));
      Tensor gi = empty(gm.shape(), gm.dtype(), gm.device());
      if (rows > 0 && cols > 0) PYDL_KERNEL(softmax_backward, g.device(), name)(gi, gm, Y.get(), rows, cols, log);
      return Grads{transpose(gi, ax, -1)};
    });
  }
  return out;
}

}  // namespace ops
}  // namespace pydl

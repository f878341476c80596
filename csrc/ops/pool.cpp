// Pooling and resampling with Keras semantics on channels-last data: max/avg pooling 1-D and 2-D (kernel-backed,
// max remembers its argmax for the gradient), global pooling (reductions), nearest upsampling and zero padding
// (shape ops: their gradients come from the ops they are built of).
#include <string>
#include "autograd/node.h"
#include "ops/ops.h"
#include "ops/window.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

const char* pool_name(PoolKind kind, int dims) {
  if (kind == PoolKind::Max) return dims == 1 ? "max_pool1d" : "max_pool2d";
  return dims == 1 ? "avg_pool1d" : "avg_pool2d";
}

// x (n, h, w, c) contiguous or not; shown_shape is the caller's shape for messages.
Tensor pool_op(const Tensor& x, PoolKind kind, Pair pool, Pair strides, Padding padding, const char* op,
               const Shape& shown_shape, const std::string& pool_shown) {
  WindowGeometry g;
  g.n = x.shape()[0]; g.h = x.shape()[1]; g.w = x.shape()[2]; g.c = g.oc = x.shape()[3];
  g.kh = pool[0]; g.kw = pool[1]; g.sh = strides[0]; g.sw = strides[1];
  const WindowDim rows = window_dim(g.h, g.kh, g.sh, 1, padding, op),
                   cols = window_dim(g.w, g.kw, g.sw, 1, padding, op);
  PYDL_CHECK(window_fits(rows, cols, padding), ShapeError, op, ": pool size ", pool_shown,
             " is larger than the input of shape ", shape_str(shown_shape), " with padding='", padding_name(padding), "'");
  g.oh = rows.out; g.ow = cols.out; g.pad_top = rows.pad_before; g.pad_left = cols.pad_before;

  Tensor xc = contiguous(detach(x));
  Tensor y = empty({g.n, g.oh, g.ow, g.c}, x.dtype(), x.device());
  const bool grad = needs_grad({&x});
  Tensor arg = (grad && kind == PoolKind::Max) ? empty(y.shape(), DType::Int32, x.device()) : Tensor();
  if (y.numel() > 0) PYDL_KERNEL(pool2d, x.device(), op)(y, arg, xc, kind, g);
  if (grad) {
    SavedTensor A(arg);
    record(y, kind == PoolKind::Max ? "MaxPoolBackward" : "AvgPoolBackward", {x}, [=](const Tensor& g_in) {
      Tensor dy = contiguous(g_in);
      Tensor dx = empty({g.n, g.h, g.w, g.c}, dy.dtype(), dy.device());
      if (dx.numel() > 0) {
        if (dy.numel() == 0) PYDL_KERNEL(fill, dy.device(), op)(dx, 0.0);
        else PYDL_KERNEL(pool2d_backward, dy.device(), op)(dx, dy, A.get(), kind, g);
      }
      return Grads{dx};
    });
  }
  return y;
}

void check_pool_input(const Tensor& x, int dims, const char* op) {
  PYDL_CHECK(x.dim() == dims + 2, ShapeError, op, ": expected a ", dims + 2, "-D input ",
             dims == 1 ? "(batch, steps, channels)" : "(batch, height, width, channels)", ", got shape ",
             shape_str(x.shape()));
  check_float(x, op);
}

}  // namespace

Tensor pool2d(const Tensor& x, PoolKind kind, Pair pool, Pair strides, Padding padding) {
  const char* op = pool_name(kind, 2);
  check_pool_input(x, 2, op);
  PYDL_CHECK(pool[0] >= 1 && pool[1] >= 1, ValueError, op, ": pool_size must be positive integers, got (", pool[0],
             ", ", pool[1], ")");
  PYDL_CHECK(strides[0] >= 1 && strides[1] >= 1, ValueError, op, ": strides must be positive integers, got (",
             strides[0], ", ", strides[1], ")");
  PYDL_CHECK(padding != Padding::Causal, ValueError, op, ": padding must be 'valid' or 'same'");
  return pool_op(x, kind, pool, strides, padding, op, x.shape(), str_cat("(", pool[0], ", ", pool[1], ")"));
}

Tensor pool1d(const Tensor& x, PoolKind kind, int64_t pool, int64_t stride, Padding padding) {
  const char* op = pool_name(kind, 1);
  check_pool_input(x, 1, op);
  PYDL_CHECK(pool >= 1, ValueError, op, ": pool_size must be a positive integer, got ", pool);
  PYDL_CHECK(stride >= 1, ValueError, op, ": strides must be a positive integer, got ", stride);
  PYDL_CHECK(padding != Padding::Causal, ValueError, op, ": padding must be 'valid' or 'same'");
  return squeeze(pool_op(unsqueeze(x, 1), kind, {1, pool}, {1, stride}, padding, op, x.shape(), str_cat(pool)), {1});
}

Tensor global_pool(const Tensor& x, PoolKind kind, int dims, bool keepdims) {
  const char* op = kind == PoolKind::Max ? (dims == 1 ? "global_max_pool1d" : "global_max_pool2d")
                                         : (dims == 1 ? "global_avg_pool1d" : "global_avg_pool2d");
  check_pool_input(x, dims, op);
  Shape axes;
  for (int d = 1; d <= dims; ++d) {
    PYDL_CHECK(x.shape()[d] >= 1, ShapeError, op, ": the input of shape ", shape_str(x.shape()),
               " has no elements to pool over");
    axes.push_back(d);
  }
  return kind == PoolKind::Max ? amax(x, axes, keepdims) : mean(x, axes, keepdims);
}

Tensor upsample2d(const Tensor& x, Pair size) {
  const char* op = "upsample2d";
  PYDL_CHECK(x.dim() == 4, ShapeError, op, ": expected a 4-D input (batch, height, width, channels), got shape ",
             shape_str(x.shape()));
  PYDL_CHECK(size[0] >= 1 && size[1] >= 1, ValueError, op, ": size must be positive integers, got (", size[0], ", ",
             size[1], ")");
  const Shape& s = x.shape();
  const Shape out_shape = {s[0], checked_mul(s[1], size[0], "upsample2d: the output height"),
                           checked_mul(s[2], size[1], "upsample2d: the output width"), s[3]};
  try {
    checked_numel(out_shape, x.itemsize());
  } catch (const ValueError& e) {
    throw ValueError(str_cat("upsample2d: an input of shape ", shape_str(s), " with size (", size[0], ", ", size[1],
                             ") gives an output that is too large: ", e.what()));
  }
  // Nearest neighbour: each pixel repeated as a (size[0], size[1]) block, via a broadcast view and one copy.
  Tensor v = reshape(x, {s[0], s[1], 1, s[2], 1, s[3]});
  v = expand(v, {s[0], s[1], size[0], s[2], size[1], s[3]});
  return reshape(v, out_shape);
}

Tensor zero_pad2d(const Tensor& x, Pair rows, Pair cols) {
  const char* op = "zero_pad2d";
  PYDL_CHECK(x.dim() == 4, ShapeError, op, ": expected a 4-D input (batch, height, width, channels), got shape ",
             shape_str(x.shape()));
  PYDL_CHECK(rows[0] >= 0 && rows[1] >= 0 && cols[0] >= 0 && cols[1] >= 0, ValueError, op,
             ": padding must be non-negative, got ((", rows[0], ", ", rows[1], "), (", cols[0], ", ", cols[1], "))");
  return pad(x, {{0, 0}, {rows[0], rows[1]}, {cols[0], cols[1]}, {0, 0}}, 0.0);
}

}  // namespace ops
}  // namespace pydl

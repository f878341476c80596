// Convolutions with Keras semantics: conv2d (NHWC input, HWIO kernel), conv1d (as conv2d with height 1) and
// conv2d_transpose (Keras Conv2DTranspose kernel (kh, kw, out, in) and output-shape rules).
// Three kernels do all the arithmetic: forward, backward-data and backward-weight. The transposed convolution is
// the backward-data pass of the convolution it transposes, so its gradients reuse the same three kernels.
#include <cctype>
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

void check_conv_operands(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, int64_t x_rank,
                         const char* x_layout, const char* w_layout) {
  PYDL_CHECK(x.dim() == x_rank, ShapeError, op, ": expected a ", x_rank, "-D input ", x_layout, ", got shape ",
             shape_str(x.shape()));
  PYDL_CHECK(w.dim() == x_rank, ShapeError, op, ": expected a ", x_rank, "-D kernel ", w_layout, ", got shape ",
             shape_str(w.shape()));
  check_same_device(x, w, op);
  PYDL_CHECK(is_floating(x.dtype()) && x.dtype() == w.dtype(), DTypeError, op,
             ": expected input and kernel of the same float dtype, got ", dtype_name(x.dtype()), " and ",
             dtype_name(w.dtype()));
  if (b.defined()) {
    check_same_device(x, b, op);
    PYDL_CHECK(b.dtype() == x.dtype(), DTypeError, op, ": bias dtype ", dtype_name(b.dtype()),
               " does not match the input dtype ", dtype_name(x.dtype()));
  }
}

void check_positive(const char* op, const char* what, Pair v) {
  PYDL_CHECK(v[0] >= 1 && v[1] >= 1, ValueError, op, ": ", what, " must be positive integers, got (", v[0], ", ",
             v[1], ")");
}

void check_bias(const char* op, const Tensor& b, int64_t filters, const Tensor& w) {
  if (!b.defined()) return;
  PYDL_CHECK(b.dim() == 1 && b.shape()[0] == filters, ShapeError, op, ": bias of shape ", shape_str(b.shape()),
             " does not match ", filters, " filters of the kernel of shape ", shape_str(w.shape()));
}

// Activation applied after the convolution: relu is fused into the kernel; others run as their own op.
struct Activation { UnaryOp op = UnaryOp::Count; double p0 = 0; };
Activation parse_activation(const std::string& name, const char* op) {
  if (name.empty() || name == "linear" || name == "none") return {};
  if (name == "relu") return {UnaryOp::Relu};
  if (name == "sigmoid") return {UnaryOp::Sigmoid};
  if (name == "tanh") return {UnaryOp::Tanh};
  if (name == "softplus") return {UnaryOp::Softplus};
  if (name == "elu") return {UnaryOp::Elu, 1.0};
  if (name == "leaky_relu") return {UnaryOp::LeakyRelu, 0.2};
  throw ValueError(str_cat(op, ": unknown activation '", name,
                           "'; expected None, 'linear', 'relu', 'sigmoid', 'tanh', 'softplus', 'elu' or 'leaky_relu'"));
}

Tensor contiguous_data(const Tensor& t) { return t.defined() ? contiguous(detach(t)) : Tensor(); }

// Kernel calls on contiguous tensors, shared by the forward ops and every gradient.
Tensor run_forward(const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g, UnaryOp act) {
  Tensor y = empty({g.n, g.oh, g.ow, g.oc}, x.dtype(), x.device());
  if (y.numel() > 0) PYDL_KERNEL(conv2d, x.device(), "conv2d")(y, x, w, b, g, act);
  return y;
}

Tensor run_backward_data(const Tensor& dy, const Tensor& w, const WindowGeometry& g) {
  Tensor dx = empty({g.n, g.h, g.w, g.c}, dy.dtype(), dy.device());
  if (dx.numel() == 0) return dx;
  if (dy.numel() == 0) PYDL_KERNEL(fill, dy.device(), "conv2d_backward_data")(dx, 0.0);
  else PYDL_KERNEL(conv2d_backward_data, dy.device(), "conv2d_backward_data")(dx, dy, w, g);
  return dx;
}

void run_backward_weight(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                         const WindowGeometry& g) {
  if (dy.numel() == 0) {
    PYDL_KERNEL(fill, dy.device(), "conv2d_backward_weight")(dw, 0.0);
    if (db.defined()) PYDL_KERNEL(fill, dy.device(), "conv2d_backward_weight")(db, 0.0);
    return;
  }
  if (dw.numel() > 0 || db.defined())
    PYDL_KERNEL(conv2d_backward_weight, dy.device(), "conv2d_backward_weight")(dw, db, x, dy, g);
}

// The convolution op on 4-D x (n, h, w, c) and w (kh, kw, c, oc): kernel call plus its gradient.
Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g, Activation act) {
  const bool fuse_relu = act.op == UnaryOp::Relu;
  Tensor xc = contiguous_data(x), wc = contiguous_data(w), bc = contiguous_data(b);
  Tensor y = run_forward(xc, wc, bc, g, fuse_relu ? UnaryOp::Relu : UnaryOp::Count);
  if (needs_grad({&x, &w, &b})) {
    const bool gx = x.requires_grad(), gw = w.requires_grad(), gb = b.defined() && b.requires_grad();
    SavedTensor X(gw ? xc : Tensor()), W(gx ? wc : Tensor()), Y(fuse_relu ? y : Tensor());
    const Shape w_shape = wc.shape();
    record(y, fuse_relu ? "Conv2dReluBackward" : "Conv2dBackward", {x, w, b}, [=](const Tensor& g_in) {
      Tensor dy = contiguous(g_in);
      // A device may fold the relu mask into its backward kernels (never writing the masked dy out); it declines
      // geometries it has no such path for, and the gradient of the bias alone is left to the path below.
      const auto fused = kernel_table(dy.device().type).conv2d_relu_backward;
      if (fuse_relu && fused && dy.numel() > 0 && (gw || !gb)) {
        Tensor dx = gx ? empty({g.n, g.h, g.w, g.c}, dy.dtype(), dy.device()) : Tensor();
        Tensor dw = gw ? empty(w_shape, dy.dtype(), dy.device()) : Tensor();
        Tensor db = gb ? empty({g.oc}, dy.dtype(), dy.device()) : Tensor();
        if (fused(dx, dw, db, X.get(), W.get(), dy, Y.get(), g)) return Grads{dx, dw, db};
      }
      if (fuse_relu) {  // relu'(pre-activation) is (y > 0)
        // In place when nothing else can see dy: at most the autograd engine's reference to the incoming gradient
        // and ours (ours alone when contiguous() copied), and no other view of its storage. A caller's own gradient
        // tensor or one shared with another branch has more references and is copied as before. Saves writing a
        // new tensor the size of the output.
        const bool alone = dy.impl_ptr().use_count() <= 2 && dy.storage().use_count() == 1;
        Tensor masked = alone ? dy : empty(dy.shape(), dy.dtype(), dy.device());
        const Tensor& ys = Y.get();
        PYDL_KERNEL(unary_backward, dy.device(), "conv2d")(masked, dy, ys, ys, UnaryOp::Relu, 0, 0);
        dy = masked;
      }
      Tensor dx, dw, db;
      if (gx) dx = run_backward_data(dy, W.get(), g);
      if (gw) {
        dw = empty(w_shape, dy.dtype(), dy.device());
        if (gb) db = empty({g.oc}, dy.dtype(), dy.device());
        run_backward_weight(dw, db, X.get(), dy, g);
      } else if (gb) {
        db = sum(reshape(dy, {g.n * g.oh * g.ow, g.oc}), {0}, false);
      }
      return Grads{dx, dw, db};
    });
  }
  if (act.op != UnaryOp::Count && !fuse_relu) return unary(act.op, y, act.p0);
  return y;
}

WindowGeometry conv_geometry(const Tensor& x, const Tensor& w, Pair strides, Padding padding, Pair dilation,
                             const char* op, const Shape& x_shown, const Shape& w_shown) {
  WindowGeometry g;
  g.n = x.shape()[0]; g.h = x.shape()[1]; g.w = x.shape()[2]; g.c = x.shape()[3];
  g.kh = w.shape()[0]; g.kw = w.shape()[1]; g.oc = w.shape()[3];
  g.sh = strides[0]; g.sw = strides[1]; g.dh = dilation[0]; g.dw = dilation[1];
  PYDL_CHECK(g.kh >= 1 && g.kw >= 1, ShapeError, op, ": the kernel of shape ", shape_str(w_shown),
             " has an empty window");
  const WindowDim rows = window_dim(g.h, g.kh, g.sh, g.dh, padding, op),
                 cols = window_dim(g.w, g.kw, g.sw, g.dw, padding, op);
  // Only a 'valid' window can outgrow its input; 'same' (and 'causal') of a zero length is a zero length, as in TF.
  PYDL_CHECK(window_fits(rows, cols, padding), ShapeError, op, ": the kernel of shape ", shape_str(w_shown),
             " (dilated span ", static_cast<double>(g.dh) * (g.kh - 1) + 1, "x", static_cast<double>(g.dw) * (g.kw - 1) + 1,
             ") is larger than the input of shape ", shape_str(x_shown), " with padding='", padding_name(padding), "'");
  g.oh = rows.out; g.ow = cols.out; g.pad_top = rows.pad_before; g.pad_left = cols.pad_before;
  return g;
}

}  // namespace

Padding parse_padding(const std::string& name, const char* op, bool allow_causal) {
  std::string s;
  for (char ch : name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "valid") return Padding::Valid;
  if (s == "same") return Padding::Same;
  if (s == "causal" && allow_causal) return Padding::Causal;
  throw ValueError(str_cat(op, ": padding must be 'valid' or 'same'", allow_causal ? " or 'causal'" : "", ", got '",
                           name, "'"));
}

int64_t conv_output_length(int64_t length, int64_t kernel, Padding padding, int64_t stride, int64_t dilation,
                           int64_t output_padding, bool transposed) {
  const char* op = transposed ? "conv_transpose_output_length" : "conv_output_length";
  PYDL_CHECK(length >= 0, ValueError, op, ": length must be non-negative, got ", length);
  PYDL_CHECK(kernel >= 1 && stride >= 1 && dilation >= 1, ValueError, op, ": kernel, stride and dilation must be "
             "positive integers, got ", kernel, ", ", stride, " and ", dilation);
  if (!transposed) return window_dim(length, kernel, stride, dilation, padding, op).out;
  PYDL_CHECK(output_padding < stride, ValueError, op, ": output_padding must be smaller than the stride, got ",
             output_padding, " with stride ", stride);
  const __int128 len = transpose_output_length(length, kernel, stride, dilation, padding, output_padding);
  PYDL_CHECK(len <= INT64_MAX, ValueError, op, ": the output of a length of ", length, " with a kernel of ", kernel,
             ", stride ", stride, " and dilation ", dilation, " is too large (its length overflows 64 bits)");
  return static_cast<int64_t>(len);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Pair strides, Padding padding, Pair dilation,
              const std::string& activation) {
  const char* op = "conv2d";
  check_conv_operands(op, x, w, b, 4, "(batch, height, width, channels)", "(kh, kw, in_channels, filters)");
  check_positive(op, "strides", strides);
  check_positive(op, "dilation", dilation);
  PYDL_CHECK(padding != Padding::Causal, ValueError, op, ": padding='causal' is only defined for conv1d");
  PYDL_CHECK(w.shape()[2] == x.shape()[3], ShapeError, op, ": the input of shape ", shape_str(x.shape()), " has ",
             x.shape()[3], " channels but the kernel of shape ", shape_str(w.shape()), " expects ", w.shape()[2]);
  check_bias(op, b, w.shape()[3], w);
  const Activation act = parse_activation(activation, op);
  return conv_op(x, w, b, conv_geometry(x, w, strides, padding, dilation, op, x.shape(), w.shape()), act);
}

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, Padding padding, int64_t dilation,
              const std::string& activation) {
  const char* op = "conv1d";
  check_conv_operands(op, x, w, b, 3, "(batch, steps, channels)", "(k, in_channels, filters)");
  PYDL_CHECK(stride >= 1, ValueError, op, ": strides must be a positive integer, got ", stride);
  PYDL_CHECK(dilation >= 1, ValueError, op, ": dilation must be a positive integer, got ", dilation);
  PYDL_CHECK(w.shape()[1] == x.shape()[2], ShapeError, op, ": the input of shape ", shape_str(x.shape()), " has ",
             x.shape()[2], " channels but the kernel of shape ", shape_str(w.shape()), " expects ", w.shape()[1]);
  check_bias(op, b, w.shape()[2], w);
  const Activation act = parse_activation(activation, op);
  // A 1-D sequence is an image of height 1.
  Tensor x4 = unsqueeze(x, 1), w4 = unsqueeze(w, 0);
  const WindowGeometry g = conv_geometry(x4, w4, {1, stride}, padding, {1, dilation}, op, x.shape(), w.shape());
  return squeeze(conv_op(x4, w4, b, g, act), {1});
}

Tensor conv2d_transpose(const Tensor& x, const Tensor& w, const Tensor& b, Pair strides, Padding padding,
                        Pair output_padding, Pair dilation) {
  const char* op = "conv2d_transpose";
  check_conv_operands(op, x, w, b, 4, "(batch, height, width, channels)", "(kh, kw, filters, in_channels)");
  check_positive(op, "strides", strides);
  check_positive(op, "dilation", dilation);
  PYDL_CHECK(padding != Padding::Causal, ValueError, op, ": padding='causal' is only defined for conv1d");
  PYDL_CHECK(w.shape()[3] == x.shape()[3], ShapeError, op, ": the input of shape ", shape_str(x.shape()), " has ",
             x.shape()[3], " channels but the kernel of shape ", shape_str(w.shape()), " expects ", w.shape()[3]);
  check_bias(op, b, w.shape()[2], w);
  const bool has_op = output_padding[0] >= 0 || output_padding[1] >= 0;
  for (int i = 0; i < 2 && has_op; ++i)
    PYDL_CHECK(output_padding[i] >= 0 && output_padding[i] < strides[i], ValueError, op,
               ": output_padding must be non-negative and smaller than the strides, got output_padding (",
               output_padding[0], ", ", output_padding[1], ") with strides (", strides[0], ", ", strides[1], ")");
  // The geometry is that of the forward convolution from the output (h, w) back to the input (oh, ow).
  WindowGeometry g;
  g.n = x.shape()[0]; g.oh = x.shape()[1]; g.ow = x.shape()[2]; g.oc = x.shape()[3];
  g.kh = w.shape()[0]; g.kw = w.shape()[1]; g.c = w.shape()[2];
  g.sh = strides[0]; g.sw = strides[1]; g.dh = dilation[0]; g.dw = dilation[1];
  PYDL_CHECK(g.kh >= 1 && g.kw >= 1, ShapeError, op, ": the kernel of shape ", shape_str(w.shape()),
             " has an empty window");
  int64_t out_len[2], pad[2];
  const int64_t in_len[2] = {g.oh, g.ow}, k[2] = {g.kh, g.kw};
  for (int i = 0; i < 2; ++i) {
    const int64_t s = strides[i];
    // Keras deconv_output_length, then TensorFlow's padding of the forward convolution of that length.
    const __int128 len = transpose_output_length(in_len[i], k[i], s, dilation[i], padding,
                                                 has_op ? output_padding[i] : -1);
    PYDL_CHECK(len <= INT64_MAX, ValueError, op, ": the output of an input of shape ", shape_str(x.shape()),
               " with kernel shape ", shape_str(w.shape()), ", strides (", strides[0], ", ", strides[1],
               ") and dilation (", dilation[0], ", ", dilation[1], ") is too large (its length overflows 64 bits)");
    out_len[i] = static_cast<int64_t>(len);
    const WindowDim d = window_dim(out_len[i], k[i], s, dilation[i], padding);
    PYDL_CHECK(out_len[i] >= 1 && d.out == in_len[i], ShapeError, op, ": output_padding (", output_padding[0], ", ",
               output_padding[1], ") gives an output length ", out_len[i], " whose convolution with padding='",
               padding_name(padding), "' has length ", d.out, ", not the input's ", in_len[i], " (input shape ",
               shape_str(x.shape()), ", kernel shape ", shape_str(w.shape()), ")");
    pad[i] = d.pad_before;
  }
  g.h = out_len[0]; g.w = out_len[1]; g.pad_top = pad[0]; g.pad_left = pad[1];

  Tensor xc = contiguous_data(x), wc = contiguous_data(w);
  Tensor y = run_backward_data(xc, wc, g);
  if (b.defined()) add_(y, b);  // y is new and has no history yet: add in place, the node below gives b its gradient
  if (needs_grad({&x, &w, &b})) {
    const bool gx = x.requires_grad(), gw = w.requires_grad(), gb = b.defined() && b.requires_grad();
    SavedTensor X(gw ? xc : Tensor()), W(gx ? wc : Tensor());
    const Shape w_shape = wc.shape();
    record(y, "Conv2dTransposeBackward", {x, w, b}, [=](const Tensor& g_in) {
      Tensor dy = contiguous(g_in), dx, dw, db;
      if (gx) dx = run_forward(dy, W.get(), Tensor(), g, UnaryOp::Count);
      if (gw) {
        dw = empty(w_shape, dy.dtype(), dy.device());
        run_backward_weight(dw, Tensor(), dy, X.get(), g);
      }
      if (gb) {  // column sums of dy as a (1 x pixels) @ (pixels x filters) product: no transposed copy
        const int64_t pixels = g.n * g.h * g.w;
        db = reshape(matmul(ones({1, pixels}, dy.dtype(), dy.device()), reshape(dy, {pixels, g.c})), {g.c});
      }
      return Grads{dx, dw, db};
    });
  }
  return y;
}

}  // namespace ops
}  // namespace pydl

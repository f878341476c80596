// The op layer: validate inputs, infer the output shape, allocate, call the registered kernel, record the gradient.
// Every function here is differentiable where its dtype allows unless noted.
#pragma once
#include <array>
#include <string>
#include <vector>
#include "core/dispatch.h"
#include "core/optim.h"
#include "core/tensor.h"

namespace pydl {
namespace ops {

// ---- creation (creation.cpp)
Tensor empty(const Shape& shape, DType dtype, Device device = {});
Tensor full(const Shape& shape, double value, DType dtype, Device device = {});
Tensor zeros(const Shape& shape, DType dtype, Device device = {});
Tensor ones(const Shape& shape, DType dtype, Device device = {});
Tensor scalar(double value, DType dtype, Device device = {});
// Integer fill without a round trip through double (exact above 2**53); the caller checks that value fits dtype.
Tensor full_int(const Shape& shape, int64_t value, DType dtype, Device device = {});
Tensor arange_int(int64_t start, int64_t step, int64_t count, DType dtype, Device device = {});  // exact
Tensor arange(double start, double stop, double step, DType dtype, Device device = {});
Tensor linspace(double start, double stop, int64_t num, DType dtype, Device device = {});
Tensor eye(int64_t n, int64_t m, DType dtype, Device device = {});
Tensor random(const Shape& shape, RandomKind kind, double a, double b, DType dtype, Device device = {});

// ---- copies and conversions (creation.cpp)
Tensor clone(const Tensor& t);                        // contiguous copy
Tensor contiguous(const Tensor& t);                   // t itself when already contiguous
Tensor cast(const Tensor& t, DType dtype);            // t itself when the dtype matches
Tensor to_device(const Tensor& t, Device device);     // t itself when already there
Tensor detach(const Tensor& t);                       // same storage, no autograd history
void copy_(const Tensor& dst, const Tensor& src);     // in place, src broadcast to dst; not differentiable
// Moves a leaf's data to `device` in place (every handle of it sees the move; views made earlier keep the old
// memory): how a layer's weights follow model.to(device). Its gradient, if any, moves too.
void move_to_(const Tensor& t, Device device);

// ---- views and shape ops (shape.cpp)
Tensor reshape(const Tensor& t, Shape shape);         // view when strides allow, else copy
Tensor view(const Tensor& t, Shape shape);            // never copies: ShapeError when impossible
Tensor permute(const Tensor& t, Shape dims);
Tensor transpose(const Tensor& t, int64_t a, int64_t b);
Tensor expand(const Tensor& t, Shape shape);          // -1 keeps a dim; new dims on the left
Tensor squeeze(const Tensor& t, const Shape& axes);  // empty: all size-1 dims
Tensor unsqueeze(const Tensor& t, int64_t axis);
Tensor flatten(const Tensor& t);
Tensor narrow(const Tensor& t, int64_t axis, int64_t start, int64_t length);

struct IndexItem {
  enum Kind { Int, Slice, NewAxis, Ellipsis } kind;
  int64_t start = 0, stop = 0, step = 1;  // Int uses start; Slice uses Python slice values already clamped
  bool has_start = false, has_stop = false;
};
Tensor index_view(const Tensor& t, const std::vector<IndexItem>& items);  // basic indexing: a view
// x[items] for __setitem__, checked: a bad index is an IndexError, a target that overlaps itself a ValueError.
Tensor index_put_target(const Tensor& t, const std::vector<IndexItem>& items);
void index_put_(const Tensor& t, const std::vector<IndexItem>& items, const Tensor& value);

Tensor concatenate(const std::vector<Tensor>& ts, int64_t axis);
Tensor stack(const std::vector<Tensor>& ts, int64_t axis);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& boundaries, int64_t axis);
Tensor pad(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& pads, double value);

// ---- gathers (index.cpp)
Tensor index_select(const Tensor& t, int64_t axis, const Tensor& index);  // index: int64, any shape
Tensor gather(const Tensor& t, int64_t axis, const Tensor& index);        // torch.gather

// ---- elementwise (elementwise.cpp)
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// The dtype of a op b (NumPy's rules, true division gives float32 for ints); DTypeError for bool - bool.
DType binary_dtype(BinaryOp op, DType a, DType b);
void binary_(BinaryOp op, const Tensor& a, const Tensor& b);  // a = a op b (in place; b broadcast to a)
inline Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); }
inline void add_(const Tensor& a, const Tensor& b) { binary_(BinaryOp::Add, a, b); }
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor unary(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0);
Tensor mul_scalar(const Tensor& a, double s);
Tensor add_scalar(const Tensor& a, double s);
Tensor sum_to_shape(const Tensor& g, const Shape& shape);  // sums broadcast dims away (for gradients)
// A view of t broadcast to `shape` (already checked compatible) for kernels: no autograd state, t itself if equal.
Tensor broadcast_view(const Tensor& t, const Shape& shape);

// ---- clip (clip.cpp): one bound as the caller gave it
struct ClipBound {
  bool given = false;     // false: no bound on this side
  bool is_float = false;  // a float bound: an integer or bool x is clipped as float32
  bool is_bool = false;   // a bool bound (0 or 1 in x's dtype)
  double value = 0;       // the bound as a double (bools are 0 and 1)
  int64_t exact = 0;      // an integer bound's exact value when it fits int64 ...
  int beyond = 0;         // ... else -1 (below int64's range) or +1 (above it)
  Tensor operand;         // or an integer operand as it is (a NumPy integer scalar: binary-op promotion applies)
  std::string text;       // as written, for messages
};
// NumPy's clip = minimum(maximum(x, min), max) with the binary ops' dtype rules: a float x keeps its dtype; an
// integer or bool x with a float bound becomes float32; integer bounds stay exact in x's dtype (a bool x with an int
// bound becomes int64), an int beyond the dtype's range is dropped on the harmless side (min below it, max above
// it; NumPy 2) and an OverflowError on the other. ValueError when min > max.
Tensor clip(const Tensor& x, const ClipBound& lo, const ClipBound& hi);

// ---- reductions (reduce.cpp); axes empty = all
Tensor sum(const Tensor& t, Shape axes, bool keepdims);
Tensor mean(const Tensor& t, Shape axes, bool keepdims);
Tensor amax(const Tensor& t, Shape axes, bool keepdims);
Tensor amin(const Tensor& t, Shape axes, bool keepdims);
Tensor argmax(const Tensor& t, const int64_t* axis, bool keepdims);  // axis null: over the flattened tensor
Tensor argmin(const Tensor& t, const int64_t* axis, bool keepdims);
Tensor var(const Tensor& t, Shape axes, bool keepdims, int64_t ddof);
Tensor std_(const Tensor& t, Shape axes, bool keepdims, int64_t ddof);
Tensor softmax(const Tensor& t, int64_t axis, bool log);

// ---- linear algebra (matmul.cpp)
Tensor matmul(const Tensor& a, const Tensor& b);
// c = alpha * op(a) op(b) + beta * c in place (beta == 0 never reads c); not differentiable.
void gemm_(const Tensor& c, const Tensor& a, const Tensor& b, double alpha, double beta, bool trans_a, bool trans_b);

// ---- helpers shared by op files
void check_same_device(const Tensor& a, const Tensor& b, const char* op);
void check_float(const Tensor& t, const char* op);

}  // namespace ops
}  // namespace pydl

// ---- training: fused optimizer updates (optim.cpp) and softmax cross-entropy (loss.cpp) ----
namespace pydl {
namespace ops {
// Validates the step (core/optim.h; float dtype, contiguous parameter and slots of its shape) and runs the kernel.
void optim_update(const OptimStep& step);
// One optimizer step over a model: `rule` carries the kind and hyperparameters, then parameter i is updated from
// grads[i] (or, when `grads` is null, from its own .grad) with slots[i]. A parameter without a gradient keeps its
// value; with clear_grad, each updated parameter's .grad is reset. Returns the number of parameters updated.
int64_t optim_update_all(const OptimStep& rule, const std::vector<Tensor>& params, const std::vector<Tensor>* grads,
                         const std::vector<std::array<Tensor, 3>>& slots, bool clear_grad);
// Softmax cross-entropy over the last axis: logits (..., C); target (..., C) floats or (...) int64 indices.
// Returns the per-row loss (...); differentiable in the logits (gradient softmax * sum(t) - t).
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target);
// Zeroes each element with probability `rate` (drawn from pydl's generator) and scales the rest by 1 / (1 - rate).
Tensor dropout(const Tensor& x, double rate);
}  // namespace ops
}  // namespace pydl

// ---- convolution and pooling (conv.cpp, pool.cpp): channels-last data, HWIO kernels, Keras/TensorFlow padding ----
#include <array>
#include <string>
namespace pydl {
namespace ops {
enum class Padding { Valid, Same, Causal };  // Same pads asymmetrically (extra at the end); Causal: conv1d only
using Pair = std::array<int64_t, 2>;          // (height, width) values: strides, dilation, pool size, ...
Padding parse_padding(const std::string& name, const char* op, bool allow_causal);
// The output length along one dim of a convolution or pooling window (window.h's rule, the one Python's
// compute_output_shape uses too) or, when `transposed`, of a transposed convolution (output_padding < 0: None).
int64_t conv_output_length(int64_t length, int64_t kernel, Padding padding, int64_t stride, int64_t dilation,
                           int64_t output_padding = -1, bool transposed = false);
// x (n, h, w, c), w (kh, kw, c, filters), b (filters) or undefined. activation: "" or "linear" (none), "relu"
// (fused into the kernel), "sigmoid", "tanh", "softplus", "elu", "leaky_relu".
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Pair strides, Padding padding, Pair dilation,
              const std::string& activation);
// x (n, steps, c), w (k, c, filters).
Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, Padding padding, int64_t dilation,
              const std::string& activation);
// w (kh, kw, filters, c) like Keras Conv2DTranspose; output_padding {-1, -1} means None (Keras output-shape rules).
Tensor conv2d_transpose(const Tensor& x, const Tensor& w, const Tensor& b, Pair strides, Padding padding,
                        Pair output_padding, Pair dilation);
Tensor pool2d(const Tensor& x, PoolKind kind, Pair pool, Pair strides, Padding padding);       // x (n, h, w, c)
Tensor pool1d(const Tensor& x, PoolKind kind, int64_t pool, int64_t stride, Padding padding);  // x (n, steps, c)
Tensor global_pool(const Tensor& x, PoolKind kind, int spatial_dims, bool keepdims);
Tensor upsample2d(const Tensor& x, Pair size);                    // nearest neighbour, integer factors
Tensor zero_pad2d(const Tensor& x, Pair rows, Pair cols);         // (top, bottom), (left, right)
// ---- embedding (embedding.cpp): table (v, d) float, ids integers of any shape -> ids.shape + (d,); ids in [0, v)
Tensor embedding(const Tensor& ids, const Tensor& table);

}  // namespace ops
}  // namespace pydl

// The kernel registry: one table of entry points per device type. The CPU backend fills its table at start-up;
// the CUDA backend fills its own when compiled in. A missing entry raises NotImplementedError naming op and device.
#pragma once
#include <cstdint>
#include "core/philox.h"
#include "core/tensor.h"
#include "core/window_geometry.h"

namespace pydl {

// The elementwise ops, one enumerator per row of core/elementwise_ops.def, in its order (core/elementwise_ops.h
// holds the rest of each row). Count ends each list; conv kernels also read UnaryOp::Count as "no activation".
enum class UnaryOp : int {
#define PYDL_UNARY(E, ...) E,
#include "core/elementwise_ops.def"
  Count
};
enum class BinaryOp : int {
#define PYDL_BINARY(E, ...) E,
#include "core/elementwise_ops.def"
  Count
};
enum class BinaryKind : int { Arith, Compare };
enum class ReduceOp : int { Sum, Max, Min, ArgMax, ArgMin, Count };
enum class RandomKind : int { Uniform, Normal, Integer };

// Comparisons write bool (the rows' kind column).
constexpr bool is_comparison(BinaryOp op) {
  switch (op) {
#define PYDL_BINARY(E, name, alias, dtypes, kind, formula) \
  case BinaryOp::E: return BinaryKind::kind == BinaryKind::Compare;
#include "core/elementwise_ops.def"
    case BinaryOp::Count: break;
  }
  return false;
}


// Kernels: outputs first, then inputs, then sizes. Outputs are preallocated; kernels never allocate tensors.
struct KernelTable {
  void (*fill)(const Tensor& out, double value) = nullptr;
  // out = in, converting the dtype; both have the same shape, any strides.
  void (*copy)(const Tensor& out, const Tensor& in) = nullptr;
  // out = op(in); same shape, any strides; p0/p1 are the op's parameters (alpha, clip bounds).
  void (*unary)(const Tensor& out, const Tensor& in, UnaryOp op, double p0, double p1) = nullptr;
  // grad_in = dop/dx * grad_out (overwrites); contiguous, same shape; x is the input, y the forward output.
  void (*unary_backward)(const Tensor& grad_in, const Tensor& grad_out, const Tensor& x, const Tensor& y,
                         UnaryOp op, double p0, double p1) = nullptr;
  // out = a op b; a and b are already broadcast (strides 0) to out's shape.
  void (*binary)(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) = nullptr;
  void (*where)(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) = nullptr;
  // in is contiguous (rows, cols); out holds `rows` values (T for Sum/Max/Min, int64 for ArgMax/ArgMin).
  void (*reduce)(const Tensor& out, const Tensor& in, ReduceOp op, int64_t rows, int64_t cols) = nullptr;
  // Optional (null: the caller transposes and calls reduce). Sum/Max/Min over the leading axis of contiguous
  // (rows, cols): out holds `cols` values; the same dtypes as reduce.
  void (*reduce_columns)(const Tensor& out, const Tensor& in, ReduceOp op, int64_t rows, int64_t cols) = nullptr;
  // Along the last axis of contiguous (rows, cols).
  void (*softmax)(const Tensor& out, const Tensor& in, int64_t rows, int64_t cols, bool log) = nullptr;
  void (*softmax_backward)(const Tensor& grad_in, const Tensor& grad_out, const Tensor& y, int64_t rows,
                           int64_t cols, bool log) = nullptr;
  // C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b] for b < batch; beta == 0 never reads C.
  void (*gemm)(DType dt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
               const char* a, int64_t lda, int64_t batch_stride_a, const char* b, int64_t ldb, int64_t batch_stride_b,
               double beta, char* c, int64_t ldc, int64_t batch_stride_c, int64_t batch) = nullptr;
  // Contiguous out: Uniform in [a, b), Normal(mean a, std b), Integer in [a, b).
  void (*random)(const Tensor& out, RandomKind kind, double a, double b, RngState state) = nullptr;
  // Contiguous tensors seen as (outer, n, inner): out[o, j, i] = in[o, index[j], i]; index int64 in [0, n_in).
  void (*index_select)(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n_in,
                       int64_t inner) = nullptr;
  // acc[o, index[j], i] += src[o, j, i] (accumulates).
  void (*index_add)(const Tensor& acc, const Tensor& src, const Tensor& index, int64_t outer, int64_t n_acc,
                    int64_t inner) = nullptr;
  // Contiguous; index has out's shape; out[..., j, ...] = in[..., index[..., j, ...], ...] along axis (torch.gather).
  void (*gather)(const Tensor& out, const Tensor& in, const Tensor& index, int axis) = nullptr;
  void (*scatter_add)(const Tensor& acc, const Tensor& src, const Tensor& index, int axis) = nullptr;
  // Copies between devices (host <-> device); nullptr on the CPU table.
  void (*copy_across)(const Tensor& out, const Tensor& in) = nullptr;

  // ---- convolution and pooling (contiguous NHWC tensors, HWIO kernels (kh, kw, c, oc), geometry in WindowGeometry)
  // y (n, oh, ow, oc) = act(conv(x, w) + b): b (oc) may be undefined; act is Relu or Count (identity). Overwrites y.
  void (*conv2d)(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g,
                 UnaryOp act) = nullptr;
  // dx (n, h, w, c) = gradient of conv2d w.r.t. x for output gradient dy (overwrites); also the transposed conv.
  void (*conv2d_backward_data)(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g) = nullptr;
  // dw (kh, kw, c, oc) and, when defined, db (oc) = gradients w.r.t. kernel and bias (overwrite).
  void (*conv2d_backward_weight)(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                                 const WindowGeometry& g) = nullptr;
  // Optional (null: the caller masks dy and calls the two kernels above). The gradients of conv2d with act Relu,
  // y its output: with m = (y > 0 ? dy : 0), dx = conv2d_backward_data(m) when dx is defined, and dw and db =
  // conv2d_backward_weight(m) when dw is defined (db only with dw), the same values as those kernels give, without
  // writing m out. dy is left as it is. Returns false, having written nothing, where it has no such path.
  bool (*conv2d_relu_backward)(const Tensor& dx, const Tensor& dw, const Tensor& db, const Tensor& x,
                               const Tensor& w, const Tensor& dy, const Tensor& y, const WindowGeometry& g) = nullptr;
  // y (n, oh, ow, c): max or average over each window's elements inside the input (TF: padding never counts).
  // Max also writes, when defined, argmax (int32 (n, oh, ow, c): ih * w + iw of the chosen element).
  void (*pool2d)(const Tensor& y, const Tensor& argmax, const Tensor& x, PoolKind kind, const WindowGeometry& g) = nullptr;
  // dx (overwrites): Max routes dy to the argmax positions; Avg spreads dy / count over each window.
  void (*pool2d_backward)(const Tensor& dx, const Tensor& dy, const Tensor& argmax, PoolKind kind,
                          const WindowGeometry& g) = nullptr;

  // ---- training kernels (ops/optim.cpp, ops/loss.cpp) ----
  // One optimizer update, in place on a contiguous parameter and its slots. `struct OptimStep` is declared in
  // namespace pydl by this use and defined in core/optim.h (keeps this table free of optimizer details).
  void (*optim_update)(const struct OptimStep& step) = nullptr;
  // Contiguous (rows, cols) logits: probs = softmax(z) per row, loss[r] = -sum_j t[r, j] log probs[r, j].
  // Dense targets have the logits' shape and dtype; sparse ones are int64 class indices (rows,).
  void (*softmax_xent)(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target,
                       int64_t rows, int64_t cols, bool sparse) = nullptr;
  // Dropout: keep (bool, contiguous) from core/random_draw.h's dropout_keep_block; out = x * (keep * scale) for
  // contiguous out/x of keep's size (forward and backward alike).
  void (*dropout_mask)(const Tensor& keep, uint32_t threshold, RngState st) = nullptr;
  void (*masked_scale)(const Tensor& out, const Tensor& x, const Tensor& keep, double scale) = nullptr;
  // grad_logits = (probs * sum_j t[r, j] - t) * grad_loss[r] (overwrites).
  void (*softmax_xent_backward)(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                                const Tensor& target, int64_t rows, int64_t cols, bool sparse) = nullptr;

  // ---- embedding (ops/embedding.cpp) ----
  // out (n, d) = rows ids[i] of the contiguous table (v, d); ids contiguous, n integers (uint8, int32 or int64)
  // already checked to lie in [0, v).
  void (*embedding)(const Tensor& out, const Tensor& table, const Tensor& ids) = nullptr;
  // grad_table (v, d) = sum of grad_out[i] over i with ids[i] == row (overwrites: rows no id names become 0).
  // Each row adds its terms in increasing i, so the result is bit-identical at any thread count.
  void (*embedding_backward)(const Tensor& grad_table, const Tensor& grad_out, const Tensor& ids) = nullptr;
  // ---- recurrent cells: one time step's fused gate pass over all batch rows (core/recurrent.h describes the
  // buffers; ops/recurrent.cpp runs the time loop and the GEMMs). `struct RnnStep` is declared by this use.
  void (*rnn_step)(const struct RnnStep& step) = nullptr;
  void (*rnn_step_backward)(const struct RnnStep& step) = nullptr;
  // ---- word2vec (ops/word2vec.cpp): trains job.syn0/syn1neg in place; core/word2vec.h describes the job
  void (*word2vec_train)(struct Word2VecJob& job) = nullptr;
};

KernelTable& kernel_table(DeviceType t);
// Looks up a kernel and throws NotImplementedError naming the op and the device when it is missing.
template <typename Fn> Fn kernel_or_throw(Fn KernelTable::*slot, Device d, const char* op) {
  Fn fn = kernel_table(d.type).*slot;
  if (!fn) throw NotImplementedError(str_cat("op '", op, "' has no kernel for device '", device_type_name(d.type), "'"));
  return fn;
}
#define PYDL_KERNEL(name, device, op) ::pydl::kernel_or_throw(&::pydl::KernelTable::name, (device), (op))

}  // namespace pydl

// The kernel registry: one table of entry points per device type. The CPU backend fills its table at start-up;
// the CUDA backend fills its own when compiled in. A missing entry raises NotImplementedError naming op and device.
#pragma once
#include <cstdint>
#include "core/philox.h"
#include "core/tensor.h"

namespace pydl {

enum class UnaryOp : int {
  Neg, Abs, Exp, Log, Sqrt, Square, Reciprocal, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Softplus, Clip, Count
};
enum class BinaryOp : int { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, Count };
enum class ReduceOp : int { Sum, Max, Min, ArgMax, ArgMin, Count };
enum class RandomKind : int { Uniform, Normal, Integer };

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq; }

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

// CUDA softmax cross-entropy over the rows of contiguous (rows, cols) logits and its gradient, the formulas of
// csrc/cpu/loss.cpp: probs = softmax(z); loss = lse - z[label] (sparse) or lse * sum(t) - sum(t * z) (dense), with
// the exp sum and the loss in double. One warp per row: each lane walks a strided run of columns, lanes combine
// through a fixed xor-shuffle tree, so results are deterministic (they differ from the CPU's sequential sums only
// by rounding). Sparse labels out of [0, cols) raise IndexError like the CPU: the forward records the first bad row
// on the device and checks it after the kernel (one small device -> host copy per call, which waits for the stream).
#include <cmath>
#include <cstdint>
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: loss  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;
constexpr unsigned long long kNoRow = ~0ull;

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

template <typename T> __device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}
template <typename T> __device__ __forceinline__ T warp_max(T v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    const T o = __shfl_xor_sync(0xffffffffu, v, off);
    v = o > v ? o : v;
  }
  return v;
}

// ============================================================================================ kernels

template <typename T, bool SPARSE>
__global__ void __launch_bounds__(kThreads) xent_kernel(T* loss, T* probs, const T* z, const T* tt,
                                                        const int64_t* idx, int64_t rows, int64_t cols,
                                                        unsigned long long* bad_row) {
  const int lane = threadIdx.x & 31;
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  if (r >= rows) return;  // whole warps leave together
  const T* zr = z + r * cols;
  T* pr = probs + r * cols;
  T mx = zr[0];
  for (int64_t j = lane; j < cols; j += 32) mx = zr[j] > mx ? zr[j] : mx;
  mx = warp_max(mx);
  double sum = 0;
  for (int64_t j = lane; j < cols; j += 32) {
    const T e = d_exp(zr[j] - mx);
    pr[j] = e;
    sum += static_cast<double>(e);
  }
  sum = warp_sum(sum);
  const T inv = static_cast<T>(1.0 / sum);
  for (int64_t j = lane; j < cols; j += 32) pr[j] = mul_rn(pr[j], inv);
  const double lse = static_cast<double>(mx) + log(sum);
  double l;
  if constexpr (SPARSE) {
    const int64_t k = idx[r];
    if (k < 0 || k >= cols) {
      if (lane == 0) atomicMin(bad_row, static_cast<unsigned long long>(r));
      l = NAN;
    } else {
      l = lse - static_cast<double>(zr[k]);
    }
  } else {
    const T* tr = tt + r * cols;
    double ts = 0, tz = 0;
    for (int64_t j = lane; j < cols; j += 32) {
      ts += static_cast<double>(tr[j]);
      tz += static_cast<double>(tr[j]) * static_cast<double>(zr[j]);
    }
    ts = warp_sum(ts);
    tz = warp_sum(tz);
    l = lse * ts - tz;
  }
  if (lane == 0) loss[r] = static_cast<T>(l);
}

// Sparse gradient: one thread per element, o = p * g, minus g at the label (two roundings, like the CPU).
template <typename T>
__global__ void __launch_bounds__(kThreads) xent_backward_sparse_kernel(T* gz, const T* gl, const T* probs,
                                                                        const int64_t* idx, int64_t rows,
                                                                        int64_t cols) {
  const int64_t total = rows * cols;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int64_t r = e / cols, j = e - r * cols;
    const T g = gl[r];
    T o = mul_rn(probs[e], g);
    if (idx[r] == j) o -= g;
    gz[e] = o;
  }
}

// Dense gradient: one warp per row, o = (p * sum(t) - t) * g.
template <typename T>
__global__ void __launch_bounds__(kThreads) xent_backward_dense_kernel(T* gz, const T* gl, const T* probs,
                                                                       const T* tt, int64_t rows, int64_t cols) {
  const int lane = threadIdx.x & 31;
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  if (r >= rows) return;
  const T* tr = tt + r * cols;
  const T* pr = probs + r * cols;
  T* o = gz + r * cols;
  T ts = 0;
  for (int64_t j = lane; j < cols; j += 32) ts += tr[j];
  ts = warp_sum(ts);
  const T g = gl[r];
  for (int64_t j = lane; j < cols; j += 32) o[j] = mul_rn(mul_rn(pr[j], ts) - tr[j], g);
}

// pydl-emulate-end: loss

// ============================================================================================ launchers

unsigned row_blocks(int64_t rows) {
  const int64_t b = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  PYDL_CHECK(b < (int64_t(1) << 31), ValueError, "softmax_cross_entropy: too many rows for the CUDA kernel");
  return static_cast<unsigned>(b);
}

template <typename T>
void xent_typed(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target, int64_t rows,
                int64_t cols, bool sparse) {
  if (rows == 0 || cols == 0) return;
  Launch L(logits);
  const char* name = sparse ? "sparse_categorical_crossentropy" : "softmax_cross_entropy";
  if (sparse) {
    DeviceIndex di(target, L.device);
    Workspace flag(sizeof(unsigned long long), L.device);
    unsigned long long* bad = flag.as<unsigned long long>();
    check(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), L.stream), name);
    xent_kernel<T, true><<<row_blocks(rows), kThreads, 0, L.stream>>>(
        loss.data<T>(), probs.data<T>(), logits.data<T>(), nullptr, di.ptr, rows, cols, bad);
    check_launch(name);
    unsigned long long row = kNoRow;
    check(cudaMemcpyAsync(&row, bad, sizeof(row), cudaMemcpyDeviceToHost, L.stream), name);
    check(cudaStreamSynchronize(L.stream), name);
    if (row != kNoRow) {
      int64_t label = 0;
      check(cudaMemcpyAsync(&label, di.ptr + row, sizeof(label), cudaMemcpyDeviceToHost, L.stream), name);
      check(cudaStreamSynchronize(L.stream), name);
      throw IndexError(str_cat(name, ": label ", label, " in row ", static_cast<int64_t>(row),
                               " is out of range for ", cols, " classes"));
    }
  } else {
    xent_kernel<T, false><<<row_blocks(rows), kThreads, 0, L.stream>>>(
        loss.data<T>(), probs.data<T>(), logits.data<T>(), target.data<T>(), nullptr, rows, cols, nullptr);
    check_launch(name);
  }
}

template <typename T>
void xent_backward_typed(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                         const Tensor& target, int64_t rows, int64_t cols, bool sparse) {
  if (rows == 0 || cols == 0) return;
  Launch L(grad_logits);
  if (sparse) {
    DeviceIndex di(target, L.device);
    xent_backward_sparse_kernel<T><<<L.blocks(rows * cols, kThreads), kThreads, 0, L.stream>>>(
        grad_logits.data<T>(), grad_loss.data<T>(), probs.data<T>(), di.ptr, rows, cols);
  } else {
    xent_backward_dense_kernel<T><<<row_blocks(rows), kThreads, 0, L.stream>>>(
        grad_logits.data<T>(), grad_loss.data<T>(), probs.data<T>(), target.data<T>(), rows, cols);
  }
  check_launch("softmax_cross_entropy backward");
}

void softmax_xent(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target, int64_t rows,
                  int64_t cols, bool sparse) {
  if (logits.dtype() == DType::Float64) xent_typed<double>(loss, probs, logits, target, rows, cols, sparse);
  else if (logits.dtype() == DType::Float32) xent_typed<float>(loss, probs, logits, target, rows, cols, sparse);
  else throw DTypeError(str_cat("softmax_cross_entropy: CUDA kernels need float32 or float64, got ",
                                dtype_name(logits.dtype())));
}

void softmax_xent_backward(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                           const Tensor& target, int64_t rows, int64_t cols, bool sparse) {
  if (probs.dtype() == DType::Float64)
    xent_backward_typed<double>(grad_logits, grad_loss, probs, target, rows, cols, sparse);
  else if (probs.dtype() == DType::Float32)
    xent_backward_typed<float>(grad_logits, grad_loss, probs, target, rows, cols, sparse);
  else throw DTypeError(str_cat("softmax_cross_entropy backward: CUDA kernels need float32 or float64, got ",
                                dtype_name(probs.dtype())));
}

}  // namespace

void register_loss(KernelTable& t) {
  t.softmax_xent = softmax_xent;
  t.softmax_xent_backward = softmax_xent_backward;
}

}  // namespace cuda
}  // namespace pydl

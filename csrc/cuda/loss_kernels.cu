// CUDA softmax cross-entropy over the rows of contiguous (rows, cols) logits and its gradient, the formulas of
// csrc/cpu/loss.cpp: probs = softmax(z); loss = lse - z[label] (sparse) or lse * sum(t) - sum(t * z) (dense), with
// the exp sum and the loss in double. The forward reads the logits twice: once for the online max and exp sum
// (row_softmax.cuh) with the dense target's sums alongside, once to write the probabilities. Rows up to
// kRowGroupCols get a group of <= 32 lanes, longer rows a block; results are deterministic (they differ from the
// CPU's sequential sums only by rounding). Sparse labels out of [0, cols) raise IndexError like the CPU: the
// forward records the first bad row on the device and checks it after the kernel (one small device -> host copy
// per call, which waits for the stream).
#include <cmath>
#include <cstdint>
#include "cuda/common.cuh"
#include "cuda/math.cuh"
#include "cuda/row_softmax.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: loss  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr unsigned long long kNoRow = ~0ull;

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

// ============================================================================================ kernels

template <typename T, bool SPARSE, bool BLOCK, int V>
__global__ void __launch_bounds__(kRowThreads) xent_kernel(T* loss, T* probs, const T* z, const T* tt,
                                                           const int64_t* idx, int64_t rows, int64_t cols,
                                                           unsigned long long* bad_row, int G) {
  for_rows<BLOCK>(rows, cols, G, [&](int64_t r, int64_t n, int sub, int width) {
    const T* zr = z + r * cols;
    MaxSum<T, double> ms = MaxSum<T, double>::identity();
    double ts = 0, tz = 0;
    if constexpr (SPARSE) {
      lane_each<V>([&](T x) { ms.push(x); }, n, sub, width, zr);
    } else {
      lane_each<V>([&](T x, T t) {
        ms.push(x);
        ts += static_cast<double>(t);
        tz += static_cast<double>(t) * static_cast<double>(x);
      }, n, sub, width, zr, tt + r * cols);
      ts = row_all<BLOCK>(ts, G, RowPlus<double>{});
      tz = row_all<BLOCK>(tz, G, RowPlus<double>{});
    }
    ms = row_all<BLOCK>(ms, G, RowMaxSum<T, double>{});
    const T mx = ms.m;
    const T inv = static_cast<T>(1.0 / ms.s);
    lane_map<V>(probs + r * cols, [&](T v) { return mul_rn(d_exp(v - mx), inv); }, n, sub, width, zr);
    const double lse = static_cast<double>(mx) + log(ms.s);
    double l;
    if constexpr (SPARSE) {
      const int64_t k = idx[r];
      if (k < 0 || k >= cols) {
        if (n > 0 && sub == 0) atomicMin(bad_row, static_cast<unsigned long long>(r));
        l = NAN;
      } else {
        l = lse - static_cast<double>(zr[k]);
      }
    } else {
      l = lse * ts - tz;
    }
    if (n > 0 && sub == 0) loss[r] = static_cast<T>(l);
  });
}

// Sparse gradient: one thread per element, o = p * g, minus g at the label (two roundings, like the CPU).
template <typename T>
__global__ void __launch_bounds__(kRowThreads) xent_backward_sparse_kernel(T* gz, const T* gl, const T* probs,
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

// Dense gradient: o = (p * sum(t) - t) * g, a group or a block per row.
template <typename T, bool BLOCK, int V>
__global__ void __launch_bounds__(kRowThreads) xent_backward_dense_kernel(T* gz, const T* gl, const T* probs,
                                                                          const T* tt, int64_t rows, int64_t cols,
                                                                          int G) {
  for_rows<BLOCK>(rows, cols, G, [&](int64_t r, int64_t n, int sub, int width) {
    const T* tr = tt + r * cols;
    T ts = 0;
    lane_each<V>([&](T t) { ts += t; }, n, sub, width, tr);
    ts = row_all<BLOCK>(ts, G, RowPlus<T>{});
    const T g = gl[r];
    lane_map<V>(gz + r * cols, [&](T p, T t) { return mul_rn(mul_rn(p, ts) - t, g); }, n, sub, width,
                probs + r * cols, tr);
  });
}

// pydl-emulate-end: loss

// ============================================================================================ launchers

template <typename T>
void xent_typed(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target, int64_t rows,
                int64_t cols, bool sparse) {
  if (rows == 0 || cols == 0) return;
  Launch L(logits);
  const char* name = sparse ? "sparse_categorical_crossentropy" : "softmax_cross_entropy";
  T* l = loss.data<T>();
  T* p = probs.data<T>();
  const T* z = logits.data<T>();
  if (!sparse) {
    const T* t = target.data<T>();
    launch_rows<T>(name, rows, cols, row_vec<T>(cols, {p, z, t}), L, [&](auto block, auto v, unsigned grid, int G) {
      xent_kernel<T, false, decltype(block)::value, decltype(v)::value>
          <<<grid, kRowThreads, 0, L.stream>>>(l, p, z, t, nullptr, rows, cols, nullptr, G);
    });
    return;
  }
  DeviceIndex di(target, L.device);
  Workspace flag(sizeof(unsigned long long), L.device);
  unsigned long long* bad = flag.as<unsigned long long>();
  check(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), L.stream), name);
  launch_rows<T>(name, rows, cols, row_vec<T>(cols, {p, z}), L, [&](auto block, auto v, unsigned grid, int G) {
    xent_kernel<T, true, decltype(block)::value, decltype(v)::value>
        <<<grid, kRowThreads, 0, L.stream>>>(l, p, z, nullptr, di.ptr, rows, cols, bad, G);
  });
  unsigned long long row = kNoRow;
  check(cudaMemcpyAsync(&row, bad, sizeof(row), cudaMemcpyDeviceToHost, L.stream), name);
  check(cudaStreamSynchronize(L.stream), name);
  if (row != kNoRow) {
    int64_t label = 0;
    check(cudaMemcpyAsync(&label, di.ptr + row, sizeof(label), cudaMemcpyDeviceToHost, L.stream), name);
    check(cudaStreamSynchronize(L.stream), name);
    throw IndexError(str_cat(name, ": label ", label, " in row ", static_cast<int64_t>(row), " is out of range for ",
                             cols, " classes"));
  }
}

template <typename T>
void xent_backward_typed(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                         const Tensor& target, int64_t rows, int64_t cols, bool sparse) {
  if (rows == 0 || cols == 0) return;
  Launch L(grad_logits);
  const char* name = "softmax_cross_entropy backward";
  T* gz = grad_logits.data<T>();
  const T* gl = grad_loss.data<T>();
  const T* p = probs.data<T>();
  if (sparse) {
    DeviceIndex di(target, L.device);
    xent_backward_sparse_kernel<T><<<L.blocks(rows * cols, kRowThreads), kRowThreads, 0, L.stream>>>(
        gz, gl, p, di.ptr, rows, cols);
    check_launch(name);
    return;
  }
  const T* t = target.data<T>();
  launch_rows<T>(name, rows, cols, row_vec<T>(cols, {gz, p, t}), L, [&](auto block, auto v, unsigned grid, int G) {
    xent_backward_dense_kernel<T, decltype(block)::value, decltype(v)::value>
        <<<grid, kRowThreads, 0, L.stream>>>(gz, gl, p, t, rows, cols, G);
  });
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

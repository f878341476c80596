// CUDA softmax / log-softmax over the rows of a contiguous (rows, cols) matrix, and their backward. The forward
// reads each row twice: once for its max and sum of exponentials together (online, row_softmax.cuh), once to write
// the outputs. Same formulas as csrc/cpu/reduce.cpp: y = exp(x - m) / s, or (x - m) - log(s), where m is the row's
// max; a row holding NaN or +inf, or only -inf, gives NaN, as on the CPU.
#include <cmath>
#include "cuda/common.cuh"
#include "cuda/math.cuh"
#include "cuda/row_softmax.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: softmax  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

// BLOCK = one block per row, else groups of G lanes per row; V-wide accesses (row_softmax.cuh).
template <typename T, bool BLOCK, int V>
__global__ void __launch_bounds__(kRowThreads) softmax_kernel(T* y, const T* x, int64_t rows, int64_t cols,
                                                              bool log, int G) {
  for_rows<BLOCK>(rows, cols, G, [&](int64_t r, int64_t n, int sub, int width) {
    const T* xr = x + r * cols;
    MaxSum<T, T> ms = MaxSum<T, T>::identity();
    lane_each<V>([&](T v) { ms.push(v); }, n, sub, width, xr);
    ms = row_all<BLOCK>(ms, G, RowMaxSum<T, T>{});
    const T m = ms.m;
    if (log) {
      const T ls = d_log(ms.s);
      lane_map<V>(y + r * cols, [&](T v) { return (v - m) - ls; }, n, sub, width, xr);
    } else {
      const T inv = T(1) / ms.s;
      lane_map<V>(y + r * cols, [&](T v) { return d_exp(v - m) * inv; }, n, sub, width, xr);
    }
  });
}

// gi = g - exp(y) * sum(g) (log-softmax), or y * (g - sum(g * y)): one pass for the sum, one to write.
template <typename T, bool BLOCK, int V>
__global__ void __launch_bounds__(kRowThreads) softmax_backward_kernel(T* gi, const T* g, const T* y, int64_t rows,
                                                                       int64_t cols, bool log, int G) {
  for_rows<BLOCK>(rows, cols, G, [&](int64_t r, int64_t n, int sub, int width) {
    const T* gr = g + r * cols;
    const T* yr = y + r * cols;
    T acc = T(0);
    lane_each<V>([&](T gv, T yv) { acc += log ? gv : gv * yv; }, n, sub, width, gr, yr);
    const T s = row_all<BLOCK>(acc, G, RowPlus<T>{});
    if (log) lane_map<V>(gi + r * cols, [&](T gv, T yv) { return gv - d_exp(yv) * s; }, n, sub, width, gr, yr);
    else lane_map<V>(gi + r * cols, [&](T gv, T yv) { return yv * (gv - s); }, n, sub, width, gr, yr);
  });
}

// pydl-emulate-end: softmax

// ============================================================================================ launchers

template <typename T> void softmax_typed(const Tensor& out, const Tensor& in, int64_t rows, int64_t cols, bool log) {
  Launch L(in);
  T* y = out.data<T>();
  const T* x = in.data<T>();
  const int vec = row_vec<T>(cols, {y, x});
  launch_rows<T>(log ? "log_softmax" : "softmax", rows, cols, vec, L, [&](auto block, auto v, unsigned grid, int G) {
    softmax_kernel<T, decltype(block)::value, decltype(v)::value><<<grid, kRowThreads, 0, L.stream>>>(y, x, rows, cols,
                                                                                                      log, G);
  });
}

template <typename T>
void softmax_backward_typed(const Tensor& gin, const Tensor& gout, const Tensor& yt, int64_t rows, int64_t cols,
                            bool log) {
  Launch L(yt);
  T* gi = gin.data<T>();
  const T* g = gout.data<T>();
  const T* y = yt.data<T>();
  const int vec = row_vec<T>(cols, {gi, g, y});
  launch_rows<T>(log ? "log_softmax backward" : "softmax backward", rows, cols, vec, L,
                 [&](auto block, auto v, unsigned grid, int G) {
                   softmax_backward_kernel<T, decltype(block)::value, decltype(v)::value>
                       <<<grid, kRowThreads, 0, L.stream>>>(gi, g, y, rows, cols, log, G);
                 });
}

void softmax(const Tensor& out, const Tensor& in, int64_t rows, int64_t cols, bool log) {
  if (rows == 0 || cols == 0) return;
  if (in.dtype() == DType::Float64) softmax_typed<double>(out, in, rows, cols, log);
  else softmax_typed<float>(out, in, rows, cols, log);
}

void softmax_backward(const Tensor& gin, const Tensor& gout, const Tensor& y, int64_t rows, int64_t cols, bool log) {
  if (rows == 0 || cols == 0) return;
  if (y.dtype() == DType::Float64) softmax_backward_typed<double>(gin, gout, y, rows, cols, log);
  else softmax_backward_typed<float>(gin, gout, y, rows, cols, log);
}

}  // namespace

void register_softmax(KernelTable& t) {
  t.softmax = softmax;
  t.softmax_backward = softmax_backward;
}

}  // namespace cuda
}  // namespace pydl

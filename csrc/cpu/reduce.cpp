// CPU reductions over the last axis of a contiguous (rows, cols) tensor, and softmax along it.
// Sums use fixed 4096-element chunks combined in a fixed order: bit-identical results at any thread count.
#include <type_traits>
#include <cmath>
#include <vector>
#include "cpu/isa_kernels.h"
#include "cpu/register.h"
#include "core/thread_pool.h"

namespace pydl {
namespace cpu {
namespace {

constexpr int64_t kChunk = 4096;

// Integer sums wrap modulo 2^64 as NumPy's do; they accumulate in the unsigned type because signed overflow is
// undefined behaviour in C++. Float sums accumulate in their own type.
template <typename Acc, typename = void> struct SumType { using type = Acc; };
template <typename Acc>
struct SumType<Acc, std::enable_if_t<std::is_integral<Acc>::value && !std::is_same<Acc, bool>::value>> {
  using type = std::make_unsigned_t<Acc>;
};

template <typename Acc, typename T> Acc sum_run(const T* x, int64_t n) {
  using W = typename SumType<Acc>::type;
  W lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) lanes[l] += static_cast<W>(static_cast<Acc>(x[i + l]));
  W tail = 0;
  for (; i < n; ++i) tail += static_cast<W>(static_cast<Acc>(x[i]));
  return static_cast<Acc>(((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
                          ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + tail);
}

template <typename Acc, typename T> void sum_rows(Acc* out, const T* in, int64_t rows, int64_t cols) {
  if (cols <= kChunk) {
    parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) out[r] = sum_run<Acc>(in + r * cols, cols);
    });
    return;
  }
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
  std::vector<Acc> partial(rows * chunks);
  parallel_for(0, rows * chunks, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      int64_t r = t / chunks, c = t % chunks;
      int64_t begin = c * kChunk, n = std::min(kChunk, cols - begin);
      partial[t] = sum_run<Acc>(in + r * cols + begin, n);
    }
  });
  for (int64_t r = 0; r < rows; ++r) {
    typename SumType<Acc>::type s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += static_cast<typename SumType<Acc>::type>(partial[r * chunks + c]);
    out[r] = static_cast<Acc>(s);
  }
}

template <typename T> bool isnan_(T v) { if constexpr (std::is_floating_point<T>::value) return v != v; else return false; }

// Max/Min (values) and ArgMax/ArgMin (first index); NaN wins, like NumPy.
template <typename T> void extreme_rows(const Tensor& out, const T* in, int64_t rows, int64_t cols, ReduceOp op) {
  const bool want_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
  const bool want_index = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
  parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* x = in + r * cols;
      int64_t best = 0;
      for (int64_t j = 0; j < cols; ++j) {
        if (isnan_(x[j])) { best = j; break; }
        if (want_max ? x[j] > x[best] : x[j] < x[best]) best = j;
      }
      if (want_index) out.data<int64_t>()[r] = best;
      else out.data<T>()[r] = x[best];
    }
  });
}

void reduce(const Tensor& out, const Tensor& in, ReduceOp op, int64_t rows, int64_t cols) {
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (op == ReduceOp::Sum) {
      visit_dtype(out.dtype(), [&](auto otag) {
        using O = decltype(otag);
        if constexpr (std::is_same<O, bool>::value) throw DTypeError("sum: bool output");
        else sum_rows<O>(out.data<O>(), in.data<T>(), rows, cols);
      });
    } else {
      extreme_rows<T>(out, in.data<T>(), rows, cols, op);
    }
  });
}

template <typename T> void softmax_rows(T* y, const T* x, int64_t rows, int64_t cols, bool log) {
  parallel_for(0, rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      T m = xr[0];
      for (int64_t j = 1; j < cols; ++j) m = (xr[j] > m || xr[j] != xr[j]) ? xr[j] : m;
      if (std::isinf(m) && m < 0) m = 0;  // an all -inf row: avoid (-inf) - (-inf)
      T s = 0;
      for (int64_t j = 0; j < cols; ++j) { T e = std::exp(xr[j] - m); s += e; if (!log) yr[j] = e; }
      if (log) { T ls = std::log(s); for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) - ls; }
      else { T inv = T(1) / s; for (int64_t j = 0; j < cols; ++j) yr[j] *= inv; }
    }
  });
}

template <typename T> void softmax_backward_rows(T* gi, const T* g, const T* y, int64_t rows, int64_t cols, bool log) {
  parallel_for(0, rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* gr = g + r * cols; const T* yr = y + r * cols; T* out = gi + r * cols;
      T s = 0;
      if (log) {
        for (int64_t j = 0; j < cols; ++j) s += gr[j];
        for (int64_t j = 0; j < cols; ++j) out[j] = gr[j] - std::exp(yr[j]) * s;
      } else {
        for (int64_t j = 0; j < cols; ++j) s += gr[j] * yr[j];
        for (int64_t j = 0; j < cols; ++j) out[j] = yr[j] * (gr[j] - s);
      }
    }
  });
}

void softmax(const Tensor& out, const Tensor& in, int64_t rows, int64_t cols, bool log) {
  if (in.dtype() == DType::Float64) {
    softmax_rows(out.data<double>(), in.data<double>(), rows, cols, log);
    return;
  }
  auto rows_fn = isa_kernels().softmax_rows_f32;  // SIMD exp per ISA
  float* y = out.data<float>();
  const float* x = in.data<float>();
  parallel_for(0, rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    rows_fn(y + lo * cols, x + lo * cols, hi - lo, cols, log);
  });
}

void softmax_backward(const Tensor& gin, const Tensor& gout, const Tensor& y, int64_t rows, int64_t cols, bool log) {
  if (y.dtype() == DType::Float64) softmax_backward_rows(gin.data<double>(), gout.data<double>(), y.data<double>(), rows, cols, log);
  else softmax_backward_rows(gin.data<float>(), gout.data<float>(), y.data<float>(), rows, cols, log);
}

}  // namespace

void register_reduce(KernelTable& t) {
  t.reduce = reduce;
  t.softmax = softmax;
  t.softmax_backward = softmax_backward;
}

}  // namespace cpu
}  // namespace pydl

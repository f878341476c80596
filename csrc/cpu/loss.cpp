// CPU softmax cross-entropy over rows of contiguous logits, and its gradient. Each row is independent, so
// rows are split across threads without changing any result.
#include <cmath>
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

template <typename T> void xent(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target,
                                int64_t rows, int64_t cols, bool sparse) {
  const T* z = logits.data<T>();
  T* pr = probs.data<T>();
  T* out = loss.data<T>();
  const T* tt = sparse ? nullptr : target.data<T>();
  const int64_t* idx = sparse ? target.data<int64_t>() : nullptr;
  parallel_for(0, rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* zr = z + r * cols;
      T* pr_r = pr + r * cols;
      T mx = zr[0];
      for (int64_t j = 1; j < cols; ++j) mx = zr[j] > mx ? zr[j] : mx;
      double sum = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const T e = std::exp(zr[j] - mx);
        pr_r[j] = e;
        sum += e;
      }
      const T inv = static_cast<T>(1.0 / sum);
      for (int64_t j = 0; j < cols; ++j) pr_r[j] *= inv;
      const double lse = double(mx) + std::log(sum);  // log sum_j exp(z_j)
      double l;
      if (sparse) {
        l = lse - double(zr[idx[r]]);
      } else {
        const T* tr = tt + r * cols;
        double ts = 0, tz = 0;
        for (int64_t j = 0; j < cols; ++j) { ts += tr[j]; tz += double(tr[j]) * double(zr[j]); }
        l = lse * ts - tz;
      }
      out[r] = static_cast<T>(l);
    }
  });
}

template <typename T> void xent_backward(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                                         const Tensor& target, int64_t rows, int64_t cols, bool sparse) {
  T* gz = grad_logits.data<T>();
  const T* gl = grad_loss.data<T>();
  const T* pr = probs.data<T>();
  const T* tt = sparse ? nullptr : target.data<T>();
  const int64_t* idx = sparse ? target.data<int64_t>() : nullptr;
  parallel_for(0, rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T g = gl[r];
      const T* p = pr + r * cols;
      T* o = gz + r * cols;
      if (sparse) {
        for (int64_t j = 0; j < cols; ++j) o[j] = p[j] * g;
        o[idx[r]] -= g;
      } else {
        const T* tr = tt + r * cols;
        T ts = 0;
        for (int64_t j = 0; j < cols; ++j) ts += tr[j];
        for (int64_t j = 0; j < cols; ++j) o[j] = (p[j] * ts - tr[j]) * g;
      }
    }
  });
}

void softmax_xent(const Tensor& loss, const Tensor& probs, const Tensor& logits, const Tensor& target, int64_t rows,
                  int64_t cols, bool sparse) {
  if (sparse) {  // checked here, before any thread starts, so the error reaches the caller
    const int64_t* idx = target.data<int64_t>();
    for (int64_t r = 0; r < rows; ++r)
      PYDL_CHECK(idx[r] >= 0 && idx[r] < cols, IndexError, "sparse_categorical_crossentropy: label ", idx[r],
                 " in row ", r, " is out of range for ", cols, " classes");
  }
  if (logits.dtype() == DType::Float32) xent<float>(loss, probs, logits, target, rows, cols, sparse);
  else xent<double>(loss, probs, logits, target, rows, cols, sparse);
}

void softmax_xent_backward(const Tensor& grad_logits, const Tensor& grad_loss, const Tensor& probs,
                           const Tensor& target, int64_t rows, int64_t cols, bool sparse) {
  if (probs.dtype() == DType::Float32) xent_backward<float>(grad_logits, grad_loss, probs, target, rows, cols, sparse);
  else xent_backward<double>(grad_logits, grad_loss, probs, target, rows, cols, sparse);
}

}  // namespace

void register_loss(KernelTable& t) {
  t.softmax_xent = softmax_xent;
  t.softmax_xent_backward = softmax_xent_backward;
}

}  // namespace cpu
}  // namespace pydl

// CPU optimizer updates: one pass over a contiguous parameter that reads its gradient and updates the parameter
// and the optimizer's slots in place. All array arithmetic is in the parameter's dtype with scalars cast once, in
// the order of the update rule as written in ops/ops.h, so NumPy doing the same float32 ops agrees bit for bit.
// (This file is compiled without FMA flags, so the compiler cannot contract a*b+c into one rounding.)
#include <algorithm>
#include <cmath>
#include <vector>
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "ops/ops.h"

namespace pydl {
namespace cpu {
namespace {

constexpr int64_t kGrain = 32768;
constexpr int64_t kNormChunk = 4096;

// Sum of squares in double over fixed chunks added in a fixed order (same value at any thread count).
template <typename T> double sum_squares(const T* g, int64_t n) {
  const int64_t chunks = (n + kNormChunk - 1) / kNormChunk;
  std::vector<double> part(chunks, 0.0);
  parallel_for(0, chunks, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      double s = 0;
      for (int64_t i = c * kNormChunk, e = std::min(n, i + kNormChunk); i < e; ++i) s += double(g[i]) * double(g[i]);
      part[c] = s;
    }
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

template <typename T> void update(const OptimStep& s) {
  const int64_t n = s.param.numel();
  T* p = s.param.data<T>();
  const T* gr = s.grad.data<T>();
  T* a = s.slot0.defined() ? s.slot0.data<T>() : nullptr;
  T* b = s.slot1.defined() ? s.slot1.data<T>() : nullptr;
  T* c = s.slot2.defined() ? s.slot2.data<T>() : nullptr;
  bool scale = false;
  T factor = T(1);
  if (s.clipnorm > 0) {
    const double norm = std::sqrt(sum_squares(gr, n));
    if (norm > s.clipnorm) { scale = true; factor = static_cast<T>(s.clipnorm / norm); }
  }
  const bool clip = s.clipvalue > 0;
  const T cv = static_cast<T>(s.clipvalue), lr = static_cast<T>(s.lr), eps = static_cast<T>(s.eps);
  const T b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
  const T one_b1 = static_cast<T>(1.0 - s.beta1), one_b2 = static_cast<T>(1.0 - s.beta2);
  const T c1 = static_cast<T>(s.c1), c2 = static_cast<T>(s.c2), c3 = static_cast<T>(s.c3);
  const T c4 = static_cast<T>(s.c4), c5 = static_cast<T>(s.c5);

  // One loop per rule (the rule is chosen outside the loop, so each loop vectorizes); G(i) is the preprocessed
  // gradient, whose loop-invariant branches the compiler unswitches.
  auto G = [=](int64_t i) {
    T g = gr[i];
    if (scale) g = g * factor;
    if (clip) g = std::min(std::max(g, -cv), cv);
    return g;
  };
  auto each = [n](auto&& body) {
    parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) body(i);
    });
  };
  switch (s.kind) {
    case OptimKind::SGD:
      if (!a) each([&](int64_t i) { p[i] = p[i] - lr * G(i); });
      else if (s.nesterov) each([&](int64_t i) {
        const T g = G(i);
        a[i] = b1 * a[i] - lr * g;
        p[i] = p[i] + b1 * a[i] - lr * g;
      });
      else each([&](int64_t i) {
        a[i] = b1 * a[i] - lr * G(i);
        p[i] = p[i] + a[i];
      });
      break;
    case OptimKind::Adagrad:
      each([&](int64_t i) {
        const T g = G(i);
        a[i] = a[i] + g * g;
        p[i] = p[i] - lr * g / (std::sqrt(a[i]) + eps);
      });
      break;
    case OptimKind::Adadelta:
      each([&](int64_t i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g * g;
        const T upd = g * std::sqrt(b[i] + eps) / std::sqrt(a[i] + eps);
        p[i] = p[i] - lr * upd;
        b[i] = b1 * b[i] + one_b1 * upd * upd;
      });
      break;
    case OptimKind::RMSprop:
      each([&](int64_t i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g * g;
        p[i] = p[i] - lr * g / (std::sqrt(a[i]) + eps);
      });
      break;
    case OptimKind::Adam:
      if (s.amsgrad) each([&](int64_t i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g;
        b[i] = b2 * b[i] + one_b2 * g * g;
        c[i] = std::max(c[i], b[i]);
        p[i] = p[i] - lr * a[i] / (std::sqrt(c[i]) + eps);
      });
      else each([&](int64_t i) {
        const T g = G(i);
        a[i] = b1 * a[i] + one_b1 * g;
        b[i] = b2 * b[i] + one_b2 * g * g;
        p[i] = p[i] - lr * a[i] / (std::sqrt(b[i]) + eps);
      });
      break;
    case OptimKind::Nadam:
      each([&](int64_t i) {
        const T g = G(i);
        const T g_prime = g / c1;
        a[i] = b1 * a[i] + one_b1 * g;
        const T m_prime = a[i] / c2;
        b[i] = b2 * b[i] + one_b2 * g * g;
        const T v_prime = b[i] / c3;
        const T m_bar = c4 * g_prime + c5 * m_prime;
        p[i] = p[i] - lr * m_bar / (std::sqrt(v_prime) + eps);
      });
      break;
  }
}

void optim_update(const OptimStep& s) {
  if (s.param.dtype() == DType::Float32) update<float>(s);
  else update<double>(s);
}

}  // namespace

void register_optim(KernelTable& t) { t.optim_update = optim_update; }

}  // namespace cpu
}  // namespace pydl

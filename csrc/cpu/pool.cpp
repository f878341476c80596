// Pooling kernels over NHWC: each output pixel reduces its window's elements that lie inside the input (TensorFlow
// semantics: padding never takes part, and an average divides by the number of elements it saw), vectorised over
// channels. Forward threads split output rows; backward threads split images, because overlapping windows of one
// image scatter into the same input elements.
#include <algorithm>
#include <cstdint>
#include "core/thread_pool.h"
#include "cpu/isa_kernels.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

// The input rows/cols a window touches: [lo, hi) clipped to the input (pooling windows are not dilated).
struct Span { int64_t lo, hi; };
Span clip(int64_t start, int64_t k, int64_t size) { return {std::max<int64_t>(start, 0), std::min(start + k, size)}; }

template <typename T>
void pool_forward(T* y, int32_t* arg, const T* x, PoolKind kind, const WindowGeometry& g) {
  const int64_t C = g.c;
  const MaxPoolRun max_run = isa_kernels().pool.max_pool[sizeof(T) == 8 ? 1 : 0];  // SIMD at the machine's width
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.ow * g.kh * g.kw * C));
  parallel_for(0, g.n * g.oh, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t n = row / g.oh, oh = row % g.oh;
      const T* img = x + n * g.h * g.w * C;
      const Span rs = clip(oh * g.sh - g.pad_top, g.kh, g.h);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        T* yo = y + (row * g.ow + ow) * C;
        int32_t* ao = arg ? arg + (row * g.ow + ow) * C : nullptr;
        const Span cs = clip(ow * g.sw - g.pad_left, g.kw, g.w);
        const int64_t count = std::max<int64_t>(rs.hi - rs.lo, 0) * std::max<int64_t>(cs.hi - cs.lo, 0);
        if (count == 0) {  // cannot happen with Keras padding rules; defined anyway
          std::fill(yo, yo + C, T(0));
          if (ao) std::fill(ao, ao + C, int32_t(-1));
          continue;
        }
        const T* first = img + (rs.lo * g.w + cs.lo) * C;
        if (kind == PoolKind::Max) {  // one call for this pixel and the following ones whose windows are whole
          int64_t run = 1;
          const bool whole = cs.lo == ow * g.sw - g.pad_left && cs.hi - cs.lo == g.kw;
          while (whole && ow + run < g.ow && (ow + run) * g.sw - g.pad_left + g.kw <= g.w) ++run;
          max_run(run, yo, ao, first, C, rs.hi - rs.lo, cs.hi - cs.lo, g.w * C, g.sw * C,
                  static_cast<int32_t>(rs.lo * g.w + cs.lo), static_cast<int32_t>(g.sw), static_cast<int32_t>(g.w));
          ow += run - 1;
          continue;
        }
        for (int64_t c = 0; c < C; ++c) yo[c] = first[c];
        if (ao) std::fill(ao, ao + C, static_cast<int32_t>(rs.lo * g.w + cs.lo));
        for (int64_t ih = rs.lo; ih < rs.hi; ++ih) {
          for (int64_t iw = (ih == rs.lo ? cs.lo + 1 : cs.lo); iw < cs.hi; ++iw) {
            const T* xp = img + (ih * g.w + iw) * C;
            if (kind == PoolKind::Avg) {
              for (int64_t c = 0; c < C; ++c) yo[c] += xp[c];
            } else if (ao) {
              const int32_t idx = static_cast<int32_t>(ih * g.w + iw);
              for (int64_t c = 0; c < C; ++c) {  // first maximum wins; NaN propagates
                const T v = xp[c];
                const bool take = v > yo[c] || v != v;
                yo[c] = take ? v : yo[c];
                ao[c] = take ? idx : ao[c];
              }
            } else {
              for (int64_t c = 0; c < C; ++c) {
                const T v = xp[c];
                yo[c] = (v > yo[c] || v != v) ? v : yo[c];
              }
            }
          }
        }
        if (kind == PoolKind::Avg) {
          const T inv = T(1) / static_cast<T>(count);
          for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
        }
      }
    }
  });
}

// dst[c] = arg[c] == idx ? d[c] : 0 (restrict: the compiler vectorises it).
template <typename T>
void route(T* __restrict dst, const T* __restrict d, const int32_t* __restrict a, int32_t idx, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const T v = d[c];  // read unconditionally: a select, not a branch per element
    dst[c] = a[c] == idx ? v : T(0);
  }
}

// Max pooling whose windows do not overlap (stride >= pool): each input element lies in at most one window, so
// dx is written once, element by element, instead of zero-filled and then scattered into.
template <typename T>
void max_backward_disjoint(T* img, const T* dy, const int32_t* arg, const WindowGeometry& g) {
  const int64_t C = g.c;
  for (int64_t ih = 0; ih < g.h; ++ih) {
    const int64_t oh = (ih + g.pad_top) / g.sh;
    T* row = img + ih * g.w * C;
    if ((ih + g.pad_top) % g.sh >= g.kh || oh >= g.oh) {  // no window covers this row
      std::fill(row, row + g.w * C, T(0));
      continue;
    }
    for (int64_t iw = 0; iw < g.w; ++iw) {
      const int64_t ow = (iw + g.pad_left) / g.sw;
      if ((iw + g.pad_left) % g.sw >= g.kw || ow >= g.ow) {
        std::fill(row + iw * C, row + (iw + 1) * C, T(0));
        continue;
      }
      const int64_t o = (oh * g.ow + ow) * C;
      route(row + iw * C, dy + o, arg + o, static_cast<int32_t>(ih * g.w + iw), C);
    }
  }
}

template <typename T>
void pool_backward(T* dx, const T* dy, const int32_t* arg, PoolKind kind, const WindowGeometry& g) {
  const int64_t C = g.c, HWC = g.h * g.w * C, P = g.oh * g.ow;
  const bool disjoint = kind == PoolKind::Max && g.sh >= g.kh && g.sw >= g.kw;
  parallel_for(0, g.n, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      if (disjoint) {
        max_backward_disjoint(dx + n * HWC, dy + n * P * C, arg + n * P * C, g);
        continue;
      }
      T* img = dx + n * HWC;
      std::fill(img, img + HWC, T(0));
      for (int64_t p = 0; p < P; ++p) {
        const T* d = dy + (n * P + p) * C;
        if (kind == PoolKind::Max) {
          const int32_t* a = arg + (n * P + p) * C;
          for (int64_t c = 0; c < C; ++c)
            if (a[c] >= 0) img[a[c] * C + c] += d[c];
          continue;
        }
        const int64_t oh = p / g.ow, ow = p % g.ow;
        const Span rs = clip(oh * g.sh - g.pad_top, g.kh, g.h), cs = clip(ow * g.sw - g.pad_left, g.kw, g.w);
        const int64_t count = std::max<int64_t>(rs.hi - rs.lo, 0) * std::max<int64_t>(cs.hi - cs.lo, 0);
        if (count == 0) continue;
        const T inv = T(1) / static_cast<T>(count);
        for (int64_t ih = rs.lo; ih < rs.hi; ++ih)
          for (int64_t iw = cs.lo; iw < cs.hi; ++iw) {
            T* xp = img + (ih * g.w + iw) * C;
            for (int64_t c = 0; c < C; ++c) xp[c] += d[c] * inv;
          }
      }
    }
  });
}

int32_t* arg_ptr(const Tensor& t) { return t.defined() ? t.data<int32_t>() : nullptr; }

void pool2d(const Tensor& y, const Tensor& argmax, const Tensor& x, PoolKind kind, const WindowGeometry& g) {
  if (x.dtype() == DType::Float64) pool_forward(y.data<double>(), arg_ptr(argmax), x.data<double>(), kind, g);
  else pool_forward(y.data<float>(), arg_ptr(argmax), x.data<float>(), kind, g);
}

void pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& argmax, PoolKind kind, const WindowGeometry& g) {
  if (dx.dtype() == DType::Float64) pool_backward(dx.data<double>(), dy.data<double>(), arg_ptr(argmax), kind, g);
  else pool_backward(dx.data<float>(), dy.data<float>(), arg_ptr(argmax), kind, g);
}

}  // namespace

void register_pool(KernelTable& t) {
  t.pool2d = pool2d;
  t.pool2d_backward = pool2d_backward;
}

}  // namespace cpu
}  // namespace pydl

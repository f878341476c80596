// CUDA pooling over contiguous NHWC data, the semantics of csrc/cpu/pool.cpp (TensorFlow: padding never takes part;
// an average divides by the number of elements it saw; max keeps the first maximum, a NaN replaces the running
// value, and argmax stores ih * w + iw as int32). Forward: one thread per output element, the window walked in the
// CPU's order. Backward: one thread per input element gathers, in ascending (oh, ow) order, the contributions of
// the windows that contain it (max: those whose argmax is this element), so no atomics and deterministic results.
#include <algorithm>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kThreads = 256;

// pydl-emulate-begin: pool  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)
struct PGeo {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl;
};
PGeo to_pgeo(const WindowGeometry& g) {
  return PGeo{g.n, g.h, g.w, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pad_top, g.pad_left};
}

// Multiplication without contraction into an FMA, like the CPU build (`d * inv` then `+=`).
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

// ============================================================================================ kernels

template <typename T>
__global__ void __launch_bounds__(kThreads) pool_forward_kernel(T* y, int32_t* arg, const T* x, bool avg, PGeo g) {
  const int64_t total = g.n * g.oh * g.ow * g.c;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int64_t c = e % g.c, t0 = e / g.c, ow = t0 % g.ow, t1 = t0 / g.ow, oh = t1 % g.oh, n = t1 / g.oh;
    const int64_t hs = oh * g.sh - g.pt, ws = ow * g.sw - g.pl;
    const int64_t rlo = max(hs, int64_t(0)), rhi = min(hs + g.kh, g.h);
    const int64_t clo = max(ws, int64_t(0)), chi = min(ws + g.kw, g.w);
    const int64_t count = max(rhi - rlo, int64_t(0)) * max(chi - clo, int64_t(0));
    if (count == 0) {
      y[e] = T(0);
      if (arg) arg[e] = -1;
      continue;
    }
    const T* img = x + n * g.h * g.w * g.c + c;
    T v = img[(rlo * g.w + clo) * g.c];
    int32_t a = static_cast<int32_t>(rlo * g.w + clo);
    for (int64_t ih = rlo; ih < rhi; ++ih) {
      for (int64_t iw = (ih == rlo ? clo + 1 : clo); iw < chi; ++iw) {
        const T u = img[(ih * g.w + iw) * g.c];
        if (avg) {
          v += u;
        } else if (u > v || u != u) {
          v = u;
          a = static_cast<int32_t>(ih * g.w + iw);
        }
      }
    }
    if (avg) v = mul_rn(v, T(1) / static_cast<T>(count));
    y[e] = v;
    if (arg) arg[e] = a;
  }
}

// The output rows (or cols) whose windows contain input position i: [lo, hi).
__device__ __forceinline__ void covering(int64_t i, int64_t pad, int64_t k, int64_t s, int64_t out, int64_t& lo,
                                         int64_t& hi) {
  // window o covers [o*s - pad, o*s - pad + k): o*s <= i + pad and o*s > i + pad - k
  const int64_t t = i + pad;
  hi = min(t / s + 1, out);  // t >= 0 always (i >= 0, pad >= 0)
  const int64_t u = t - k + 1;
  lo = u <= 0 ? 0 : (u + s - 1) / s;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) pool_backward_kernel(T* dx, const T* dy, const int32_t* arg, bool avg,
                                                                 PGeo g) {
  const int64_t total = g.n * g.h * g.w * g.c;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int64_t c = e % g.c, t0 = e / g.c, iw = t0 % g.w, t1 = t0 / g.w, ih = t1 % g.h, n = t1 / g.h;
    int64_t ohl, ohh, owl, owh;
    covering(ih, g.pt, g.kh, g.sh, g.oh, ohl, ohh);
    covering(iw, g.pl, g.kw, g.sw, g.ow, owl, owh);
    const int32_t me = static_cast<int32_t>(ih * g.w + iw);
    T acc = T(0);
    for (int64_t oh = ohl; oh < ohh; ++oh) {
      for (int64_t ow = owl; ow < owh; ++ow) {
        const int64_t o = ((n * g.oh + oh) * g.ow + ow) * g.c + c;
        if (!avg) {
          if (arg[o] == me) acc += dy[o];
          continue;
        }
        const int64_t hs = oh * g.sh - g.pt, ws = ow * g.sw - g.pl;
        const int64_t cnt = (min(hs + g.kh, g.h) - max(hs, int64_t(0))) * (min(ws + g.kw, g.w) - max(ws, int64_t(0)));
        if (cnt <= 0) continue;
        acc += mul_rn(dy[o], T(1) / static_cast<T>(cnt));
      }
    }
    dx[e] = acc;
  }
}

// pydl-emulate-end: pool

// ============================================================================================ launchers

template <typename T>
void forward_typed(const Tensor& y, const Tensor& argmax, const Tensor& x, PoolKind kind, const WindowGeometry& g) {
  const int64_t total = g.n * g.oh * g.ow * g.c;
  if (total == 0) return;
  Launch L(y);
  int32_t* ap = (kind == PoolKind::Max && argmax.defined()) ? argmax.data<int32_t>() : nullptr;
  pool_forward_kernel<T><<<L.blocks(total, kThreads), kThreads, 0, L.stream>>>(
      y.data<T>(), ap, x.data<T>(), kind == PoolKind::Avg, to_pgeo(g));
  check_launch(kind == PoolKind::Max ? "max_pool" : "avg_pool");
}

template <typename T>
void backward_typed(const Tensor& dx, const Tensor& dy, const Tensor& argmax, PoolKind kind, const WindowGeometry& g) {
  const int64_t total = g.n * g.h * g.w * g.c;
  if (total == 0) return;
  Launch L(dx);
  const bool avg = kind == PoolKind::Avg;
  PYDL_CHECK(avg || argmax.defined(), ValueError, "max_pool backward needs the forward's argmax");
  PYDL_CHECK(g.pad_top >= 0 && g.pad_left >= 0, ValueError, "pool backward: negative padding");
  pool_backward_kernel<T><<<L.blocks(total, kThreads), kThreads, 0, L.stream>>>(
      dx.data<T>(), dy.data<T>(), avg ? nullptr : argmax.data<int32_t>(), avg, to_pgeo(g));
  check_launch(avg ? "avg_pool backward" : "max_pool backward");
}

void pool2d(const Tensor& y, const Tensor& argmax, const Tensor& x, PoolKind kind, const WindowGeometry& g) {
  if (x.dtype() == DType::Float64) forward_typed<double>(y, argmax, x, kind, g);
  else if (x.dtype() == DType::Float32) forward_typed<float>(y, argmax, x, kind, g);
  else throw DTypeError(str_cat("pooling: CUDA kernels need float32 or float64, got ", dtype_name(x.dtype())));
}

void pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& argmax, PoolKind kind, const WindowGeometry& g) {
  if (dx.dtype() == DType::Float64) backward_typed<double>(dx, dy, argmax, kind, g);
  else if (dx.dtype() == DType::Float32) backward_typed<float>(dx, dy, argmax, kind, g);
  else throw DTypeError(str_cat("pooling backward: CUDA kernels need float32 or float64, got ",
                                dtype_name(dx.dtype())));
}

}  // namespace

void register_pool(KernelTable& t) {
  t.pool2d = pool2d;
  t.pool2d_backward = pool2d_backward;
}

}  // namespace cuda
}  // namespace pydl

// CUDA optimizer updates: the rules of csrc/cpu/optim.cpp (SGD with optional momentum / Nesterov, Adagrad,
// Adadelta, RMSprop, Adam with optional AMSGrad, Nadam), one elementwise pass over a contiguous parameter, its
// gradient and its slots. Arithmetic is in the parameter's dtype in the CPU's order; products go through __fmul_rn /
// __dmul_rn so nvcc cannot contract a*b+c into an FMA (the CPU file is built without FMA), and sqrt/division are
// IEEE-rounded (the build does not use fast math): float32 results match the CPU bit for bit.
// clipnorm: the gradient's L2 norm (in double, fixed chunks added in a fixed order) is computed on the device and
// read there by the update, so nothing waits for the host.
#include <cmath>
#include "cuda/common.cuh"
#include "core/optim.h"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: optim  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;
constexpr int64_t kNormChunk = 4096;  // elements per block in the norm's first pass

__device__ __forceinline__ float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float dsqrt(float a) { return sqrtf(a); }
__device__ __forceinline__ double dsqrt(double a) { return sqrt(a); }
template <typename T> __device__ __forceinline__ T smax(T a, T b) { return a < b ? b : a; }  // std::max
template <typename T> __device__ __forceinline__ T smin(T a, T b) { return b < a ? b : a; }  // std::min

template <typename T> struct Scalars {
  T lr, eps, b1, b2, one_b1, one_b2, c1, c2, c3, c4, c5, cv;
  double clipnorm;
  bool clip;
};

// ============================================================================================ kernels

// Sum of squares, pass 1: partial[block] = sum over the block's kNormChunk elements (in double).
template <typename T>
__global__ void __launch_bounds__(kThreads) sumsq_partial_kernel(double* partial, const T* g, int64_t n) {
  __shared__ double sh[kThreads];
  const int64_t base = static_cast<int64_t>(blockIdx.x) * kNormChunk;
  const int64_t end = min(n, base + kNormChunk);
  double s = 0;
  for (int64_t i = base + threadIdx.x; i < end; i += kThreads) {
    const double v = static_cast<double>(g[i]);
    s = __dadd_rn(s, __dmul_rn(v, v));
  }
  sh[threadIdx.x] = s;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = sh[0];
}

// Pass 2 (one block): norm = sqrt(sum of the partials), written to out[0].
__global__ void __launch_bounds__(kThreads) sumsq_final_kernel(double* out, const double* partial, int64_t parts) {
  __shared__ double sh[kThreads];
  double s = 0;
  for (int64_t i = threadIdx.x; i < parts; i += kThreads) s += partial[i];
  sh[threadIdx.x] = s;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = sqrt(sh[0]);
}

template <int KIND, int VARIANT, typename T>
__global__ void __launch_bounds__(kThreads) update_kernel(int64_t n, T* p, const T* gr, T* a, T* b, T* c,
                                                         const double* norm, Scalars<T> s) {
  constexpr OptimKind kind = static_cast<OptimKind>(KIND);
  bool scale = false;
  T factor = T(1);
  if (norm) {
    const double nv = *norm;
    if (nv > s.clipnorm) { scale = true; factor = static_cast<T>(s.clipnorm / nv); }
  }
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    T g = gr[i];
    if (scale) g = mul(g, factor);
    if (s.clip) g = smin(smax(g, -s.cv), s.cv);
    if constexpr (kind == OptimKind::SGD) {
      if constexpr (VARIANT == 0) {  // plain
        p[i] = p[i] - mul(s.lr, g);
      } else if constexpr (VARIANT == 1) {  // nesterov
        a[i] = mul(s.b1, a[i]) - mul(s.lr, g);
        p[i] = (p[i] + mul(s.b1, a[i])) - mul(s.lr, g);
      } else {  // momentum
        a[i] = mul(s.b1, a[i]) - mul(s.lr, g);
        p[i] = p[i] + a[i];
      }
    } else if constexpr (kind == OptimKind::Adagrad) {
      a[i] = a[i] + mul(g, g);
      p[i] = p[i] - mul(s.lr, g) / (dsqrt(a[i]) + s.eps);
    } else if constexpr (kind == OptimKind::Adadelta) {
      a[i] = mul(s.b1, a[i]) + mul(mul(s.one_b1, g), g);
      const T upd = mul(g, dsqrt(b[i] + s.eps)) / dsqrt(a[i] + s.eps);
      p[i] = p[i] - mul(s.lr, upd);
      b[i] = mul(s.b1, b[i]) + mul(mul(s.one_b1, upd), upd);
    } else if constexpr (kind == OptimKind::RMSprop) {
      a[i] = mul(s.b1, a[i]) + mul(mul(s.one_b1, g), g);
      p[i] = p[i] - mul(s.lr, g) / (dsqrt(a[i]) + s.eps);
    } else if constexpr (kind == OptimKind::Adam) {
      a[i] = mul(s.b1, a[i]) + mul(s.one_b1, g);
      b[i] = mul(s.b2, b[i]) + mul(mul(s.one_b2, g), g);
      if constexpr (VARIANT == 1) {  // amsgrad
        c[i] = smax(c[i], b[i]);
        p[i] = p[i] - mul(s.lr, a[i]) / (dsqrt(c[i]) + s.eps);
      } else {
        p[i] = p[i] - mul(s.lr, a[i]) / (dsqrt(b[i]) + s.eps);
      }
    } else if constexpr (kind == OptimKind::Nadam) {
      const T g_prime = g / s.c1;
      a[i] = mul(s.b1, a[i]) + mul(s.one_b1, g);
      const T m_prime = a[i] / s.c2;
      b[i] = mul(s.b2, b[i]) + mul(mul(s.one_b2, g), g);
      const T v_prime = b[i] / s.c3;
      const T m_bar = mul(s.c4, g_prime) + mul(s.c5, m_prime);
      p[i] = p[i] - mul(s.lr, m_bar) / (dsqrt(v_prime) + s.eps);
    }
  }
}

// pydl-emulate-end: optim

// ============================================================================================ launchers

template <int KIND, int VARIANT, typename T>
void launch_update(const Launch& L, int64_t n, T* p, const T* g, T* a, T* b, T* c, const double* norm,
                   const Scalars<T>& s) {
  update_kernel<KIND, VARIANT, T><<<L.blocks(n, kThreads), kThreads, 0, L.stream>>>(n, p, g, a, b, c, norm, s);
}

template <typename T> T* slot_ptr(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

template <typename T> void update_typed(const OptimStep& st) {
  const int64_t n = st.param.numel();
  if (n == 0) return;
  Launch L(st.param);
  T* p = st.param.data<T>();
  const T* g = st.grad.data<T>();
  T* a = slot_ptr<T>(st.slot0);
  T* b = slot_ptr<T>(st.slot1);
  T* c = slot_ptr<T>(st.slot2);
  auto need = [&](T* ptr, const char* which) {
    PYDL_CHECK(ptr != nullptr, ValueError, "optimizer update: the rule needs slot ", which);
  };
  Scalars<T> s;
  s.lr = static_cast<T>(st.lr); s.eps = static_cast<T>(st.eps);
  s.b1 = static_cast<T>(st.beta1); s.b2 = static_cast<T>(st.beta2);
  s.one_b1 = static_cast<T>(1.0 - st.beta1); s.one_b2 = static_cast<T>(1.0 - st.beta2);
  s.c1 = static_cast<T>(st.c1); s.c2 = static_cast<T>(st.c2); s.c3 = static_cast<T>(st.c3);
  s.c4 = static_cast<T>(st.c4); s.c5 = static_cast<T>(st.c5);
  s.cv = static_cast<T>(st.clipvalue); s.clip = st.clipvalue > 0; s.clipnorm = st.clipnorm;

  std::unique_ptr<Workspace> norm_ws;
  const double* norm = nullptr;
  if (st.clipnorm > 0) {
    const int64_t parts = (n + kNormChunk - 1) / kNormChunk;
    PYDL_CHECK(parts < (int64_t(1) << 31), ValueError, "optimizer update: parameter too large for clipnorm");
    norm_ws = std::make_unique<Workspace>(static_cast<size_t>(parts + 1) * sizeof(double), L.device);
    double* ws = norm_ws->as<double>();
    sumsq_partial_kernel<T><<<static_cast<unsigned>(parts), kThreads, 0, L.stream>>>(ws + 1, g, n);
    check_launch("optimizer update (clipnorm)");
    sumsq_final_kernel<<<1, kThreads, 0, L.stream>>>(ws, ws + 1, parts);
    check_launch("optimizer update (clipnorm)");
    norm = ws;
  }
  constexpr int SGD = static_cast<int>(OptimKind::SGD), ADAGRAD = static_cast<int>(OptimKind::Adagrad);
  constexpr int ADADELTA = static_cast<int>(OptimKind::Adadelta), RMS = static_cast<int>(OptimKind::RMSprop);
  constexpr int ADAM = static_cast<int>(OptimKind::Adam), NADAM = static_cast<int>(OptimKind::Nadam);
  switch (st.kind) {
    case OptimKind::SGD:
      if (!a) launch_update<SGD, 0, T>(L, n, p, g, a, b, c, norm, s);
      else if (st.nesterov) launch_update<SGD, 1, T>(L, n, p, g, a, b, c, norm, s);
      else launch_update<SGD, 2, T>(L, n, p, g, a, b, c, norm, s);
      break;
    case OptimKind::Adagrad:
      need(a, "0");
      launch_update<ADAGRAD, 0, T>(L, n, p, g, a, b, c, norm, s);
      break;
    case OptimKind::Adadelta:
      need(a, "0"); need(b, "1");
      launch_update<ADADELTA, 0, T>(L, n, p, g, a, b, c, norm, s);
      break;
    case OptimKind::RMSprop:
      need(a, "0");
      launch_update<RMS, 0, T>(L, n, p, g, a, b, c, norm, s);
      break;
    case OptimKind::Adam:
      need(a, "0"); need(b, "1");
      if (st.amsgrad) { need(c, "2"); launch_update<ADAM, 1, T>(L, n, p, g, a, b, c, norm, s); }
      else launch_update<ADAM, 0, T>(L, n, p, g, a, b, c, norm, s);
      break;
    case OptimKind::Nadam:
      need(a, "0"); need(b, "1");
      launch_update<NADAM, 0, T>(L, n, p, g, a, b, c, norm, s);
      break;
  }
  check_launch("optimizer update");
}

void optim_update(const OptimStep& st) {
  if (st.param.dtype() == DType::Float64) update_typed<double>(st);
  else if (st.param.dtype() == DType::Float32) update_typed<float>(st);
  else throw DTypeError(str_cat("optimizer update: CUDA kernels need float32 or float64, got ",
                                dtype_name(st.param.dtype())));
}

}  // namespace

void register_optim(KernelTable& t) { t.optim_update = optim_update; }

}  // namespace cuda
}  // namespace pydl

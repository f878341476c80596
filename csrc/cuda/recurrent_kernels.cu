// CUDA recurrent gate kernels: one time step of SimpleRNN / LSTM / GRU over all batch rows, forward (activations and
// state update) and backward (the gate gradients), one thread per (row, unit). The time loop and the per-step GEMMs
// stay in ops/recurrent.cpp (the GEMMs go to the CUDA gemm kernel); the formulas are those of
// csrc/cpu/kernels/recurrent_loops.h, so the two agree to rounding.
#include "core/recurrent.h"
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: recurrent  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;

// ============================================================================================ kernels

template <typename T> __device__ __forceinline__ T rnn_apply(T x, RnnAct act) {
  switch (act) {
    case RnnAct::Tanh: return d_tanh(x);
    case RnnAct::Sigmoid: return d_sigmoid(x);
    case RnnAct::HardSigmoid: { const T v = T(0.2) * x + T(0.5); return v < T(0) ? T(0) : (v > T(1) ? T(1) : v); }
    case RnnAct::Relu: return x > T(0) ? x : T(0);
    default: return x;
  }
}

// The activation's derivative from its output y.
template <typename T> __device__ __forceinline__ T rnn_dact(T y, RnnAct act) {
  switch (act) {
    case RnnAct::Tanh: return T(1) - y * y;
    case RnnAct::Sigmoid: return y * (T(1) - y);
    case RnnAct::HardSigmoid: return (y > T(0) && y < T(1)) ? T(0.2) : T(0);
    case RnnAct::Relu: return y > T(0) ? T(1) : T(0);
    default: return T(1);
  }
}

template <typename T> __device__ __forceinline__ const T* rrow(const char* p, int64_t ld, int64_t b) {
  return reinterpret_cast<const T*>(p) + b * ld;
}
template <typename T> __device__ __forceinline__ T* wrow(char* p, int64_t ld, int64_t b) {
  return reinterpret_cast<T*>(p) + b * ld;
}

// Forward of (row b, unit u); every gate value a thread reads or writes belongs to its own unit.
template <typename T> __device__ void rnn_forward_one(const RnnStep& s, int64_t b, int64_t u) {
  const int64_t U = s.units;
  const T hp = rrow<T>(s.h_prev, s.ld_prev, b)[u];
  if (s.phase < 0) {
    wrow<T>(s.hm, s.ld_hm, b)[u] = s.rmask ? hp * rrow<T>(s.rmask, U, b)[u] : hp;
    return;
  }
  const bool take = !s.mask || rrow<T>(s.mask, s.mask_ld, b)[0] != T(0);
  T* g = wrow<T>(s.gates, s.ld_gates, b);
  T* h = wrow<T>(s.h, s.ld_out, b);
  switch (s.cell) {
    case RnnCell::Simple:
      g[u] = rnn_apply(g[u], s.act);
      h[u] = take ? g[u] : hp;
      break;
    case RnnCell::LSTM: {
      const T cp = rrow<T>(s.c_prev, s.ld_prev, b)[u];
      T* c = wrow<T>(s.c, s.ld_out, b);
      const T i = g[u] = rnn_apply(g[u], s.rec_act);
      const T f = g[U + u] = rnn_apply(g[U + u], s.rec_act);
      const T cc = g[2 * U + u] = rnn_apply(g[2 * U + u], s.act);
      const T o = g[3 * U + u] = rnn_apply(g[3 * U + u], s.rec_act);
      if (!take) { h[u] = hp; c[u] = cp; break; }
      const T cn = f * cp + i * cc;
      c[u] = cn;
      h[u] = o * rnn_apply(cn, s.act);
      break;
    }
    case RnnCell::GRU:
      if (s.phase == 0) {
        g[u] = rnn_apply(g[u], s.rec_act);
        const T r = g[U + u] = rnn_apply(g[U + u], s.rec_act);
        wrow<T>(s.extra, s.ld_extra, b)[u] = r * rrow<T>(s.hm, s.ld_hm, b)[u];
        break;
      }
      g[2 * U + u] = rnn_apply(g[2 * U + u], s.act);
      h[u] = take ? g[u] * hp + (T(1) - g[u]) * g[2 * U + u] : hp;
      break;
    case RnnCell::GRUResetAfter: {
      const T* rc = rrow<T>(s.rec, s.ld_rec, b);
      const T* rb = reinterpret_cast<const T*>(s.rec_bias);
      const T z = g[u] = rnn_apply(g[u] + (rb ? rc[u] + rb[u] : rc[u]), s.rec_act);
      const T r = g[U + u] = rnn_apply(g[U + u] + (rb ? rc[U + u] + rb[U + u] : rc[U + u]), s.rec_act);
      const T e = rb ? rc[2 * U + u] + rb[2 * U + u] : rc[2 * U + u];
      wrow<T>(s.extra, s.ld_extra, b)[u] = e;
      const T hh = g[2 * U + u] = rnn_apply(g[2 * U + u] + r * e, s.act);
      h[u] = take ? z * hp + (T(1) - z) * hh : hp;
      break;
    }
  }
}

// Backward of (row b, unit u): dh = dy + dh_direct + dh_gemm * rmask; writes the gate gradients (overwrites), the
// carry gradient and dh_direct for the previous step (phases as in core/recurrent.h).
template <typename T> __device__ void rnn_backward_one(const RnnStep& s, int64_t b, int64_t u) {
  const int64_t U = s.units;
  const int64_t G = s.cell == RnnCell::Simple ? 1 : s.cell == RnnCell::LSTM ? 4 : 3;
  T* dd = wrow<T>(s.dh_direct, U, b);
  T* dg = wrow<T>(s.dh_gemm, U, b);
  const T m = s.rmask ? rrow<T>(s.rmask, U, b)[u] : T(1);
  if (s.phase < 0) { dd[u] += s.rmask ? dg[u] * m : dg[u]; return; }
  const bool take = !s.mask || rrow<T>(s.mask, s.mask_ld, b)[0] != T(0);
  const T* g = rrow<T>(s.gates, s.ld_gates, b);
  T* dz = wrow<T>(s.dgates, s.ld_dgates, b);
  if (s.cell == RnnCell::GRU && s.phase == 1) {
    const T r = g[U + u];
    dz[U + u] = take ? dg[u] * rrow<T>(s.hm, s.ld_hm, b)[u] * rnn_dact(r, s.rec_act) : T(0);
    dg[u] = take ? dg[u] * r : T(0);
    return;
  }
  const T dh = rrow<T>(s.dy_h, s.ld_dy, b)[u] + dd[u] + (s.rmask ? dg[u] * m : dg[u]);
  T* dr = s.cell == RnnCell::GRUResetAfter ? wrow<T>(s.drec, s.ld_drec, b) : nullptr;
  T* dcp = s.cell == RnnCell::LSTM ? wrow<T>(s.dc, U, b) : nullptr;
  const T dyc = s.cell == RnnCell::LSTM ? rrow<T>(s.dy_c, s.ld_dy, b)[u] : T(0);
  if (!take) {
    for (int64_t k = 0; k < G; ++k) {
      dz[k * U + u] = T(0);
      if (dr) dr[k * U + u] = T(0);
    }
    dd[u] = dh;
    if (dcp) dcp[u] += dyc;
    return;
  }
  const T hp = rrow<T>(s.h_prev, s.ld_prev, b)[u];
  switch (s.cell) {
    case RnnCell::Simple:
      dz[u] = dh * rnn_dact(rrow<T>(s.h, s.ld_out, b)[u], s.act);
      dd[u] = T(0);
      break;
    case RnnCell::LSTM: {
      const T tc = rnn_apply(rrow<T>(s.c, s.ld_out, b)[u], s.act);
      const T cp = rrow<T>(s.c_prev, s.ld_prev, b)[u];
      const T i = g[u], f = g[U + u], cc = g[2 * U + u], o = g[3 * U + u];
      const T dct = dyc + dcp[u] + dh * o * rnn_dact(tc, s.act);
      dz[u] = dct * cc * rnn_dact(i, s.rec_act);
      dz[U + u] = dct * cp * rnn_dact(f, s.rec_act);
      dz[2 * U + u] = dct * i * rnn_dact(cc, s.act);
      dz[3 * U + u] = dh * tc * rnn_dact(o, s.rec_act);
      dcp[u] = dct * f;
      dd[u] = T(0);
      break;
    }
    case RnnCell::GRU: {
      const T z = g[u], hh = g[2 * U + u];
      dz[u] = dh * (hp - hh) * rnn_dact(z, s.rec_act);
      dz[U + u] = T(0);
      dz[2 * U + u] = dh * (T(1) - z) * rnn_dact(hh, s.act);
      dd[u] = dh * z;
      break;
    }
    case RnnCell::GRUResetAfter: {
      const T e = rrow<T>(s.extra, s.ld_extra, b)[u];
      const T z = g[u], r = g[U + u], hh = g[2 * U + u];
      const T dah = dh * (T(1) - z) * rnn_dact(hh, s.act);
      dz[u] = dr[u] = dh * (hp - hh) * rnn_dact(z, s.rec_act);
      dz[U + u] = dr[U + u] = dah * e * rnn_dact(r, s.rec_act);
      dz[2 * U + u] = dah;
      dr[2 * U + u] = dah * r;
      dd[u] = dh * z;
      break;
    }
  }
}

template <typename T, bool kBackward>
__global__ void __launch_bounds__(kThreads) rnn_step_kernel(RnnStep s) {
  const int64_t total = s.batch * s.units, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t b = t / s.units, u = t - b * s.units;
    if (kBackward) rnn_backward_one<T>(s, b, u);
    else rnn_forward_one<T>(s, b, u);
  }
}

// pydl-emulate-end: recurrent

// ============================================================================================ launchers

template <bool kBackward> void launch_step(const RnnStep& s, const char* what) {
  const int64_t work = s.batch * s.units;
  if (work == 0) return;
  int device = 0;
  check(cudaGetDevice(&device), what);  // the op runs under the input's device guard, as the GEMM does
  const cudaStream_t stream = stream_for(device);
  const int64_t need = (work + kThreads - 1) / kThreads, cap = static_cast<int64_t>(sm_count(device)) * 8;
  const unsigned blocks = static_cast<unsigned>(need < cap ? need : cap);
  if (s.f64) rnn_step_kernel<double, kBackward><<<blocks, kThreads, 0, stream>>>(s);
  else rnn_step_kernel<float, kBackward><<<blocks, kThreads, 0, stream>>>(s);
  check_launch(what);
}

void rnn_step(const RnnStep& s) { launch_step<false>(s, "rnn step"); }
void rnn_step_backward(const RnnStep& s) { launch_step<true>(s, "rnn step backward"); }

}  // namespace

void register_recurrent(KernelTable& t) {
  t.rnn_step = rnn_step;
  t.rnn_step_backward = rnn_step_backward;
}

}  // namespace cuda
}  // namespace pydl

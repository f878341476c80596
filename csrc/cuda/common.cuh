// Shared pieces of the CUDA backend: the per-device stream, launch checks, scratch memory, strided geometry for
// elementwise kernels, and the generic elementwise "map" kernels every family builds on.
// Included by the *_kernels.cu files only (never by ops/ or autograd/).
#pragma once
#include <cuda_runtime.h>
#include <array>
#include <cstdint>
#include <memory>
#include "core/dispatch.h"
#include "core/tensor.h"

namespace pydl {
namespace cuda {

// ---- runtime (devices.cu, staging.cu) -------------------------------------------------------------------------
cudaStream_t stream_for(int device);   // the one stream of `device`, created on first use; all our work goes there
int sm_count(int device);              // multiprocessors of `device` (cached)
void check(cudaError_t e, const char* what);  // throws pydl::RuntimeError("CUDA error in <what>: ...")
// cudaGetLastError() after a launch. A fault inside a kernel surfaces at the next synchronisation (usually a copy to
// the host); run with CUDA_LAUNCH_BLOCKING=1 to have it reported here, naming the op that launched the kernel.
void check_launch(const char* what);
// Enqueues a host -> device copy on `device`'s stream through pinned staging: returns once `src` may be reused.
void upload_async(void* dst, const void* src, size_t nbytes, int device);

// ---- TF32 tensor-core GEMM (gemm_tf32_kernels.cu), used for fp32 when cuda_runtime::tf32_enabled() ----------------
bool tf32_supported(int device);  // compute capability 8.0 or newer
void gemm_tf32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               int64_t sa, const float* b, int64_t ldb, int64_t sb, float beta, float* c, int64_t ldc, int64_t sc,
               int64_t batch, cudaStream_t s);

// Makes `device` current for the scope (kernels launch on the current device).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
 private:
  int prev_ = -1, cur_ = -1;
};

// Scratch device memory from the caching allocator. Returning it to the cache right after the launches that use
// it is safe: every later user of the block runs on the same stream, so after those kernels.
class Workspace {
 public:
  Workspace(size_t nbytes, int device);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  template <typename T> T* as() const { return static_cast<T*>(ptr_); }
 private:
  void* ptr_ = nullptr;
  size_t nbytes_ = 0;
};

// A launcher's context: the device made current, its stream, and its multiprocessor count.
struct Launch {
  explicit Launch(const Tensor& t) : guard(t.device().index), device(t.device().index),
                                     stream(stream_for(device)), sms(sm_count(device)) {}
  DeviceGuard guard;
  int device;
  cudaStream_t stream;
  int sms;
  // Grid for a grid-stride loop over `work` items: enough blocks to fill every SM once, never more than needed.
  unsigned blocks(int64_t work, int threads, int per_sm = 2048) const {
    int64_t need = (work + threads - 1) / threads;
    int64_t cap = static_cast<int64_t>(sms) * (per_sm / threads);
    return static_cast<unsigned>(need < 1 ? 1 : (need < cap ? need : cap));
  }
};

// The device-side index of an `int64` index tensor: its own memory when on this device, else an uploaded copy.
struct DeviceIndex {
  DeviceIndex(const Tensor& index, int device);
  const int64_t* ptr = nullptr;
  std::unique_ptr<Workspace> owned;
};

// ---- strided geometry ---------------------------------------------------------------------------------------
constexpr int kMaxDims = 12;

// N operands over one shape, passed to kernels by value. Dims are coalesced on the host (size-1 dims dropped,
// dims contiguous for every operand merged), so most real layouts need 1-3 dims; ndim 0 is a single element.
template <int N> struct Geometry {
  int ndim = 0;
  bool small = true;  // numel < 2^31: 32-bit index math (integer division is much cheaper)
  int64_t numel = 0;
  int64_t size[kMaxDims] = {};
  int64_t stride[N][kMaxDims] = {};  // in elements
};

template <int N>
Geometry<N> make_geometry(const Shape& shape, const std::array<const Tensor*, N>& ts, const char* what) {
  Geometry<N> g;
  g.numel = numel_of(shape);
  g.small = g.numel < (int64_t(1) << 31);
  int nd = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    int64_t s[N];
    for (int k = 0; k < N; ++k) s[k] = ts[k]->strides()[d];
    if (nd > 0) {
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && g.stride[k][nd - 1] == s[k] * shape[d];
      if (merge) {
        g.size[nd - 1] *= shape[d];
        for (int k = 0; k < N; ++k) g.stride[k][nd - 1] = s[k];
        continue;
      }
    }
    PYDL_CHECK(nd < kMaxDims, NotImplementedError, what, ": CUDA kernels support at most ", kMaxDims,
               " non-mergeable dimensions, got a layout of shape ", shape_str(shape));
    g.size[nd] = shape[d];
    for (int k = 0; k < N; ++k) g.stride[k][nd] = s[k];
    ++nd;
  }
  g.ndim = nd;
  return g;
}

// True when the coalesced layout is one run: stride 1 for operand 0 (the output) and 1 or 0 (a broadcast scalar)
// for the inputs. `bytes[k]` is operand k's pointer, which must be aligned to `vec_bytes[k]` for vector access.
template <int N>
bool is_flat(const Geometry<N>& g, const std::array<const void*, N>& ptrs, const std::array<int, N>& vec_bytes) {
  if (g.ndim > 1) return false;
  for (int k = 0; k < N; ++k) {
    const int64_t s = g.ndim == 0 ? 1 : g.stride[k][0];
    if (!(s == 1 || (k > 0 && s == 0))) return false;
    if (s == 1 && reinterpret_cast<uintptr_t>(ptrs[k]) % vec_bytes[k] != 0) return false;
  }
  return true;
}

template <int N>
__device__ __forceinline__ void strided_offsets(const Geometry<N>& g, int64_t i, int64_t (&off)[N]) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  if (g.small) {
    uint32_t r = static_cast<uint32_t>(i);
    for (int d = g.ndim - 1; d >= 0; --d) {
      const uint32_t s = static_cast<uint32_t>(g.size[d]);
      const uint32_t q = r / s, c = r - q * s;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += static_cast<int64_t>(c) * g.stride[k][d];
      r = q;
    }
  } else {
    for (int d = g.ndim - 1; d >= 0; --d) {
      const int64_t s = g.size[d], q = i / s, c = i - q * s;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += c * g.stride[k][d];
      i = q;
    }
  }
}

// ---- generic elementwise maps -------------------------------------------------------------------------------
// out[i] = f(in0[i], in1[i], in2[i]) for 1-3 inputs. The flat kernel handles contiguous operands (and broadcast
// scalars) with 4-wide vector loads; the strided kernel handles any layout. Both are grid-stride loops.
constexpr int kMapThreads = 256;
constexpr int kVec = 4;

template <typename T> struct alignas(sizeof(T) * kVec) Pack { T v[kVec]; };

// A flat operand: a contiguous array, or one value broadcast to every position.
template <typename T> struct Flat {
  const T* p;
  bool scalar;
  __device__ __forceinline__ Pack<T> pack(int64_t i) const {
    if (scalar) { Pack<T> r; const T v = *p;
#pragma unroll
      for (int e = 0; e < kVec; ++e) r.v[e] = v;
      return r; }
    return reinterpret_cast<const Pack<T>*>(p)[i];
  }
  __device__ __forceinline__ T at(int64_t i) const { return scalar ? *p : p[i]; }
};

template <typename Out, typename F, typename A>
__global__ void __launch_bounds__(kMapThreads) map1_flat(int64_t n, F f, Out* out, Flat<A> a) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    Pack<A> x = a.pack(i);
    Pack<Out> o;
#pragma unroll
    for (int e = 0; e < kVec; ++e) o.v[e] = f(x.v[e]);
    reinterpret_cast<Pack<Out>*>(out)[i] = o;
  }
  for (int64_t i = packs * kVec + tid; i < n; i += stride) out[i] = f(a.at(i));
}

template <typename Out, typename F, typename A, typename B>
__global__ void __launch_bounds__(kMapThreads) map2_flat(int64_t n, F f, Out* out, Flat<A> a, Flat<B> b) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    Pack<A> x = a.pack(i);
    Pack<B> y = b.pack(i);
    Pack<Out> o;
#pragma unroll
    for (int e = 0; e < kVec; ++e) o.v[e] = f(x.v[e], y.v[e]);
    reinterpret_cast<Pack<Out>*>(out)[i] = o;
  }
  for (int64_t i = packs * kVec + tid; i < n; i += stride) out[i] = f(a.at(i), b.at(i));
}

template <typename Out, typename F, typename A, typename B, typename C>
__global__ void __launch_bounds__(kMapThreads) map3_flat(int64_t n, F f, Out* out, Flat<A> a, Flat<B> b,
                                                         Flat<C> c) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    Pack<A> x = a.pack(i);
    Pack<B> y = b.pack(i);
    Pack<C> z = c.pack(i);
    Pack<Out> o;
#pragma unroll
    for (int e = 0; e < kVec; ++e) o.v[e] = f(x.v[e], y.v[e], z.v[e]);
    reinterpret_cast<Pack<Out>*>(out)[i] = o;
  }
  for (int64_t i = packs * kVec + tid; i < n; i += stride) out[i] = f(a.at(i), b.at(i), c.at(i));
}

template <typename Out, typename F, typename A>
__global__ void __launch_bounds__(kMapThreads) map1_strided(Geometry<2> g, F f, Out* out, const A* a) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < g.numel; i += stride) {
    int64_t off[2];
    strided_offsets(g, i, off);
    out[off[0]] = f(a[off[1]]);
  }
}

template <typename Out, typename F, typename A, typename B>
__global__ void __launch_bounds__(kMapThreads) map2_strided(Geometry<3> g, F f, Out* out, const A* a, const B* b) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < g.numel; i += stride) {
    int64_t off[3];
    strided_offsets(g, i, off);
    out[off[0]] = f(a[off[1]], b[off[2]]);
  }
}

template <typename Out, typename F, typename A, typename B, typename C>
__global__ void __launch_bounds__(kMapThreads) map3_strided(Geometry<4> g, F f, Out* out, const A* a, const B* b,
                                                            const C* c) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < g.numel; i += stride) {
    int64_t off[4];
    strided_offsets(g, i, off);
    out[off[0]] = f(a[off[1]], b[off[2]], c[off[3]]);
  }
}

// Host side: picks the flat or the strided kernel for out = f(ins...) (ins already broadcast to out's shape).
template <int N> bool operand_is_scalar(const Geometry<N>& g, int k) { return g.ndim == 1 && g.stride[k][0] == 0; }

template <typename Out, typename A, typename F>
void launch_map(const char* what, F f, const Tensor& out, const Tensor& a) {
  Geometry<2> g = make_geometry<2>(out.shape(), {&out, &a}, what);
  if (g.numel == 0) return;
  Launch L(out);
  if (is_flat<2>(g, {out.raw_data(), a.raw_data()}, {int(sizeof(Pack<Out>)), int(sizeof(Pack<A>))})) {
    map1_flat<Out, F, A><<<L.blocks(g.numel / kVec + 1, kMapThreads), kMapThreads, 0, L.stream>>>(
        g.numel, f, reinterpret_cast<Out*>(out.raw_data()), Flat<A>{reinterpret_cast<const A*>(a.raw_data()), operand_is_scalar(g, 1)});
  } else {
    map1_strided<Out, F, A><<<L.blocks(g.numel, kMapThreads), kMapThreads, 0, L.stream>>>(
        g, f, reinterpret_cast<Out*>(out.raw_data()), reinterpret_cast<const A*>(a.raw_data()));
  }
  check_launch(what);
}

template <typename Out, typename A, typename B, typename F>
void launch_map(const char* what, F f, const Tensor& out, const Tensor& a, const Tensor& b) {
  Geometry<3> g = make_geometry<3>(out.shape(), {&out, &a, &b}, what);
  if (g.numel == 0) return;
  Launch L(out);
  if (is_flat<3>(g, {out.raw_data(), a.raw_data(), b.raw_data()},
                 {int(sizeof(Pack<Out>)), int(sizeof(Pack<A>)), int(sizeof(Pack<B>))})) {
    map2_flat<Out, F, A, B><<<L.blocks(g.numel / kVec + 1, kMapThreads), kMapThreads, 0, L.stream>>>(
        g.numel, f, reinterpret_cast<Out*>(out.raw_data()),
        Flat<A>{reinterpret_cast<const A*>(a.raw_data()), operand_is_scalar(g, 1)},
        Flat<B>{reinterpret_cast<const B*>(b.raw_data()), operand_is_scalar(g, 2)});
  } else {
    map2_strided<Out, F, A, B><<<L.blocks(g.numel, kMapThreads), kMapThreads, 0, L.stream>>>(
        g, f, reinterpret_cast<Out*>(out.raw_data()), reinterpret_cast<const A*>(a.raw_data()),
        reinterpret_cast<const B*>(b.raw_data()));
  }
  check_launch(what);
}

template <typename Out, typename A, typename B, typename C, typename F>
void launch_map(const char* what, F f, const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c) {
  Geometry<4> g = make_geometry<4>(out.shape(), {&out, &a, &b, &c}, what);
  if (g.numel == 0) return;
  Launch L(out);
  if (is_flat<4>(g, {out.raw_data(), a.raw_data(), b.raw_data(), c.raw_data()},
                 {int(sizeof(Pack<Out>)), int(sizeof(Pack<A>)), int(sizeof(Pack<B>)), int(sizeof(Pack<C>))})) {
    map3_flat<Out, F, A, B, C><<<L.blocks(g.numel / kVec + 1, kMapThreads), kMapThreads, 0, L.stream>>>(
        g.numel, f, reinterpret_cast<Out*>(out.raw_data()),
        Flat<A>{reinterpret_cast<const A*>(a.raw_data()), operand_is_scalar(g, 1)},
        Flat<B>{reinterpret_cast<const B*>(b.raw_data()), operand_is_scalar(g, 2)},
        Flat<C>{reinterpret_cast<const C*>(c.raw_data()), operand_is_scalar(g, 3)});
  } else {
    map3_strided<Out, F, A, B, C><<<L.blocks(g.numel, kMapThreads), kMapThreads, 0, L.stream>>>(
        g, f, reinterpret_cast<Out*>(out.raw_data()), reinterpret_cast<const A*>(a.raw_data()),
        reinterpret_cast<const B*>(b.raw_data()), reinterpret_cast<const C*>(c.raw_data()));
  }
  check_launch(what);
}

// ---- family registration hooks (one per *_kernels.cu) -------------------------------------------------------
void register_elementwise(KernelTable& t);  // fill, copy, where
void register_unary(KernelTable& t);        // unary, unary_backward
void register_binary(KernelTable& t);
void register_reduce(KernelTable& t);       // reduce
void register_softmax(KernelTable& t);      // softmax, softmax_backward (softmax_kernels.cu)
void register_gemm(KernelTable& t);
void register_index(KernelTable& t);        // index_select, index_add, gather, scatter_add
void register_random(KernelTable& t);
void register_conv(KernelTable& t);         // conv2d, conv2d_backward_data, conv2d_backward_weight (after gemm)
void register_pool(KernelTable& t);         // pool2d, pool2d_backward
void register_optim(KernelTable& t);        // optim_update
void register_embedding(KernelTable& t);    // embedding, embedding_backward (embedding_kernels.cu)
void register_recurrent(KernelTable& t);    // rnn_step, rnn_step_backward (recurrent_kernels.cu)
void register_loss(KernelTable& t);         // softmax_xent, softmax_xent_backward
void register_dropout(KernelTable& t);      // dropout_mask, masked_scale

}  // namespace cuda
}  // namespace pydl

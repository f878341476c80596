// CUDA fill, copy/cast and where. Moves that do not look at values (fill, same-dtype copy, where) run on unsigned
// integers of the element's width, so one kernel serves every dtype of that width.
#include <cstring>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

// ============================================================================================ kernels

template <typename T> __global__ void __launch_bounds__(kMapThreads) fill_flat(int64_t n, T* __restrict__ out, T v) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  Pack<T> p;
#pragma unroll
  for (int e = 0; e < kVec; ++e) p.v[e] = v;
  for (int64_t i = tid; i < n / kVec; i += stride) reinterpret_cast<Pack<T>*>(out)[i] = p;
  for (int64_t i = n / kVec * kVec + tid; i < n; i += stride) out[i] = v;
}

template <typename T> __global__ void __launch_bounds__(kMapThreads) fill_strided(Geometry<1> g, T* out, T v) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < g.numel; i += stride) {
    int64_t off[1];
    strided_offsets(g, i, off);
    out[off[0]] = v;
  }
}

template <typename To, typename From> struct Cast {
  __device__ __forceinline__ To operator()(From x) const { return static_cast<To>(x); }
};

template <typename T> struct Select {
  __device__ __forceinline__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

// ============================================================================================ launchers

template <int W> struct BitsOf;
template <> struct BitsOf<1> { using type = uint8_t; };
template <> struct BitsOf<4> { using type = uint32_t; };
template <> struct BitsOf<8> { using type = uint64_t; };

// Calls f(U{}) with U the unsigned integer as wide as one element of `d`.
template <typename F> void visit_width(DType d, F&& f) {
  switch (itemsize(d)) {
    case 1: f(uint8_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

void fill(const Tensor& out, double value) {
  Geometry<1> g = make_geometry<1>(out.shape(), {&out}, "fill");
  if (g.numel == 0) return;
  Launch L(out);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = static_cast<T>(value);
    using U = typename BitsOf<sizeof(T)>::type;
    U bits;
    std::memcpy(&bits, &v, sizeof(T));
    U* p = reinterpret_cast<U*>(out.raw_data());
    const bool flat = g.ndim == 0 || (g.ndim == 1 && g.stride[0][0] == 1);
    if (flat && bits == 0) {
      check(cudaMemsetAsync(p, 0, g.numel * sizeof(T), L.stream), "fill");
      return;
    }
    if (flat && reinterpret_cast<uintptr_t>(p) % sizeof(Pack<U>) == 0)
      fill_flat<U><<<L.blocks(g.numel / kVec + 1, kMapThreads), kMapThreads, 0, L.stream>>>(g.numel, p, bits);
    else
      fill_strided<U><<<L.blocks(g.numel, kMapThreads), kMapThreads, 0, L.stream>>>(g, p, bits);
    check_launch("fill");
  });
}

void copy(const Tensor& out, const Tensor& in) {
  if (out.numel() == 0) return;
  if (out.dtype() == in.dtype()) {
    Geometry<2> g = make_geometry<2>(out.shape(), {&out, &in}, "copy");
    if (g.ndim == 0 || (g.ndim == 1 && g.stride[0][0] == 1 && g.stride[1][0] == 1)) {
      Launch L(out);
      check(cudaMemcpyAsync(out.raw_data(), in.raw_data(), g.numel * out.itemsize(), cudaMemcpyDeviceToDevice,
                            L.stream), "copy");
      return;
    }
    visit_width(out.dtype(), [&](auto tag) {
      using U = decltype(tag);
      launch_map<U, U>("copy", Cast<U, U>{}, out, in);
    });
    return;
  }
  visit_dtype(out.dtype(), [&](auto to) {
    visit_dtype(in.dtype(), [&](auto from) {
      using To = decltype(to);
      using From = decltype(from);
      if constexpr (!std::is_same<To, From>::value) launch_map<To, From>("copy (cast)", Cast<To, From>{}, out, in);
    });
  });
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  PYDL_CHECK(cond.dtype() == DType::Bool, DTypeError, "where: condition must be bool, got ", dtype_name(cond.dtype()));
  visit_width(out.dtype(), [&](auto tag) {
    using U = decltype(tag);
    launch_map<U, bool, U, U>("where", Select<U>{}, out, cond, a, b);
  });
}

}  // namespace

void register_elementwise(KernelTable& t) {
  t.fill = fill;
  t.copy = copy;
  t.where = where;
}

}  // namespace cuda
}  // namespace pydl

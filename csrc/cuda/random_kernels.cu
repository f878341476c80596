// CUDA random fills from the counter-based Philox generator, element for element the same numbers as
// csrc/cpu/random.cpp: element i uses counter state.counter + i and the same transforms (computed in double, like
// the CPU, so a seed gives the same tensor on both devices up to the last-bit differences of log/cos).
#include "core/philox.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kThreads = 256;

// ============================================================================================ kernels

template <typename T> __device__ __forceinline__ T draw(RandomKind kind, double a, double b, uint64_t seed, uint64_t counter) {
  const Philox4 r = philox4x32(counter, seed);
  if (kind == RandomKind::Integer) {
    const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(b) - static_cast<int64_t>(a));
    const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
    return static_cast<T>(static_cast<int64_t>(a) + static_cast<int64_t>(bits % range));
  }
  double u1, u2;
  if constexpr (sizeof(T) == 4) { u1 = u01f(r.v[0]); u2 = u01f(r.v[1]); }
  else { u1 = u01d(r.v[0], r.v[1]); u2 = u01d(r.v[2], r.v[3]); }
  if (kind == RandomKind::Uniform) {
    const T v = static_cast<T>(a + (b - a) * u1);
    return v < static_cast<T>(b) ? v : static_cast<T>(a);  // rounding must not reach `high`
  }
  const double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);  // Box-Muller, as on the CPU
  return static_cast<T>(a + b * z);
}

template <typename T>
__global__ void __launch_bounds__(kThreads) random_kernel(T* out, int64_t n, RandomKind kind, double a, double b,
                                                          uint64_t seed, uint64_t counter) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = draw<T>(kind, a, b, seed, counter + static_cast<uint64_t>(i));
}

// ============================================================================================ launchers

void random(const Tensor& out, RandomKind kind, double a, double b, RngState st) {
  const int64_t n = out.numel();
  if (n == 0) return;
  Launch L(out);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    random_kernel<T><<<L.blocks(n, kThreads), kThreads, 0, L.stream>>>(out.data<T>(), n, kind, a, b, st.seed, st.counter);
  });
  check_launch("random");
}

}  // namespace

void register_random(KernelTable& t) { t.random = random; }

}  // namespace cuda
}  // namespace pydl

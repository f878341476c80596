// CUDA random fills from the counter-based Philox generator, element for element the same numbers as
// csrc/cpu/random.cpp: both use core/random_draw.h (transforms in double, so a seed gives the same tensor on both
// devices up to the last-bit differences of log/cos). One thread per Philox block.
#include "core/random_draw.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kThreads = 256;

// ============================================================================================ kernels

template <typename T>
__global__ void __launch_bounds__(kThreads) random_kernel(T* out, int64_t n, RandomKind kind, double a, double b,
                                                          uint64_t seed, uint64_t counter) {
  const int64_t p = values_per_block(kind, sizeof(T)), blocks = (n + p - 1) / p;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t blk = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; blk < blocks; blk += stride) {
    T v[4];
    draw_block<T>(v, kind, a, b, seed, counter + static_cast<uint64_t>(blk));
    for (int64_t l = 0, i0 = blk * p; l < p && i0 + l < n; ++l) out[i0 + l] = v[l];
  }
}

// ============================================================================================ launchers

void random(const Tensor& out, RandomKind kind, double a, double b, RngState st) {
  const int64_t n = out.numel();
  if (n == 0) return;
  Launch L(out);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    random_kernel<T><<<L.blocks((n + 3) / 4, kThreads), kThreads, 0, L.stream>>>(out.data<T>(), n, kind, a, b, st.seed, st.counter);
  });
  check_launch("random");
}

}  // namespace

void register_random(KernelTable& t) { t.random = random; }

}  // namespace cuda
}  // namespace pydl

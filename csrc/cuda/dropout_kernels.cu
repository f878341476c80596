// CUDA dropout: the keep mask from core/random_draw.h (one thread per Philox block of eight elements, the same mask
// as the CPU for a seed) and out = x * (keep * scale) for the forward and backward passes.
#include "core/random_draw.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kThreads = 256;

// ============================================================================================ kernels

__global__ void __launch_bounds__(kThreads) dropout_mask_kernel(bool* keep, int64_t n, uint32_t threshold,
                                                               uint64_t seed, uint64_t counter) {
  const int64_t blocks = (n + kDropoutPerBlock - 1) / kDropoutPerBlock;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks; b += stride) {
    bool v[kDropoutPerBlock];
    dropout_keep_block(v, threshold, seed, counter + static_cast<uint64_t>(b));
    for (int64_t l = 0, i0 = b * kDropoutPerBlock; l < kDropoutPerBlock && i0 + l < n; ++l) keep[i0 + l] = v[l];
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads) masked_scale_kernel(T* out, const T* x, const bool* keep, T scale,
                                                               int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = x[i] * (static_cast<T>(keep[i]) * scale);  // NaNs propagate, as on the CPU
}

// ============================================================================================ launchers

void dropout_mask(const Tensor& keep, uint32_t threshold, RngState st) {
  const int64_t n = keep.numel();
  if (n == 0) return;
  Launch L(keep);
  dropout_mask_kernel<<<L.blocks((n + kDropoutPerBlock - 1) / kDropoutPerBlock, kThreads), kThreads, 0, L.stream>>>(
      keep.data<bool>(), n, threshold, st.seed, st.counter);
  check_launch("dropout");
}

void masked_scale(const Tensor& out, const Tensor& x, const Tensor& keep, double scale) {
  const int64_t n = out.numel();
  if (n == 0) return;
  Launch L(out);
  if (out.dtype() == DType::Float64)
    masked_scale_kernel<double><<<L.blocks(n, kThreads), kThreads, 0, L.stream>>>(
        out.data<double>(), x.data<double>(), keep.data<bool>(), scale, n);
  else
    masked_scale_kernel<float><<<L.blocks(n, kThreads), kThreads, 0, L.stream>>>(
        out.data<float>(), x.data<float>(), keep.data<bool>(), static_cast<float>(scale), n);
  check_launch("dropout");
}

}  // namespace

void register_dropout(KernelTable& t) {
  t.dropout_mask = dropout_mask;
  t.masked_scale = masked_scale;
}

}  // namespace cuda
}  // namespace pydl

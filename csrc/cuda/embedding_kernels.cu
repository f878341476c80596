// CUDA embedding kernels: the row gather, and its backward without atomics. Positions are grouped by id on the
// host (a stable counting sort, as on the CPU), then one thread per (table row, column) adds its terms in position
// order and writes the row (zero where no id names it): bit-identical to the CPU kernel, at any launch shape.
#include <vector>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kThreads = 256;

// ============================================================================================ kernels

template <typename T, typename I>
__global__ void __launch_bounds__(kThreads) embedding_gather(T* out, const T* table, const I* ids, int64_t n, int64_t d) {
  const int64_t total = n * d, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t i = t / d, j = t - i * d;
    out[t] = table[static_cast<int64_t>(ids[i]) * d + j];
  }
}

// starts[r]..starts[r + 1] index `pos`, the positions whose id is r in increasing order.
template <typename T>
__global__ void __launch_bounds__(kThreads) embedding_row_sums(T* grad, const T* g, const int64_t* starts,
                                                               const int64_t* pos, int64_t v, int64_t d) {
  const int64_t total = v * d, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t r = t / d, j = t - r * d;
    T acc = T(0);
    const int64_t b = starts[r], e = starts[r + 1];
    if (b < e) acc = g[pos[b] * d + j];
    for (int64_t k = b + 1; k < e; ++k) acc += g[pos[k] * d + j];
    grad[t] = acc;
  }
}

// ============================================================================================ launchers

template <typename F> void visit_ids(DType dt, F&& f) {
  switch (dt) {
    case DType::UInt8: f(uint8_t{}); break;
    case DType::Int32: f(int32_t{}); break;
    default: f(int64_t{}); break;
  }
}

void embedding_kernel(const Tensor& out, const Tensor& table, const Tensor& ids) {
  const int64_t n = ids.numel(), d = table.shape()[1];
  if (n * d == 0) return;
  Launch L(table);
  visit_ids(ids.dtype(), [&](auto itag) {
    using I = decltype(itag);
    if (table.dtype() == DType::Float64)
      embedding_gather<double, I><<<L.blocks(n * d, kThreads), kThreads, 0, L.stream>>>(
          out.data<double>(), table.data<double>(), ids.data<I>(), n, d);
    else
      embedding_gather<float, I><<<L.blocks(n * d, kThreads), kThreads, 0, L.stream>>>(
          out.data<float>(), table.data<float>(), ids.data<I>(), n, d);
  });
  check_launch("embedding");
}

void embedding_backward_kernel(const Tensor& grad_table, const Tensor& grad_out, const Tensor& ids) {
  const int64_t n = ids.numel(), v = grad_table.shape()[0], d = grad_table.shape()[1];
  if (v * d == 0) return;
  Launch L(grad_table);
  // Ids back to the host as int64 (the op checked them there already; this copy is small next to the rows).
  std::vector<int64_t> host(static_cast<size_t>(n));
  visit_ids(ids.dtype(), [&](auto itag) {
    using I = decltype(itag);
    std::vector<I> raw(static_cast<size_t>(n));
    if (n) {
      check(cudaMemcpyAsync(raw.data(), ids.raw_data(), n * sizeof(I), cudaMemcpyDeviceToHost, L.stream), "embedding_backward");
      check(cudaStreamSynchronize(L.stream), "embedding_backward");
    }
    for (int64_t i = 0; i < n; ++i) host[i] = static_cast<int64_t>(raw[i]);
  });
  // One upload: starts (v + 1) | pos (n).
  std::vector<int64_t> packed(static_cast<size_t>(v + 1 + n), 0);
  int64_t* starts = packed.data();
  int64_t* pos = starts + v + 1;
  for (int64_t i = 0; i < n; ++i) ++starts[host[i] + 1];
  for (int64_t r = 0; r < v; ++r) starts[r + 1] += starts[r];
  std::vector<int64_t> next(starts, starts + v);
  for (int64_t i = 0; i < n; ++i) pos[next[host[i]]++] = i;
  Workspace ws(packed.size() * sizeof(int64_t), L.device);
  upload_async(ws.as<void>(), packed.data(), packed.size() * sizeof(int64_t), L.device);
  const int64_t* dev = ws.as<int64_t>();
  if (grad_table.dtype() == DType::Float64)
    embedding_row_sums<double><<<L.blocks(v * d, kThreads), kThreads, 0, L.stream>>>(
        grad_table.data<double>(), grad_out.data<double>(), dev, dev + v + 1, v, d);
  else
    embedding_row_sums<float><<<L.blocks(v * d, kThreads), kThreads, 0, L.stream>>>(
        grad_table.data<float>(), grad_out.data<float>(), dev, dev + v + 1, v, d);
  check_launch("embedding_backward");
}

}  // namespace

void register_embedding(KernelTable& t) {
  t.embedding = embedding_kernel;
  t.embedding_backward = embedding_backward_kernel;
}

}  // namespace cuda
}  // namespace pydl

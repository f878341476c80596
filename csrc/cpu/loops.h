// N-dimensional strided iteration for elementwise kernels (generic code; never included by per-ISA files).
// Dims are coalesced, then the index range is cut into pieces for the thread pool; each piece calls
// row(ptrs, n, inner_strides) for runs along the innermost dim.
#pragma once
#include <array>
#include <vector>
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace pydl {
namespace cpu {

constexpr int64_t kParallelGrain = 32768;
constexpr size_t kMaxDims = 32;  // elements per task below which threading costs more than it saves

template <int N, typename Row>
void for_each_strided(const Shape& shape, const std::array<char*, N>& base, const std::array<const Shape*, N>& strides,
                      const std::array<int64_t, N>& itemsizes, Row&& row) {
  // Byte strides, dropping size-1 dims, then merging dims that are contiguous for every operand.
  // Fixed-size arrays (no heap): this runs for every elementwise op, however small.
  PYDL_CHECK(shape.size() <= kMaxDims, ValueError, "tensors of more than ", kMaxDims, " dimensions are not supported");
  int64_t dims[kMaxDims];
  std::array<int64_t, N> st[kMaxDims];
  int nd = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    std::array<int64_t, N> s;
    for (int k = 0; k < N; ++k) s[k] = (*strides[k])[d] * itemsizes[k];
    if (nd > 0) {
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && st[nd - 1][k] == s[k] * shape[d];
      if (merge) { dims[nd - 1] *= shape[d]; st[nd - 1] = s; continue; }
    }
    dims[nd] = shape[d];
    st[nd++] = s;
  }
  int64_t total = 1;
  for (auto d : shape) total *= d;
  if (total == 0) return;
  if (nd == 0) {
    std::array<char*, N> p = base;
    std::array<int64_t, N> zero{};
    row(p.data(), int64_t(1), zero.data());
    return;
  }
  const int64_t inner = dims[nd - 1];
  const std::array<int64_t, N> inner_st = st[nd - 1];
  parallel_for(0, total, kParallelGrain, [&](int64_t lo, int64_t hi) {
    // Multi-index of `lo`.
    int64_t idx[kMaxDims];
    int64_t rem = lo;
    for (int d = nd - 1; d >= 0; --d) { idx[d] = rem % dims[d]; rem /= dims[d]; }
    std::array<char*, N> p;
    for (int k = 0; k < N; ++k) {
      p[k] = base[k];
      for (int d = 0; d < nd; ++d) p[k] += idx[d] * st[d][k];
    }
    int64_t pos = lo;
    while (pos < hi) {
      int64_t n = std::min(inner - idx[nd - 1], hi - pos);
      row(p.data(), n, inner_st.data());
      pos += n;
      // Advance the multi-index by n (carrying into outer dims).
      for (int k = 0; k < N; ++k) p[k] += n * inner_st[k];
      idx[nd - 1] += n;
      for (int d = nd - 1; d > 0 && idx[d] == dims[d]; --d) {
        for (int k = 0; k < N; ++k) p[k] += st[d - 1][k] - dims[d] * st[d][k];
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  });
}

}  // namespace cpu
}  // namespace pydl

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

constexpr int64_t kParallelGrain = 32768;  // elements per task below which threading costs more than it saves

template <int N, typename Row>
void for_each_strided(const Shape& shape, const std::array<char*, N>& base, const std::array<const Shape*, N>& strides,
                      const std::array<int64_t, N>& itemsizes, Row&& row) {
  // Byte strides, dropping size-1 dims, then merging dims that are contiguous for every operand.
  std::vector<int64_t> dims;
  std::vector<std::array<int64_t, N>> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    std::array<int64_t, N> s;
    for (int k = 0; k < N; ++k) s[k] = (*strides[k])[d] * itemsizes[k];
    if (!dims.empty()) {
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && st.back()[k] == s[k] * shape[d];
      if (merge) { dims.back() *= shape[d]; st.back() = s; continue; }
    }
    dims.push_back(shape[d]);
    st.push_back(s);
  }
  int64_t total = 1;
  for (auto d : shape) total *= d;
  if (total == 0) return;
  if (dims.empty()) {
    std::array<char*, N> p = base;
    std::array<int64_t, N> zero{};
    row(p.data(), int64_t(1), zero.data());
    return;
  }
  const int nd = static_cast<int>(dims.size());
  const int64_t inner = dims[nd - 1];
  const std::array<int64_t, N> inner_st = st[nd - 1];
  parallel_for(0, total, kParallelGrain, [&](int64_t lo, int64_t hi) {
    // Multi-index of `lo`.
    std::vector<int64_t> idx(nd);
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

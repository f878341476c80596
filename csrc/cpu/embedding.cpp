// CPU embedding kernels: the row gather, and its backward as a counting sort of positions by id (stable, so each
// table row sums its terms in increasing position) followed by per-row sums split over threads. No atomics: a row
// belongs to one thread, and its order of additions never depends on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

template <typename F> void visit_ids(DType d, F&& f) {
  switch (d) {
    case DType::UInt8: f(uint8_t{}); break;
    case DType::Int32: f(int32_t{}); break;
    default: f(int64_t{}); break;
  }
}

template <typename T, typename I>
void sum_rows(T* grad, const T* g, const I* ids, int64_t n, int64_t v, int64_t d) {
  // starts[r]..starts[r + 1] are the positions whose id is r, in increasing order.
  std::vector<int64_t> starts(static_cast<size_t>(v) + 1, 0), pos(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) ++starts[static_cast<int64_t>(ids[i]) + 1];
  for (int64_t r = 0; r < v; ++r) starts[r + 1] += starts[r];
  {
    std::vector<int64_t> next(starts.begin(), starts.end() - 1);
    for (int64_t i = 0; i < n; ++i) pos[next[static_cast<int64_t>(ids[i])]++] = i;
  }
  // Work of a row ~ d * (terms + 1); the grain keeps small tables on one thread.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, d * (1 + n / std::max<int64_t>(v, 1))));
  parallel_for(0, v, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      T* dst = grad + r * d;
      const int64_t b = starts[r], e = starts[r + 1];
      if (b == e) {
        std::fill(dst, dst + d, T(0));
        continue;
      }
      std::memcpy(dst, g + pos[b] * d, static_cast<size_t>(d) * sizeof(T));
      for (int64_t k = b + 1; k < e; ++k) {
        const T* src = g + pos[k] * d;
        for (int64_t j = 0; j < d; ++j) dst[j] += src[j];
      }
    }
  });
}

}  // namespace

void embedding_kernel(const Tensor& out, const Tensor& table, const Tensor& ids) {
  const int64_t n = ids.numel(), row = table.shape()[1] * table.itemsize();
  const char* src = table.raw_data();
  char* dst = out.raw_data();
  visit_ids(ids.dtype(), [&](auto tag) {
    using I = decltype(tag);
    const I* id = ids.data<I>();
    parallel_for(0, n, std::max<int64_t>(1, 65536 / std::max<int64_t>(row, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) std::memcpy(dst + i * row, src + static_cast<int64_t>(id[i]) * row, row);
    });
  });
}

void embedding_backward_kernel(const Tensor& grad_table, const Tensor& grad_out, const Tensor& ids) {
  const int64_t n = ids.numel(), v = grad_table.shape()[0], d = grad_table.shape()[1];
  visit_ids(ids.dtype(), [&](auto itag) {
    using I = decltype(itag);
    if (grad_table.dtype() == DType::Float64)
      sum_rows(grad_table.data<double>(), grad_out.data<double>(), ids.data<I>(), n, v, d);
    else
      sum_rows(grad_table.data<float>(), grad_out.data<float>(), ids.data<I>(), n, v, d);
  });
}

void register_embedding(KernelTable& t) {
  t.embedding = embedding_kernel;
  t.embedding_backward = embedding_backward_kernel;
}

}  // namespace cpu
}  // namespace pydl

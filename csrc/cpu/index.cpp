// CPU gather/scatter kernels: index_select / index_add along one axis, and torch-style gather / scatter_add.
// Indices were validated by the op; kernels trust them.
#include <cstring>
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

void index_select(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n_in, int64_t inner) {
  const int64_t n_out = index.numel(), row = inner * in.itemsize();
  const int64_t* idx = index.data<int64_t>();
  const char* src = in.raw_data();
  char* dst = out.raw_data();
  parallel_for(0, outer * n_out, std::max<int64_t>(1, 65536 / std::max<int64_t>(row, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      int64_t o = t / n_out, j = t % n_out;
      std::memcpy(dst + t * row, src + (o * n_in + idx[j]) * row, row);
    }
  });
}

void index_add(const Tensor& acc, const Tensor& src, const Tensor& index, int64_t outer, int64_t n_acc, int64_t inner) {
  const int64_t n_src = index.numel();
  const int64_t* idx = index.data<int64_t>();
  visit_dtype(acc.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same<T, bool>::value) throw DTypeError("index_add: bool tensors cannot be accumulated");
    else {
      T* a = acc.data<T>();
      const T* s = src.data<T>();
      // Parallel over `outer` only: rows of one outer slice may collide, and a fixed order keeps results exact.
      parallel_for(0, outer, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t o = lo; o < hi; ++o)
          for (int64_t j = 0; j < n_src; ++j) {
            T* dst = a + (o * n_acc + idx[j]) * inner;
            const T* from = s + (o * n_src + j) * inner;
            for (int64_t i = 0; i < inner; ++i) dst[i] += from[i];
          }
      });
    }
  });
}

// Offsets for gather/scatter: out/index are (outer, n_idx, inner) around `axis`; in is (outer, n_in, inner').
struct AxisGeometry {
  int64_t outer = 1, inner = 1, n_idx, n_in, in_inner = 1;
};
AxisGeometry geometry(const Tensor& in, const Tensor& index, int axis) {
  AxisGeometry g;
  for (int d = 0; d < axis; ++d) g.outer *= index.shape()[d];
  for (int64_t d = axis + 1; d < index.dim(); ++d) g.inner *= index.shape()[d];
  for (int64_t d = axis + 1; d < in.dim(); ++d) g.in_inner *= in.shape()[d];
  g.n_idx = index.shape()[axis];
  g.n_in = in.shape()[axis];
  return g;
}

// Index tensors may be smaller than `in` in non-axis dims (torch semantics); map each index position to in's layout.
int64_t in_offset(const Tensor& in, const Tensor& index, int axis, int64_t flat, int64_t target) {
  int64_t off = 0, stride = 1;
  for (int64_t d = index.dim() - 1; d >= 0; --d) {
    int64_t i = flat % index.shape()[d];
    flat /= index.shape()[d];
    off += (d == axis ? target : i) * stride;
    stride *= in.shape()[d];
  }
  return off;
}

void gather(const Tensor& out, const Tensor& in, const Tensor& index, int axis) {
  const int64_t* idx = index.data<int64_t>();
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const T* x = in.data<T>();
    parallel_for(0, index.numel(), 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) o[t] = x[in_offset(in, index, axis, t, idx[t])];
    });
  });
}

void scatter_add(const Tensor& acc, const Tensor& src, const Tensor& index, int axis) {
  const int64_t* idx = index.data<int64_t>();
  visit_dtype(acc.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same<T, bool>::value) throw DTypeError("scatter_add: bool tensors cannot be accumulated");
    else {
      T* a = acc.data<T>();
      const T* s = src.data<T>();
      for (int64_t t = 0; t < index.numel(); ++t) a[in_offset(acc, index, axis, t, idx[t])] += s[t];
    }
  });
}

}  // namespace

void register_index(KernelTable& t) {
  t.index_select = index_select;
  t.index_add = index_add;
  t.gather = gather;
  t.scatter_add = scatter_add;
}

}  // namespace cpu
}  // namespace pydl

// CUDA gathers and scatters: index_select / index_add along one axis, and torch-style gather / scatter_add.
// Indices were validated by the op layer; they may still live on the host (then they are uploaded here).
// Accumulations are deterministic and add in the CPU's order (index order), so they match it bit for bit:
// each thread owns a set of destinations that no other thread touches, instead of racing with atomics.
#include <algorithm>
#include <vector>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: index  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;

// Geometry of gather/scatter: the index tensor's shape and contiguous strides, and the data tensor's strides.
struct AxisGeom {
  int nd, axis;
  int64_t size[kMaxDims];
  int64_t istride[kMaxDims];  // of the index (and of out/src, which share its shape)
  int64_t dstride[kMaxDims];  // of the data tensor (in for gather, acc for scatter_add)
};

// ============================================================================================ kernels

// out[o, j, :] = in[o, idx[j], :], moving rows in units U (up to 16 bytes) of `inner` units each.
template <typename U>
__global__ void __launch_bounds__(kThreads) index_select_kernel(U* out, const U* in, const int64_t* idx, int64_t outer,
                                                               int64_t n_out, int64_t n_in, int64_t inner) {
  const int64_t total = outer * n_out * inner;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t row = t / inner, i = t - row * inner;
    const int64_t o = row / n_out, j = row - o * n_out;
    out[t] = in[(o * n_in + idx[j]) * inner + i];
  }
}

// One thread per (o, i) column walks all j in order: destinations of different threads never overlap.
template <typename T>
__global__ void __launch_bounds__(kThreads) index_add_columns(T* acc, const T* src, const int64_t* idx, int64_t outer,
                                                              int64_t n_src, int64_t n_acc, int64_t inner) {
  const int64_t total = outer * inner;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < total; c += stride) {
    const int64_t o = c / inner, i = c - o * inner;
    const T* s = src + o * n_src * inner + i;
    T* a = acc + o * n_acc * inner + i;
    for (int64_t j = 0; j < n_src; ++j) a[idx[j] * inner] += s[j * inner];
  }
}

// Rows grouped by destination (CSR from the host): one thread per (o, destination row, i) adds its sources in order.
template <typename T>
__global__ void __launch_bounds__(kThreads) index_add_grouped(T* acc, const T* src, const int64_t* rows,
                                                              const int64_t* starts, const int64_t* js, int64_t groups,
                                                              int64_t outer, int64_t n_src, int64_t n_acc, int64_t inner) {
  const int64_t total = outer * groups * inner;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t q = t / inner, i = t - q * inner;
    const int64_t o = q / groups, g = q - o * groups;
    T* a = acc + (o * n_acc + rows[g]) * inner + i;
    T v = *a;
    for (int64_t k = starts[g]; k < starts[g + 1]; ++k) v += src[(o * n_src + js[k]) * inner + i];
    *a = v;
  }
}

// Offsets of index position t (a flat index into the index tensor) with the axis coordinate replaced by `target`.
__device__ __forceinline__ int64_t data_offset(const AxisGeom& g, int64_t t, int64_t target) {
  int64_t off = 0;
  for (int d = g.nd - 1; d >= 0; --d) {
    const int64_t q = t / g.size[d], c = t - q * g.size[d];
    off += (d == g.axis ? target : c) * g.dstride[d];
    t = q;
  }
  return off;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) gather_kernel(T* out, const T* in, const int64_t* idx, AxisGeom g, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride)
    out[t] = in[data_offset(g, t, idx[t])];
}

// One thread per position of the non-axis dims walks the axis in order (destinations differ across threads,
// since they differ in some non-axis coordinate).
template <typename T>
__global__ void __launch_bounds__(kThreads) scatter_add_kernel(T* acc, const T* src, const int64_t* idx, AxisGeom g,
                                                               int64_t columns) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < columns; c += stride) {
    int64_t rest = c, ibase = 0, dbase = 0;
    for (int d = g.nd - 1; d >= 0; --d) {
      if (d == g.axis) continue;
      const int64_t q = rest / g.size[d], x = rest - q * g.size[d];
      ibase += x * g.istride[d];
      dbase += x * g.dstride[d];
      rest = q;
    }
    for (int64_t j = 0; j < g.size[g.axis]; ++j) {
      const int64_t p = ibase + j * g.istride[g.axis];
      acc[dbase + idx[p] * g.dstride[g.axis]] += src[p];
    }
  }
}

// pydl-emulate-end: index

// ============================================================================================ launchers

template <typename F> void visit_accumulable(DType d, const char* op, F&& f) {
  PYDL_CHECK(d != DType::Bool, DTypeError, op, ": bool tensors cannot be accumulated");
  visit_dtype(d, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same<T, bool>::value) f(T{});
  });
}

void index_select(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n_in, int64_t inner) {
  const int64_t n_out = index.numel();
  if (out.numel() == 0) return;
  Launch L(in);
  DeviceIndex idx(index, L.device);
  // Widest unit that divides a row and both base addresses: embedding rows move as 16-byte vectors.
  const int64_t row_bytes = inner * in.itemsize();
  const uintptr_t addr = reinterpret_cast<uintptr_t>(out.raw_data()) | reinterpret_cast<uintptr_t>(in.raw_data());
  auto run = [&](auto unit) {
    using U = decltype(unit);
    const int64_t units = row_bytes / static_cast<int64_t>(sizeof(U));
    index_select_kernel<U><<<L.blocks(outer * n_out * units, kThreads), kThreads, 0, L.stream>>>(
        reinterpret_cast<U*>(out.raw_data()), reinterpret_cast<const U*>(in.raw_data()), idx.ptr, outer, n_out, n_in, units);
  };
  if (row_bytes % 16 == 0 && addr % 16 == 0) run(uint4{});
  else if (row_bytes % 8 == 0 && addr % 8 == 0) run(uint2{});
  else if (row_bytes % 4 == 0 && addr % 4 == 0) run(uint32_t{});
  else run(uint8_t{});
  check_launch("take (index_select)");
}

void index_add(const Tensor& acc, const Tensor& src, const Tensor& index, int64_t outer, int64_t n_acc, int64_t inner) {
  const int64_t n_src = index.numel();
  if (n_src == 0 || outer == 0 || inner == 0) return;
  Launch L(acc);
  visit_accumulable(acc.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    // Few sources, or enough independent columns to fill the GPU: one thread per column walks the sources.
    if (n_src <= 8 || (outer * inner >= static_cast<int64_t>(L.sms) * 256 && n_src <= 64)) {
      DeviceIndex idx(index, L.device);
      index_add_columns<T><<<L.blocks(outer * inner, kThreads), kThreads, 0, L.stream>>>(
          acc.data<T>(), src.data<T>(), idx.ptr, outer, n_src, n_acc, inner);
      check_launch("index_add");
      return;
    }
    // Otherwise group the sources by destination row on the host (stable: index order within a row).
    std::vector<int64_t> host;
    const int64_t* ix = index.data<int64_t>();
    if (!index.device().is_cpu()) {
      host.resize(n_src);
      check(cudaMemcpyAsync(host.data(), ix, n_src * sizeof(int64_t), cudaMemcpyDeviceToHost, L.stream), "index_add");
      check(cudaStreamSynchronize(L.stream), "index_add");
      ix = host.data();
    }
    std::vector<int64_t> order(n_src);
    for (int64_t j = 0; j < n_src; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return ix[x] < ix[y]; });
    std::vector<int64_t> rows, starts;
    for (int64_t k = 0; k < n_src; ++k)
      if (k == 0 || ix[order[k]] != ix[order[k - 1]]) { rows.push_back(ix[order[k]]); starts.push_back(k); }
    starts.push_back(n_src);
    const int64_t groups = static_cast<int64_t>(rows.size());
    // One upload: rows | starts | js.
    std::vector<int64_t> packed;
    packed.reserve(rows.size() + starts.size() + order.size());
    packed.insert(packed.end(), rows.begin(), rows.end());
    packed.insert(packed.end(), starts.begin(), starts.end());
    packed.insert(packed.end(), order.begin(), order.end());
    Workspace ws(packed.size() * sizeof(int64_t), L.device);
    upload_async(ws.as<void>(), packed.data(), packed.size() * sizeof(int64_t), L.device);
    const int64_t* d = ws.as<int64_t>();
    index_add_grouped<T><<<L.blocks(outer * groups * inner, kThreads), kThreads, 0, L.stream>>>(
        acc.data<T>(), src.data<T>(), d, d + groups, d + 2 * groups + 1, groups, outer, n_src, n_acc, inner);
    check_launch("index_add");
  });
}

AxisGeom axis_geometry(const Tensor& data, const Tensor& index, int axis, const char* op) {
  PYDL_CHECK(index.dim() <= kMaxDims, NotImplementedError, op, ": CUDA kernels support at most ", kMaxDims, " dimensions");
  AxisGeom g{};
  g.nd = static_cast<int>(index.dim());
  g.axis = axis;
  int64_t is = 1, ds = 1;
  for (int d = g.nd - 1; d >= 0; --d) {
    g.size[d] = index.shape()[d];
    g.istride[d] = is;
    g.dstride[d] = ds;
    is *= index.shape()[d];
    ds *= data.shape()[d];
  }
  return g;
}

void gather(const Tensor& out, const Tensor& in, const Tensor& index, int axis) {
  const int64_t n = index.numel();
  if (n == 0) return;
  Launch L(in);
  DeviceIndex idx(index, L.device);
  AxisGeom g = axis_geometry(in, index, axis, "gather");
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gather_kernel<T><<<L.blocks(n, kThreads), kThreads, 0, L.stream>>>(out.data<T>(), in.data<T>(), idx.ptr, g, n);
  });
  check_launch("gather");
}

void scatter_add(const Tensor& acc, const Tensor& src, const Tensor& index, int axis) {
  const int64_t n = index.numel();
  if (n == 0) return;
  Launch L(acc);
  DeviceIndex idx(index, L.device);
  AxisGeom g = axis_geometry(acc, index, axis, "scatter_add");
  const int64_t columns = n / index.shape()[axis];
  visit_accumulable(acc.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    scatter_add_kernel<T><<<L.blocks(columns, kThreads), kThreads, 0, L.stream>>>(acc.data<T>(), src.data<T>(), idx.ptr,
                                                                                  g, columns);
  });
  check_launch("scatter_add");
}

}  // namespace

void register_index(KernelTable& t) {
  t.index_select = index_select;
  t.index_add = index_add;
  t.gather = gather;
  t.scatter_add = scatter_add;
}

}  // namespace cuda
}  // namespace pydl

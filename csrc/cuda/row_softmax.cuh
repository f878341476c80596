// Pieces shared by the row-wise softmax kernels (softmax_kernels.cu) and the fused softmax cross-entropy
// (loss_kernels.cu): the online max-and-sum of a row (one read of the row gives both), all-reductions within a
// lane group or a block, the row schedule (a group of G <= 32 lanes per row up to kRowGroupCols columns, a warp
// once G reaches 32; a whole block per row beyond), 16-byte row accesses where the width allows, and the launcher.
// Every row is combined in a fixed order (per-lane strided runs, then a fixed xor-shuffle tree), so results are
// deterministic and every lane of a row ends with the same bits. tests/cuda/emulated/softmax_emu.cpp compiles all
// but the launcher (which needs nvcc) on the CPU as it is.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {

constexpr int kRowThreads = 256;  // every row kernel
constexpr int kRowWarps = kRowThreads / 32;
constexpr int64_t kRowGroupCols = 1024;  // rows up to this long get a group of <= 32 lanes, longer ones a block

// Lanes per row for the group schedule: the smallest power of two >= cols, at most a warp.
inline int row_group_width(int64_t cols) {
  int g = 1;
  while (g < 32 && g < cols) g <<= 1;
  return g;
}

template <typename T> __device__ __forceinline__ T row_inf() { return static_cast<T>(INFINITY); }

// Running max m and s = sum of exp(x - m) over the values pushed so far (s in Acc: T, or double for the loss).
// When the max grows, s is rescaled by exp(m_old - m_new). Special values give what the three-pass formula gives:
// a NaN or +inf makes the row NaN (inf - inf), -inf adds nothing, and an all -inf row ends as (-inf, 0).
template <typename T, typename Acc> struct MaxSum {
  T m;
  Acc s;
  __device__ static MaxSum identity() { return MaxSum{-row_inf<T>(), Acc(0)}; }
  __device__ __forceinline__ void push(T x) {
    if (x > m) {
      s = x == row_inf<T>() ? Acc(NAN) : s * static_cast<Acc>(d_exp(m - x)) + Acc(1);
      m = x;
    } else if (d_isnan(x)) {
      m = x;
      s = Acc(NAN);
    } else if (x > -row_inf<T>()) {
      s += static_cast<Acc>(d_exp(x - m));  // m == x == +inf gives NaN, as it should
    }
  }
  // Symmetric in (a, b) bit for bit (exp(0) is exactly 1), so both lanes of an xor-shuffle pair agree.
  __device__ static MaxSum combine(MaxSum a, MaxSum b) {
    if (d_isnan(a.m)) return a;
    if (d_isnan(b.m)) return b;
    if (a.m < b.m) { MaxSum t = a; a = b; b = t; }
    if (b.m > -row_inf<T>()) a.s += b.s * static_cast<Acc>(d_exp(b.m - a.m));
    return a;
  }
};

template <typename T> __device__ __forceinline__ T shfl_x(T v, int off, int width) {
  return __shfl_xor_sync(0xffffffffu, v, off, width);
}
template <typename T, typename Acc>
__device__ __forceinline__ MaxSum<T, Acc> shfl_x(MaxSum<T, Acc> v, int off, int width) {
  return MaxSum<T, Acc>{shfl_x(v.m, off, width), shfl_x(v.s, off, width)};
}

template <typename T> struct RowPlus {
  __device__ T operator()(T a, T b) const { return a + b; }
};
template <typename T, typename Acc> struct RowMaxSum {
  __device__ MaxSum<T, Acc> operator()(MaxSum<T, Acc> a, MaxSum<T, Acc> b) const {
    return MaxSum<T, Acc>::combine(a, b);
  }
};

// All-reduce over the row's lanes: a group of G lanes (xor butterfly), or the whole block (warps, then every
// thread folds the warp results in the same order).
template <bool BLOCK, typename V, typename F> __device__ __forceinline__ V row_all(V v, int G, F f) {
  for (int off = (BLOCK ? 32 : G) / 2; off > 0; off >>= 1) v = f(v, shfl_x(v, off, BLOCK ? 32 : G));
  if constexpr (BLOCK) {
    __shared__ V part[kRowWarps];
    if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = v;
    __syncthreads();
    v = part[0];
    for (int w = 1; w < kRowWarps; ++w) v = f(v, part[w]);
    __syncthreads();  // part is reused by the next reduction
  }
  return v;
}

// Runs f(r, n, sub, width) for each row r this thread helps with: lane `sub` of `width` lanes walks the columns
// sub, sub + width, ... below n. Block schedule: blocks step over rows. Group schedule: the groups of a warp step
// over rows together; lanes past the last row get the last row with n = 0 (they read and write nothing but take
// part in every shuffle).
template <bool BLOCK, typename F> __device__ __forceinline__ void for_rows(int64_t rows, int64_t cols, int G, F f) {
  if constexpr (BLOCK) {
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) f(r, cols, static_cast<int>(threadIdx.x), kRowThreads);
  } else {
    const int per_warp = 32 / G;
    const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
    const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
    for (int64_t base = warp * per_warp; base < rows; base += warps * per_warp) {
      const int64_t r = base + (threadIdx.x % 32) / G;
      f(r < rows ? r : rows - 1, r < rows ? cols : 0, static_cast<int>(threadIdx.x % G), G);
    }
  }
}

// A lane's columns of a row, V at a time: with V > 1 (cols a multiple of V, rows aligned to 16 bytes) each load
// and store is one 16-byte access. Lane `sub` of `width` takes packs sub, sub + width, ... below n / V, and sees
// its elements in order (so the combining order is fixed). Forms with one or two inputs:
//   lane_each(f, n, sub, width, a[, b])       f(a[j][, b[j]]) for the lane's columns j
//   lane_map(out, f, n, sub, width, a[, b])   out[j] = f(a[j][, b[j]])
template <typename T, int V> struct alignas(sizeof(T) * V) RowPack { T v[V]; };
template <int V, typename T> __device__ __forceinline__ RowPack<T, V> pack_at(const T* x, int64_t k) {
  return reinterpret_cast<const RowPack<T, V>*>(x)[k];
}

template <int V, typename T, typename F>
__device__ __forceinline__ void lane_each(F f, int64_t n, int sub, int width, const T* a) {
#pragma unroll 4
  for (int64_t k = sub; k < n / V; k += width) {
    const RowPack<T, V> pa = pack_at<V>(a, k);
#pragma unroll
    for (int e = 0; e < V; ++e) f(pa.v[e]);
  }
}
template <int V, typename T, typename F>
__device__ __forceinline__ void lane_each(F f, int64_t n, int sub, int width, const T* a, const T* b) {
#pragma unroll 4
  for (int64_t k = sub; k < n / V; k += width) {
    const RowPack<T, V> pa = pack_at<V>(a, k), pb = pack_at<V>(b, k);
#pragma unroll
    for (int e = 0; e < V; ++e) f(pa.v[e], pb.v[e]);
  }
}
template <int V, typename T, typename F>
__device__ __forceinline__ void lane_map(T* out, F f, int64_t n, int sub, int width, const T* a) {
#pragma unroll 4
  for (int64_t k = sub; k < n / V; k += width) {
    const RowPack<T, V> pa = pack_at<V>(a, k);
    RowPack<T, V> o;
#pragma unroll
    for (int e = 0; e < V; ++e) o.v[e] = f(pa.v[e]);
    reinterpret_cast<RowPack<T, V>*>(out)[k] = o;
  }
}
template <int V, typename T, typename F>
__device__ __forceinline__ void lane_map(T* out, F f, int64_t n, int sub, int width, const T* a, const T* b) {
#pragma unroll 4
  for (int64_t k = sub; k < n / V; k += width) {
    const RowPack<T, V> pa = pack_at<V>(a, k), pb = pack_at<V>(b, k);
    RowPack<T, V> o;
#pragma unroll
    for (int e = 0; e < V; ++e) o.v[e] = f(pa.v[e], pb.v[e]);
    reinterpret_cast<RowPack<T, V>*>(out)[k] = o;
  }
}

// The vector width for rows of `cols` elements of T at these addresses: 16-byte accesses when every row allows.
template <typename T> int row_vec(int64_t cols, std::initializer_list<const void*> ptrs) {
  constexpr int V = 16 / sizeof(T);
  if (cols % V != 0) return 1;
  for (const void* p : ptrs)
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return 1;
  return V;
}

#ifdef __CUDACC__  // the launcher side (common.cuh's Launch); the CPU emulation has its own
// Launches kernel(block, vec, grid, G) for the schedule of `cols`: block is std::true_type for a block per row,
// else std::false_type with G lanes per row; vec is std::integral_constant<int, V>: 16-byte accesses when `vec`
// (from row_vec) is above 1, else one element at a time. Grid-stride loops inside cover any row count.
template <typename T, typename Kernel>
void launch_rows(const char* name, int64_t rows, int64_t cols, int vec, const Launch& L, Kernel kernel) {
  auto with_vec = [&](auto block, unsigned grid, int G) {
    if (vec > 1) kernel(block, std::integral_constant<int, 16 / sizeof(T)>{}, grid, G);
    else kernel(block, std::integral_constant<int, 1>{}, grid, G);
  };
  if (cols <= kRowGroupCols) {
    const int G = row_group_width(cols / vec);
    with_vec(std::false_type{}, L.blocks(rows * G, kRowThreads), G);
  } else {
    with_vec(std::true_type{}, L.blocks(rows * kRowThreads, kRowThreads), 32);
  }
  check_launch(name);
}
#endif

}  // namespace cuda
}  // namespace pydl

// Device pieces shared by the row-wise softmax kernels (softmax_kernels.cu) and the fused softmax cross-entropy
// (loss_kernels.cu): the online max-and-sum of a row (one read of the row gives both), all-reductions within a
// lane group or a block, and the row schedule: a group of G <= 32 lanes per row up to kRowGroupCols columns (a
// warp once G reaches 32), a whole block per row beyond. Every row is combined in a fixed order (per-lane strided
// runs, then a fixed xor-shuffle tree), so results are deterministic and every lane of a row ends with the same
// bits. Device code only: tests/cuda/emulated/softmax_emu.cpp compiles it on the CPU as it is.
#pragma once
#include <cstdint>
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

// One lane's part of a row's online max-and-sum: four loads issued before they are folded in order.
template <typename Acc, typename T>
__device__ __forceinline__ MaxSum<T, Acc> lane_max_sum(const T* x, int64_t j, int64_t n, int64_t step) {
  MaxSum<T, Acc> ms = MaxSum<T, Acc>::identity();
  for (; j + 3 * step < n; j += 4 * step) {
    const T a = x[j], b = x[j + step], c = x[j + 2 * step], d = x[j + 3 * step];
    ms.push(a);
    ms.push(b);
    ms.push(c);
    ms.push(d);
  }
  for (; j < n; j += step) ms.push(x[j]);
  return ms;
}

#ifdef __CUDACC__  // the launcher side (common.cuh's Launch); the CPU emulation has its own
// Launches kernel(block, grid, G) for the schedule of `cols`: block is std::true_type for a block per row, else
// std::false_type with G lanes per row; grid-stride loops inside cover any row count.
template <typename Kernel> void launch_rows(const char* name, int64_t rows, int64_t cols, const Launch& L, Kernel kernel) {
  if (cols <= kRowGroupCols) {
    const int G = row_group_width(cols);
    kernel(std::false_type{}, L.blocks(rows * G, kRowThreads), G);
  } else {
    kernel(std::true_type{}, L.blocks(rows * kRowThreads, kRowThreads), 32);
  }
  check_launch(name);
}
#endif

}  // namespace cuda
}  // namespace pydl

// CUDA row reductions over a contiguous (rows, cols) matrix (sum, max, min, argmax, argmin); softmax is in
// softmax_kernels.cu. Results are deterministic: every row is combined in a fixed order (per-lane
// strided runs, then a fixed shuffle tree), and the grid shape depends only on (rows, cols), never on timing.
// Short rows get a group of 1-32 lanes each; long rows a block (or several, split into fixed chunks whose
// partial results a second pass combines in order).
#include <cmath>
#include <limits>
#include "cuda/common.cuh"
#include "cuda/math.cuh"
#include "cuda/row_softmax.cuh"  // row_group_width: the same lane groups as the softmax rows

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: reduce  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;         // every kernel here
constexpr int kWarps = kThreads / 32;
constexpr int64_t kGroupCols = 1024;  // rows up to this long are reduced by a group of <= 32 lanes
constexpr int64_t kChunk = 8192;      // columns one block reduces when a long row is split across blocks
constexpr int64_t kNoIndex = std::numeric_limits<int64_t>::max();

// A shuffle for any element type (bool and uint8 travel as int).
template <typename T> __device__ __forceinline__ T shfl_down(T v, int off, int width) {
  if constexpr (sizeof(T) < 4) return static_cast<T>(__shfl_down_sync(0xffffffffu, static_cast<int>(v), off, width));
  else return __shfl_down_sync(0xffffffffu, v, off, width);
}

// ============================================================================================ kernels

// ---- reducers: V is the running value; combine must be the same function on every path.
template <typename In, typename Acc> struct SumR {
  using V = Acc;
  __device__ static V identity() { return V(0); }
  __device__ static V make(In x, int64_t) { return static_cast<V>(x); }
  __device__ static V combine(V a, V b) { return a + b; }
  __device__ static V shfl(V v, int off, int w) { return shfl_down(v, off, w); }
};

template <typename T> struct ArgV { T v; int64_t i; };

// Max/Min with the first index of the extreme; a NaN beats everything (the first NaN wins), like the CPU and
// NumPy. This is a total order on (value, index), so the result does not depend on the combining order.
template <typename T, bool MAX> struct ArgR {
  using V = ArgV<T>;
  __device__ static V identity() { return V{T(0), kNoIndex}; }
  __device__ static V make(T x, int64_t j) { return V{x, j}; }
  __device__ static V combine(V a, V b) {
    if (b.i == kNoIndex) return a;
    if (a.i == kNoIndex) return b;
    const bool an = d_isnan(a.v), bn = d_isnan(b.v);
    if (an || bn) return (an && (!bn || a.i < b.i)) ? a : b;
    if (MAX ? a.v > b.v : a.v < b.v) return a;
    if (MAX ? b.v > a.v : b.v < a.v) return b;
    return a.i < b.i ? a : b;
  }
  __device__ static V shfl(V v, int off, int w) { return V{shfl_down(v.v, off, w), shfl_down(v.i, off, w)}; }
};

// ---- sources (elements of the input, or partial results of a first pass) and the destination.
template <typename In, typename R> struct ElemSource {
  const In* p;
  int64_t cols;
  __device__ typename R::V operator()(int64_t r, int64_t j) const { return R::make(p[r * cols + j], j); }
};
template <typename R> struct PartialSource {
  const typename R::V* p;
  int64_t cols;
  __device__ typename R::V operator()(int64_t r, int64_t j) const { return p[r * cols + j]; }
};

// Final results go to `out` (the value, or for arg-reductions the index when `index`); with chunks > 1 each
// block's partial goes to partial[r * chunks + c].
template <typename R> struct Sink {
  void* out;
  typename R::V* partial;
  int64_t chunks;
  bool index;
  __device__ void put(int64_t r, int64_t c, typename R::V v) const {
    if (chunks > 1) { partial[r * chunks + c] = v; return; }
    if constexpr (!std::is_arithmetic<typename R::V>::value) {
      if (index) static_cast<int64_t*>(out)[r] = v.i;
      else static_cast<decltype(v.v)*>(out)[r] = v.v;
    } else {
      static_cast<typename R::V*>(out)[r] = v;
    }
  }
};

template <typename R, typename Src>
__device__ __forceinline__ typename R::V run(const Src& src, int64_t r, int64_t begin, int64_t end, int64_t step) {
  typename R::V acc = R::identity();
  int64_t j = begin;
  // Loads first, then combines in order: memory-level parallelism without changing the result.
  for (; j + 3 * step < end; j += 4 * step) {
    typename R::V x0 = src(r, j), x1 = src(r, j + step), x2 = src(r, j + 2 * step), x3 = src(r, j + 3 * step);
    acc = R::combine(R::combine(R::combine(R::combine(acc, x0), x1), x2), x3);
  }
  for (; j < end; j += step) acc = R::combine(acc, src(r, j));
  return acc;
}

// Groups of G lanes (a power of two <= 32) per row. Warps step over rows together so every shuffle has all lanes.
template <typename R, typename Src>
__global__ void __launch_bounds__(kThreads) reduce_groups(Src src, Sink<R> sink, int64_t rows, int64_t cols, int G) {
  const int sub = threadIdx.x % G;
  const int per_warp = 32 / G;
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
  for (int64_t base = warp * per_warp; base < rows; base += warps * per_warp) {
    const int64_t r = base + (threadIdx.x % 32) / G;
    typename R::V acc = r < rows ? run<R>(src, r, sub, cols, G) : R::identity();
    for (int off = G / 2; off > 0; off >>= 1) acc = R::combine(acc, R::shfl(acc, off, G));
    if (r < rows && sub == 0) sink.put(r, 0, acc);
  }
}

// One block per (row, chunk of kChunk columns); blockIdx.y steps over rows.
template <typename R, typename Src>
__global__ void __launch_bounds__(kThreads) reduce_blocks(Src src, Sink<R> sink, int64_t rows, int64_t cols) {
  __shared__ typename R::V part[kWarps];
  const int64_t c = blockIdx.x;
  const int64_t begin = c * kChunk, end = begin + kChunk < cols ? begin + kChunk : cols;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    typename R::V acc = run<R>(src, r, begin + threadIdx.x, end, kThreads);
    for (int off = 16; off > 0; off >>= 1) acc = R::combine(acc, R::shfl(acc, off, 32));
    if (lane == 0) part[warp] = acc;
    __syncthreads();
    if (warp == 0) {
      acc = lane < kWarps ? part[lane] : R::identity();
      for (int off = 16; off > 0; off >>= 1) acc = R::combine(acc, R::shfl(acc, off, 32));
      if (lane == 0) sink.put(r, c, acc);
    }
    __syncthreads();
  }
}

// pydl-emulate-end: reduce

// ============================================================================================ launchers

template <typename R, typename In>
void reduce_rows(const char* name, const Tensor& out, const Tensor& in, int64_t rows, int64_t cols, bool index) {
  using V = typename R::V;
  Launch L(in);
  const In* x = in.data<In>();
  if (cols <= kGroupCols) {
    const int G = row_group_width(cols);
    Sink<R> sink{out.raw_data(), nullptr, 1, index};
    reduce_groups<R><<<L.blocks(rows * G, kThreads), kThreads, 0, L.stream>>>(ElemSource<In, R>{x, cols}, sink, rows, cols, G);
    check_launch(name);
    return;
  }
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
  const unsigned grid_y = static_cast<unsigned>(std::min<int64_t>(rows, 65535));
  PYDL_CHECK(chunks < (int64_t(1) << 31), ValueError, name, ": row of ", cols, " elements is too long");
  if (chunks == 1) {
    Sink<R> sink{out.raw_data(), nullptr, 1, index};
    reduce_blocks<R><<<dim3(1, grid_y), kThreads, 0, L.stream>>>(ElemSource<In, R>{x, cols}, sink, rows, cols);
    check_launch(name);
    return;
  }
  Workspace partial(static_cast<size_t>(rows * chunks) * sizeof(V), L.device);
  Sink<R> first{nullptr, partial.as<V>(), chunks, index};
  reduce_blocks<R><<<dim3(static_cast<unsigned>(chunks), grid_y), kThreads, 0, L.stream>>>(ElemSource<In, R>{x, cols}, first,
                                                                                          rows, cols);
  check_launch(name);
  const int G = row_group_width(chunks);
  Sink<R> final_sink{out.raw_data(), nullptr, 1, index};
  reduce_groups<R><<<L.blocks(rows * G, kThreads), kThreads, 0, L.stream>>>(PartialSource<R>{partial.as<V>(), chunks},
                                                                            final_sink, rows, chunks, G);
  check_launch(name);
}

void reduce(const Tensor& out, const Tensor& in, ReduceOp op, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  PYDL_CHECK(cols > 0, ValueError, "reduce: empty rows have no identity");
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case ReduceOp::Sum: {
        using Acc = typename std::conditional<std::is_floating_point<T>::value, T, int64_t>::type;
        PYDL_CHECK(out.dtype() == dtype_of<Acc>::value, NotImplementedError, "sum of ", dtype_name(in.dtype()),
                   " into ", dtype_name(out.dtype()), " has no CUDA kernel (expected ", dtype_name(dtype_of<Acc>::value), ")");
        reduce_rows<SumR<T, Acc>, T>("sum", out, in, rows, cols, false);
        break;
      }
      case ReduceOp::Max: reduce_rows<ArgR<T, true>, T>("max", out, in, rows, cols, false); break;
      case ReduceOp::Min: reduce_rows<ArgR<T, false>, T>("min", out, in, rows, cols, false); break;
      case ReduceOp::ArgMax: reduce_rows<ArgR<T, true>, T>("argmax", out, in, rows, cols, true); break;
      default: reduce_rows<ArgR<T, false>, T>("argmin", out, in, rows, cols, true); break;
    }
  });
}

}  // namespace

void register_reduce(KernelTable& t) {
  t.reduce = reduce;
}

}  // namespace cuda
}  // namespace pydl

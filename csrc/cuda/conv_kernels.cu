// CUDA convolution over contiguous NHWC data with HWIO kernels, the CPU semantics of csrc/cpu/conv.cpp: im2col into a
// bounded workspace plus the backend's GEMM (the kernel seen as a (K = kh*kw*c, oc) matrix, M = n*oh*ow output
// rows). Forward: y = cols w per chunk of rows, then bias and relu. Backward-weight: dw = sum over chunks of
// cols^T dy (beta = 1 after the first chunk; the GEMM splits that long reduction itself), db by a two-pass column
// sum of dy in fixed chunks. Backward-data: dcols = dy w^T per chunk of whole images, then col2im as a gather per
// input element (no atomics: deterministic). 1x1 stride-1 layers use the input / gradient in place of cols.
// im2col and col2im move whole 16-byte vectors of channels when the channel count allows.
#include <algorithm>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {
// pydl-emulate-begin: conv  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)

constexpr int kThreads = 256;
constexpr int64_t kWorkElems = int64_t(1) << 24;  // im2col workspace: 64 MiB of float32 (128 MiB of float64)
constexpr int64_t kBiasChunk = 1024;             // rows of dy one block sums for the bias gradient

// Device copy of the geometry (plain values, passed by value).
struct Geo {
  int64_t n, h, w, c, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl;
};
Geo to_geo(const WindowGeometry& g) {
  return Geo{g.n, g.h, g.w, g.c, g.oh, g.ow, g.oc, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pad_top, g.pad_left};
}

// ============================================================================================ kernels

// V consecutive channels, moved as one access (V * sizeof(T) = 16 bytes when the channel count allows).
template <typename T, int V> struct alignas(sizeof(T) * V) Lanes { T v[V]; };

// cols (rows, K) = the windows of output rows [r0, r0 + rows) of M; taps outside the input are zeros. One item is
// V channels of one tap of one row (V divides c; the index arithmetic is paid once per V elements).
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) im2col_kernel(T* cols, const T* x, Geo g, int64_t r0, int64_t rows) {
  const int64_t cv = g.c / V, taps = g.kh * g.kw, per_row = taps * cv, K = taps * g.c, total = rows * per_row;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int64_t rl = e / per_row, rem = e - rl * per_row, tap = rem / cv, c = (rem - tap * cv) * V;
    const int64_t r = r0 + rl;
    const int64_t ow = r % g.ow, t = r / g.ow, oh = t % g.oh, n = t / g.oh;
    const int64_t j = tap % g.kw, i = tap / g.kw;
    const int64_t ih = oh * g.sh - g.pt + i * g.dh, iw = ow * g.sw - g.pl + j * g.dw;
    Lanes<T, V> v;
    if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) {
      v = *reinterpret_cast<const Lanes<T, V>*>(x + ((n * g.h + ih) * g.w + iw) * g.c + c);
    } else {
#pragma unroll
      for (int l = 0; l < V; ++l) v.v[l] = T(0);
    }
    *reinterpret_cast<Lanes<T, V>*>(cols + rl * K + tap * g.c + c) = v;
  }
}

// dx of images [n0, n0 + nimg) = col2im(cols) as a gather: each input element sums, in a fixed tap order, the
// cols entries of the windows that read it. cols holds the rows of those images only (row 0 = image n0's first).
// One item is V channels of one input pixel.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) col2im_gather_kernel(T* dx, const T* cols, Geo g, int64_t n0,
                                                                   int64_t nimg) {
  const int64_t cv = g.c / V, K = g.kh * g.kw * g.c, total = nimg * g.h * g.w * cv;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int64_t pix = e / cv, c = (e - pix * cv) * V;
    const int64_t iw = pix % g.w, t1 = pix / g.w, ih = t1 % g.h, nl = t1 / g.h;
    Lanes<T, V> acc;
#pragma unroll
    for (int l = 0; l < V; ++l) acc.v[l] = T(0);
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t th = ih + g.pt - i * g.dh;
      if (th < 0 || th % g.sh != 0) continue;
      const int64_t oh = th / g.sh;
      if (oh >= g.oh) continue;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t tw = iw + g.pl - j * g.dw;
        if (tw < 0 || tw % g.sw != 0) continue;
        const int64_t ow = tw / g.sw;
        if (ow >= g.ow) continue;
        const auto v = *reinterpret_cast<const Lanes<T, V>*>(cols + ((nl * g.oh + oh) * g.ow + ow) * K +
                                                             (i * g.kw + j) * g.c + c);
#pragma unroll
        for (int l = 0; l < V; ++l) acc.v[l] += v.v[l];
      }
    }
    *reinterpret_cast<Lanes<T, V>*>(dx + (n0 * g.h * g.w + pix) * g.c + c) = acc;
  }
}

// y (rows, oc) += b per column, then relu (NaN stays NaN, like the CPU's `y < 0 ? 0 : y`).
template <typename T>
__global__ void __launch_bounds__(kThreads) bias_act_kernel(T* y, const T* b, int64_t total, int64_t oc, bool relu) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    T v = y[e];
    if (b) v += b[e % oc];
    if (relu) v = v < T(0) ? T(0) : v;
    y[e] = v;
  }
}

// Bias gradient, pass 1: partial[chunk, o] = sum of dy[r, o] over the kBiasChunk rows of `chunk`. Block (32, 8):
// x runs over 32 columns, y over rows (strided); the 8 row sums are added in a fixed order.
template <typename T>
__global__ void bias_grad_partial_kernel(T* partial, const T* dy, int64_t rows, int64_t oc) {
  __shared__ T sh[8][32];
  const int64_t o = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t chunk = blockIdx.y, r0 = chunk * kBiasChunk, r1 = min(rows, r0 + kBiasChunk);
  T s = T(0);
  if (o < oc)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) s += dy[r * oc + o];
  sh[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && o < oc) {
    T t = sh[0][threadIdx.x];
#pragma unroll
    for (int k = 1; k < 8; ++k) t += sh[k][threadIdx.x];
    partial[chunk * oc + o] = t;
  }
}

// Pass 2: db[o] = sum over chunks of partial[chunk, o], in chunk order.
template <typename T>
__global__ void __launch_bounds__(kThreads) bias_grad_final_kernel(T* db, const T* partial, int64_t chunks,
                                                                    int64_t oc) {
  const int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (o >= oc) return;
  T s = T(0);
  for (int64_t k = 0; k < chunks; ++k) s += partial[k * oc + o];
  db[o] = s;
}

// pydl-emulate-end: conv

// ============================================================================================ launchers

// Channels per im2col / col2im item: a 16-byte vector when c and both base pointers allow it, else one.
template <typename T> constexpr int kLanes = 16 / sizeof(T);
template <typename T> bool lanes_ok(int64_t c, const void* p, const void* q) {
  return c % kLanes<T> == 0 && reinterpret_cast<uintptr_t>(p) % 16 == 0 && reinterpret_cast<uintptr_t>(q) % 16 == 0;
}

template <typename T>
void launch_im2col(const Launch& L, T* cols, const T* x, const Geo& geo, int64_t r0, int64_t rows, const char* what) {
  const int64_t items = rows * geo.kh * geo.kw * geo.c;
  if (lanes_ok<T>(geo.c, cols, x))
    im2col_kernel<T, kLanes<T>><<<L.blocks(items / kLanes<T>, kThreads), kThreads, 0, L.stream>>>(cols, x, geo, r0, rows);
  else
    im2col_kernel<T, 1><<<L.blocks(items, kThreads), kThreads, 0, L.stream>>>(cols, x, geo, r0, rows);
  check_launch(what);
}

bool is_pointwise(const WindowGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 && g.pad_left == 0 && g.oh == g.h &&
         g.ow == g.w;
}

// The backend's GEMM (gemm_kernels.cu), row-major: C (m, n) = op(A) op(B) (+ beta C). Runs on the current device.
// Taken from the table at registration (register_gemm runs first), not looked up through kernel_table(): that would
// re-enter the table's initialisation if a kernel ever ran during it.
decltype(KernelTable::gemm) g_gemm = nullptr;

void call_gemm(DType dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda, const void* b,
               int64_t ldb, double beta, void* c, int64_t ldc) {
  auto fn = g_gemm;
  PYDL_CHECK(fn != nullptr, NotImplementedError, "conv2d: the CUDA GEMM is not registered");
  fn(dt, ta, tb, m, n, k, 1.0, static_cast<const char*>(a), lda, 0, static_cast<const char*>(b), ldb, 0, beta,
     static_cast<char*>(c), ldc, 0, 1);
}

// Rows of M per im2col chunk: the workspace holds at most kWorkElems (at least one row).
int64_t chunk_rows(int64_t K) { return std::max<int64_t>(1, kWorkElems / std::max<int64_t>(K, 1)); }

template <typename T>
void conv2d_typed(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g,
                  bool relu) {
  const int64_t M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, O = g.oc;
  if (M == 0 || O == 0) return;
  Launch L(y);
  const DType dt = y.dtype();
  T* yp = y.data<T>();
  const T* xp = x.data<T>();
  const T* wp = w.data<T>();
  if (is_pointwise(g)) {
    call_gemm(dt, false, false, M, O, K, xp, K, wp, O, 0.0, yp, O);
  } else {
    const int64_t R = std::min(chunk_rows(K), M);
    Workspace ws(static_cast<size_t>(R * K) * sizeof(T), L.device);
    const Geo geo = to_geo(g);
    for (int64_t r0 = 0; r0 < M; r0 += R) {
      const int64_t rows = std::min(R, M - r0);
      launch_im2col<T>(L, ws.as<T>(), xp, geo, r0, rows, "conv2d (im2col)");
      call_gemm(dt, false, false, rows, O, K, ws.as<T>(), K, wp, O, 0.0, yp + r0 * O, O);
    }
  }
  const T* bp = b.defined() ? b.data<T>() : nullptr;
  if (bp || relu) {
    bias_act_kernel<T><<<L.blocks(M * O, kThreads), kThreads, 0, L.stream>>>(yp, bp, M * O, O, relu);
    check_launch("conv2d (bias/relu)");
  }
}

template <typename T>
void backward_data_typed(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g) {
  const int64_t K = g.kh * g.kw * g.c, O = g.oc, P = g.oh * g.ow, HWC = g.h * g.w * g.c;
  if (g.n * HWC == 0) return;
  Launch L(dx);
  const DType dt = dx.dtype();
  T* dxp = dx.data<T>();
  const T* dyp = dy.data<T>();
  const T* wp = w.data<T>();
  if (is_pointwise(g)) {
    call_gemm(dt, false, true, g.n * P, K, O, dyp, O, wp, O, 0.0, dxp, K);
    return;
  }
  if (P == 0 || O == 0) {  // no window reads the input: the gradient is zero
    check(cudaMemsetAsync(dxp, 0, static_cast<size_t>(g.n * HWC) * sizeof(T), L.stream), "conv2d backward (data)");
    return;
  }
  // Whole images per chunk, so each chunk's gather sees every window of its images. One image larger than the
  // workspace bound still goes in one chunk (the bound is a target, not a limit).
  const int64_t per_img = P * K;
  const int64_t nb = std::min(g.n, std::max<int64_t>(1, kWorkElems / std::max<int64_t>(per_img, 1)));
  Workspace ws(static_cast<size_t>(nb * per_img) * sizeof(T), L.device);
  const Geo geo = to_geo(g);
  for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
    const int64_t ni = std::min(nb, g.n - n0);
    call_gemm(dt, false, true, ni * P, K, O, dyp + n0 * P * O, O, wp, O, 0.0, ws.as<T>(), K);
    if (lanes_ok<T>(g.c, dxp, ws.as<T>()))
      col2im_gather_kernel<T, kLanes<T>><<<L.blocks(ni * HWC / kLanes<T>, kThreads), kThreads, 0, L.stream>>>(
          dxp, ws.as<T>(), geo, n0, ni);
    else
      col2im_gather_kernel<T, 1><<<L.blocks(ni * HWC, kThreads), kThreads, 0, L.stream>>>(dxp, ws.as<T>(), geo, n0, ni);
    check_launch("conv2d backward (col2im)");
  }
}

template <typename T>
void backward_weight_typed(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                           const WindowGeometry& g) {
  const int64_t M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, O = g.oc;
  Launch L(dw);
  const DType dt = dw.dtype();
  T* dwp = dw.data<T>();
  const T* xp = x.data<T>();
  const T* dyp = dy.data<T>();
  if (K * O > 0) {
    if (M == 0) {
      check(cudaMemsetAsync(dwp, 0, static_cast<size_t>(K * O) * sizeof(T), L.stream), "conv2d backward (weight)");
    } else if (is_pointwise(g)) {
      call_gemm(dt, true, false, K, O, M, xp, K, dyp, O, 0.0, dwp, O);
    } else {
      const int64_t R = std::min(chunk_rows(K), M);
      Workspace ws(static_cast<size_t>(R * K) * sizeof(T), L.device);
      const Geo geo = to_geo(g);
      for (int64_t r0 = 0; r0 < M; r0 += R) {
        const int64_t rows = std::min(R, M - r0);
        launch_im2col<T>(L, ws.as<T>(), xp, geo, r0, rows, "conv2d backward (im2col)");
        call_gemm(dt, true, false, K, O, rows, ws.as<T>(), K, dyp + r0 * O, O, r0 > 0 ? 1.0 : 0.0, dwp, O);
      }
    }
  }
  if (db.defined() && O > 0) {
    T* dbp = db.data<T>();
    if (M == 0) {
      check(cudaMemsetAsync(dbp, 0, static_cast<size_t>(O) * sizeof(T), L.stream), "conv2d backward (bias)");
      return;
    }
    const int64_t chunks = (M + kBiasChunk - 1) / kBiasChunk;
    PYDL_CHECK(chunks < 65536, ValueError, "conv2d backward: ", M, " output pixels are too many for the CUDA bias "
               "gradient");
    Workspace part(static_cast<size_t>(chunks * O) * sizeof(T), L.device);
    dim3 grid(static_cast<unsigned>((O + 31) / 32), static_cast<unsigned>(chunks));
    bias_grad_partial_kernel<T><<<grid, dim3(32, 8), 0, L.stream>>>(part.as<T>(), dyp, M, O);
    check_launch("conv2d backward (bias)");
    bias_grad_final_kernel<T><<<static_cast<unsigned>((O + kThreads - 1) / kThreads), kThreads, 0, L.stream>>>(
        dbp, part.as<T>(), chunks, O);
    check_launch("conv2d backward (bias)");
  }
}

void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g,
            UnaryOp act) {
  const bool relu = act == UnaryOp::Relu;
  if (y.dtype() == DType::Float64) conv2d_typed<double>(y, x, w, b, g, relu);
  else if (y.dtype() == DType::Float32) conv2d_typed<float>(y, x, w, b, g, relu);
  else throw DTypeError(str_cat("conv2d: CUDA kernels need float32 or float64, got ", dtype_name(y.dtype())));
}

void conv2d_backward_data(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g) {
  if (dx.dtype() == DType::Float64) backward_data_typed<double>(dx, dy, w, g);
  else if (dx.dtype() == DType::Float32) backward_data_typed<float>(dx, dy, w, g);
  else throw DTypeError(str_cat("conv2d backward: CUDA kernels need float32 or float64, got ", dtype_name(dx.dtype())));
}

void conv2d_backward_weight(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                            const WindowGeometry& g) {
  if (dw.dtype() == DType::Float64) backward_weight_typed<double>(dw, db, x, dy, g);
  else if (dw.dtype() == DType::Float32) backward_weight_typed<float>(dw, db, x, dy, g);
  else throw DTypeError(str_cat("conv2d backward: CUDA kernels need float32 or float64, got ", dtype_name(dw.dtype())));
}

}  // namespace

void register_conv(KernelTable& t) {
  if (!t.gemm) return;  // im2col + GEMM needs the GEMM: leave conv unregistered (NotImplementedError) without it
  g_gemm = t.gemm;
  t.conv2d = conv2d;
  t.conv2d_backward_data = conv2d_backward_data;
  t.conv2d_backward_weight = conv2d_backward_weight;
}

}  // namespace cuda
}  // namespace pydl

// CUDA GEMM: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b], row-major, fp32 and fp64 on the CUDA cores (plain
// FMA, fp32 accumulation: no TF32, so results match the CPU's fp32 GEMM to rounding). With the user's opt-in
// (pydl.cuda.set_tf32) fp32 products go to the tensor-core kernel of gemm_tf32_kernels.cu instead.
//
// Classic shared-memory tiling with register blocking: a block computes a BM x BN tile of C, stepping through K in
// slices of BK. Each slice of A and B is read from global memory with 16-byte vector loads into registers while
// the previous slice is being multiplied (register prefetch), then stored into the other half of a double-buffered
// shared-memory tile, so one __syncthreads per slice suffices. Both tiles are stored k-major (As[k][m], Bs[k][n]):
// A without transpose and B with transpose are transposed on the way in (padded rows keep those stores free of
// bank conflicts). Each thread owns a TM x TN micro-tile split in 2 x 2 sub-tiles half a block tile apart, so its
// fragment reads are vector loads that a warp's lanes share as broadcasts. Lanes of a warp cover 4 x 8 threads of
// the thread grid, which keeps every shared-memory read within one or two wavefronts.
// Accumulation along K is sequential per output (split-K, for few tiles and a long K, adds its parts in a fixed
// order): results are deterministic.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include "core/cuda_runtime.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

// pydl-emulate-begin: gemm  (tests/cuda/test_emulated_kernels.py compiles this section on the CPU)
template <typename T> struct GemmParams {
  int64_t m, n, k, batch;
  const T* a; int64_t lda, sa;
  const T* b; int64_t ldb, sb;
  T* c; int64_t ldc, sc;
  T alpha, beta;
  bool beta_zero;           // then C is never read
  bool vec_a, vec_b, vec_c;  // 16-byte (A, B) and micro-row (C) vector access is legal
};

template <typename T, int N> struct alignas(sizeof(T) * N) VecN { T v[N]; };

// ============================================================================================ kernels

// Loads one operand's BK-deep slice per step. In global memory the slice is R rows x C contiguous columns of a
// row-major matrix; K runs along the columns (K_IS_COL) or along the rows. Each thread owns PER 16-byte vectors of
// it: their addresses and how many of their elements lie inside the matrix along the M/N dimension are fixed, so
// only the K bound is checked per step. Stores go to shared memory as is (smem[row][col]) or transposed
// (smem[col][row]), with shared row length LD.
template <typename T, int R, int C, int THREADS, bool K_IS_COL, bool TRANSPOSE, int LD> struct TileLoader {
  static constexpr int VW = 16 / sizeof(T);
  static constexpr int VPR = C / VW;
  static constexpr int TOTAL = R * VPR;
  static constexpr int PER = (TOTAL + THREADS - 1) / THREADS;
  static_assert(C % VW == 0, "tile columns must be whole vectors");
  const T* ptr[PER];
  int fixed_ok[PER];  // elements of the vector inside the matrix along M/N (0..VW)
  VecN<T, VW> reg[PER];  // the vector type keeps the registers 16-byte aligned for whole-vector moves

  static __device__ __forceinline__ bool active(int p) {
    return TOTAL % THREADS == 0 || static_cast<int>(threadIdx.x) + p * THREADS < TOTAL;
  }
  static __device__ __forceinline__ int row_of(int p) { return (threadIdx.x + p * THREADS) / VPR; }
  static __device__ __forceinline__ int col_of(int p) { return ((threadIdx.x + p * THREADS) % VPR) * VW; }

  // base: the slice at k = 0; mn_left: rows (K_IS_COL) or columns that exist along M/N.
  __device__ __forceinline__ void init(const T* base, int64_t ld, int64_t mn_left) {
#pragma unroll
    for (int p = 0; p < PER; ++p) {
      const int row = row_of(p), col = col_of(p);
      ptr[p] = base + row * ld + col;
      const int64_t v = K_IS_COL ? (row < mn_left ? VW : 0) : mn_left - col;
      fixed_ok[p] = static_cast<int>(v < 0 ? 0 : (v > VW ? VW : v));
    }
  }

  // Reads the slice whose first K index is k_left elements from the end of K; zeros outside the matrix.
  __device__ __forceinline__ void load(int k_left, bool vec) {
#pragma unroll
    for (int p = 0; p < PER; ++p) {
      if (!active(p)) break;
      int ok = fixed_ok[p];
      if (K_IS_COL) { const int kk = k_left - col_of(p); ok = kk < ok ? (kk < 0 ? 0 : kk) : ok; }
      else if (row_of(p) >= k_left) ok = 0;
      if (vec && ok == VW) {
        reg[p] = *reinterpret_cast<const VecN<T, VW>*>(ptr[p]);
      } else {
#pragma unroll
        for (int e = 0; e < VW; ++e) reg[p].v[e] = e < ok ? ptr[p][e] : T(0);
      }
    }
  }

  __device__ __forceinline__ void advance(int64_t step) {
#pragma unroll
    for (int p = 0; p < PER; ++p) ptr[p] += step;
  }

  __device__ __forceinline__ void store(T* smem) const {
#pragma unroll
    for (int p = 0; p < PER; ++p) {
      if (!active(p)) break;
      const int row = row_of(p), col = col_of(p);
      if (TRANSPOSE) {
#pragma unroll
        for (int e = 0; e < VW; ++e) smem[(col + e) * LD + row] = reg[p].v[e];
      } else {
        *reinterpret_cast<VecN<T, VW>*>(smem + row * LD + col) = reg[p];
      }
    }
  }
};

template <typename T, int BM, int BN, int BK, int TM, int TN, int MINB, bool TA, bool TB>
__global__ void __launch_bounds__((BM / TM) * (BN / TN), MINB) gemm_kernel(GemmParams<T> p) {
  constexpr int TY = BM / TM, TX = BN / TN, THREADS = TX * TY;
  constexpr int PAD = 16 / sizeof(T);  // keeps rows 16-byte aligned and transposed stores conflict-free
  constexpr int LDA = BM + PAD, LDB = BN + PAD;
  constexpr int HM = TM / 2, HN = TN / 2;  // sub-tile sizes
  static_assert(TX % 8 == 0 && TY % 4 == 0, "a warp covers 4 x 8 threads of the thread grid");

  __shared__ __align__(16) T As[2][BK * LDA];
  __shared__ __align__(16) T Bs[2][BK * LDB];

  // A: non-transposed storage is m x k (contiguous along k): load BM x BK and transpose into As[k][m].
  //    transposed storage is k x m: load BK x BM as is. Same for B with roles of k and n swapped.
  using LoadA = TileLoader<T, TA ? BK : BM, TA ? BM : BK, THREADS, !TA, !TA, LDA>;
  using LoadB = TileLoader<T, TB ? BN : BK, TB ? BK : BN, THREADS, TB, TB, LDB>;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  constexpr int WX = TX / 8;
  const int ty = (warp / WX) * 4 + lane / 8;
  const int tx = (warp % WX) * 8 + lane % 8;

  const int ktiles = static_cast<int>((p.k + BK - 1) / BK);
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BN, m0 = static_cast<int64_t>(blockIdx.y) * BM;
  const int64_t bz = blockIdx.z;
  const int k_total = static_cast<int>(p.k);
  // Per step the slice moves BK along K: BK columns, or BK rows of the operand's storage.
  const int64_t step_a = TA ? BK * p.lda : BK, step_b = TB ? BK : BK * p.ldb;
  LoadA la;
  LoadB lb;
  la.init(p.a + bz * p.sa + (TA ? m0 : m0 * p.lda), p.lda, p.m - m0);
  lb.init(p.b + bz * p.sb + (TB ? n0 * p.ldb : n0), p.ldb, p.n - n0);

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  if (ktiles > 0) {
    la.load(k_total, p.vec_a);
    lb.load(k_total, p.vec_b);
    la.store(As[0]);
    lb.store(Bs[0]);
    __syncthreads();
  }
  for (int t = 0; t < ktiles; ++t) {
    const int cur = t & 1;
    if (t + 1 < ktiles) {  // the next slice is in flight while we multiply this one
      la.advance(step_a);
      lb.advance(step_b);
      la.load(k_total - (t + 1) * BK, p.vec_a);
      lb.load(k_total - (t + 1) * BK, p.vec_b);
    }
    const T* as = As[cur];
    const T* bs = Bs[cur];
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T af[TM], bf[TN];
#pragma unroll
      for (int g = 0; g < 2; ++g) {
        const auto va = *reinterpret_cast<const VecN<T, HM>*>(as + kk * LDA + g * (BM / 2) + ty * HM);
        const auto vb = *reinterpret_cast<const VecN<T, HN>*>(bs + kk * LDB + g * (BN / 2) + tx * HN);
#pragma unroll
        for (int e = 0; e < HM; ++e) af[g * HM + e] = va.v[e];
#pragma unroll
        for (int e = 0; e < HN; ++e) bf[g * HN + e] = vb.v[e];
      }
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] += af[i] * bf[j];
    }
    if (t + 1 < ktiles) {
      la.store(As[cur ^ 1]);
      lb.store(Bs[cur ^ 1]);
    }
    __syncthreads();
  }

  // Epilogue: alpha * acc (+ beta * C), micro-rows written as vectors when C's layout allows.
  T* c = p.c + bz * p.sc;
#pragma unroll
  for (int g = 0; g < 2; ++g)
#pragma unroll
    for (int i = 0; i < HM; ++i) {
      const int64_t row = m0 + g * (BM / 2) + ty * HM + i;
      if (row >= p.m) continue;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int64_t col = n0 + h * (BN / 2) + tx * HN;
        T* dst = c + row * p.ldc + col;
        const T* src = &acc[g * HM + i][h * HN];
        if (p.vec_c && col + HN <= p.n) {
          VecN<T, HN> out;
          if (!p.beta_zero) out = *reinterpret_cast<const VecN<T, HN>*>(dst);
#pragma unroll
          for (int e = 0; e < HN; ++e) out.v[e] = p.beta_zero ? p.alpha * src[e] : p.alpha * src[e] + p.beta * out.v[e];
          *reinterpret_cast<VecN<T, HN>*>(dst) = out;
        } else {
#pragma unroll
          for (int e = 0; e < HN; ++e)
            if (col + e < p.n) dst[e] = p.beta_zero ? p.alpha * src[e] : p.alpha * src[e] + p.beta * dst[e];
        }
      }
    }
}

// Split-K epilogue: C = alpha * (part[0] + part[1] + ... in split order) + beta * C, for C (m x n) with row stride
// ldc; part holds `splits` contiguous m x n partial products.
template <typename T>
__global__ void __launch_bounds__(256) gemm_sum_splits_kernel(T* c, int64_t ldc, const T* part, int64_t splits,
                                                               int64_t m, int64_t n, T alpha, T beta, bool beta_zero) {
  const int64_t total = m * n, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    T acc = part[e];
    for (int64_t s = 1; s < splits; ++s) acc += part[s * total + e];
    const int64_t row = e / n;
    T* dst = c + row * ldc + (e - row * n);
    *dst = beta_zero ? alpha * acc : alpha * acc + beta * *dst;
  }
}

// pydl-emulate-end: gemm

// ============================================================================================ launchers

bool aligned(const void* ptr, int64_t ld, int64_t batch_stride, int elems, size_t esize) {
  return reinterpret_cast<uintptr_t>(ptr) % (elems * esize) == 0 && ld % elems == 0 && batch_stride % elems == 0;
}

template <typename T, int BM, int BN, int BK, int TM, int TN, int MINB>
void launch_tile(GemmParams<T> p, bool ta, bool tb, cudaStream_t s) {
  constexpr int THREADS = (BM / TM) * (BN / TN);
  p.vec_a = aligned(p.a, p.lda, p.sa, 16 / sizeof(T), sizeof(T));
  p.vec_b = aligned(p.b, p.ldb, p.sb, 16 / sizeof(T), sizeof(T));
  p.vec_c = aligned(p.c, p.ldc, p.sc, TN / 2, sizeof(T));
  const int64_t ntiles = (p.n + BN - 1) / BN;
  PYDL_CHECK(ntiles < (int64_t(1) << 31), ValueError, "matmul: n = ", p.n, " is too large for the CUDA GEMM");
  // One block per tile; grids past the 65535 limit of y (M tiles) and z (batch) are split into several launches.
  constexpr int64_t kMaxY = int64_t(65535) * BM, kMaxZ = 65535;
  for (int64_t b0 = 0; b0 < p.batch; b0 += kMaxZ) {
    for (int64_t m0 = 0; m0 < p.m; m0 += kMaxY) {
      GemmParams<T> q = p;
      q.batch = std::min(kMaxZ, p.batch - b0);
      q.m = std::min(kMaxY, p.m - m0);
      q.a = p.a + b0 * p.sa + (ta ? m0 : m0 * p.lda);
      q.b = p.b + b0 * p.sb;
      q.c = p.c + b0 * p.sc + m0 * p.ldc;
      dim3 grid(static_cast<unsigned>(ntiles), static_cast<unsigned>((q.m + BM - 1) / BM), static_cast<unsigned>(q.batch));
      if (!ta && !tb) gemm_kernel<T, BM, BN, BK, TM, TN, MINB, false, false><<<grid, THREADS, 0, s>>>(q);
      else if (!ta && tb) gemm_kernel<T, BM, BN, BK, TM, TN, MINB, false, true><<<grid, THREADS, 0, s>>>(q);
      else if (ta && !tb) gemm_kernel<T, BM, BN, BK, TM, TN, MINB, true, false><<<grid, THREADS, 0, s>>>(q);
      else gemm_kernel<T, BM, BN, BK, TM, TN, MINB, true, true><<<grid, THREADS, 0, s>>>(q);
    }
  }
}

// Tile shapes, largest first: 'L' 128x128 (8x8 per thread, 256 threads), 'W' 128x64 (8x8, 128 threads),
// 'M' 64x64 (4x4, 256 threads), 'S' 32x32 (2x2, 256 threads). The largest tile that still gives every SM work
// wins: big tiles reuse each loaded element more, small ones keep the GPU busy on small problems.
// PYDL_CUDA_GEMM_TILE=L|W|M|S forces one (for benchmarking).
char pick_tile(int64_t m, int64_t n, int64_t batch, int sms, bool fp64) {
  static const char forced = [] {
    const char* e = std::getenv("PYDL_CUDA_GEMM_TILE");
    return e && e[0] && std::strchr("LWMS", e[0]) ? e[0] : '\0';
  }();
  auto tiles = [&](int64_t bm, int64_t bn) { return ((m + bm - 1) / bm) * ((n + bn - 1) / bn) * batch; };
  if (forced) return fp64 && (forced == 'L' || forced == 'W') ? 'M' : forced;
  if (!fp64 && tiles(128, 128) >= sms) return 'L';
  if (!fp64 && tiles(128, 64) >= sms * 3 / 4) return 'W';
  if (tiles(64, 64) >= sms / 2) return 'M';
  return 'S';
}

// Launches p with the tile pick_tile chooses for its shape, or on the TF32 tensor cores when tf32 (fp32 only).
template <typename T>
void run_tiles(const GemmParams<T>& p, bool ta, bool tb, cudaStream_t s, int sms, bool tf32) {
  if constexpr (sizeof(T) == 4) {
    if (tf32) {
      gemm_tf32(ta, tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.sa, p.b, p.ldb, p.sb, p.beta, p.c, p.ldc, p.sc, p.batch, s);
      return;
    }
  }
  const bool fp64 = sizeof(T) == 8;
  const char tile = pick_tile(p.m, p.n, p.batch, sms, fp64);
  if constexpr (sizeof(T) == 4) {
    if (tile == 'L') launch_tile<T, 128, 128, 8, 8, 8, 2>(p, ta, tb, s);
    else if (tile == 'W') launch_tile<T, 128, 64, 8, 8, 8, 4>(p, ta, tb, s);
  }
  if (tile == 'M' || (fp64 && (tile == 'L' || tile == 'W'))) launch_tile<T, 64, 64, 8, 4, 4, 2>(p, ta, tb, s);
  else if (tile == 'S') launch_tile<T, 32, 32, 8, 2, 2, 1>(p, ta, tb, s);
}

// Split-K. A product with few output tiles but a long K (a dense layer after a flattened conv; a weight gradient
// summed over every pixel of a batch) would give one block per tile and leave most SMs idle. Then K is cut into S
// parts of q elements (q a multiple of 32, so the parts' vector loads stay aligned), run as one batched GEMM into S
// partial products (K left over is added into the last part), and summed in split order with alpha and beta.
// S depends only on the shapes and the SM count, so results are deterministic on a given GPU.
constexpr int64_t kSplitMinK = 256, kMaxSplits = 32;

int64_t pick_splits(int64_t m, int64_t n, int64_t k, int64_t batch, int sms) {
  const int64_t tiles = ((m + 63) / 64) * ((n + 63) / 64);
  if (batch != 1 || tiles * 2 > sms) return 1;
  return std::min<int64_t>({kMaxSplits, k / kSplitMinK, (2 * int64_t(sms) + tiles - 1) / tiles});
}

template <typename T>
void run_split_k(const GemmParams<T>& p, bool ta, bool tb, int64_t splits, int device, cudaStream_t s, int sms,
                 bool tf32) {
  const int64_t q = p.k / splits / 32 * 32, rest = p.k - splits * q, mn = p.m * p.n;
  Workspace ws(static_cast<size_t>(splits * mn) * sizeof(T), device);
  GemmParams<T> parts = p;
  parts.k = q;
  parts.batch = splits;
  parts.sa = ta ? q * p.lda : q;
  parts.sb = tb ? q : q * p.ldb;
  parts.c = ws.as<T>(); parts.ldc = p.n; parts.sc = mn;
  parts.alpha = T(1); parts.beta = T(0); parts.beta_zero = true;
  run_tiles(parts, ta, tb, s, sms, tf32);
  if (rest > 0) {
    GemmParams<T> last = parts;
    last.k = rest;
    last.batch = 1;
    last.a = p.a + (ta ? splits * q * p.lda : splits * q);
    last.b = p.b + (tb ? splits * q : splits * q * p.ldb);
    last.c = ws.as<T>() + (splits - 1) * mn;
    last.beta = T(1); last.beta_zero = false;
    run_tiles(last, ta, tb, s, sms, tf32);
  }
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((mn + 255) / 256, int64_t(sms) * 8));
  gemm_sum_splits_kernel<T><<<blocks, 256, 0, s>>>(p.c, p.ldc, ws.as<T>(), splits, p.m, p.n, p.alpha, p.beta,
                                                    p.beta_zero);
}

template <typename T>
void gemm_typed(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const char* a, int64_t lda,
                int64_t sa, const char* b, int64_t ldb, int64_t sb, double beta, char* c, int64_t ldc, int64_t sc,
                int64_t batch, int device) {
  GemmParams<T> p{};
  p.m = m; p.n = n; p.k = k; p.batch = batch;
  p.a = reinterpret_cast<const T*>(a); p.lda = lda; p.sa = sa;
  p.b = reinterpret_cast<const T*>(b); p.ldb = ldb; p.sb = sb;
  p.c = reinterpret_cast<T*>(c); p.ldc = ldc; p.sc = sc;
  p.alpha = static_cast<T>(alpha); p.beta = static_cast<T>(beta); p.beta_zero = beta == 0.0;
  cudaStream_t s = stream_for(device);
  const int sms = sm_count(device);
  const bool tf32 = sizeof(T) == 4 && cuda_runtime::tf32_enabled() && tf32_supported(device);
  const int64_t splits = pick_splits(m, n, k, batch, sms);
  if (splits > 1) run_split_k(p, ta, tb, splits, device, s, sms, tf32);
  else run_tiles(p, ta, tb, s, sms, tf32);
  check_launch(sizeof(T) == 8 ? "matmul (dgemm)" : "matmul (sgemm)");
}

// The KernelTable has no tensors here, only pointers: the device is the current one, which the op layer's
// allocations also used (see the allocator's note in allocator.cu).
void gemm(DType dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const char* a, int64_t lda,
          int64_t sa, const char* b, int64_t ldb, int64_t sb, double beta, char* c, int64_t ldc, int64_t sc,
          int64_t batch) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  PYDL_CHECK(k < (int64_t(1) << 30), ValueError, "matmul: k = ", k, " is too large for the CUDA GEMM");
  int device = 0;
  check(cudaGetDevice(&device), "matmul");
  if (dt == DType::Float64) gemm_typed<double>(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch, device);
  else if (dt == DType::Float32) gemm_typed<float>(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch, device);
  else throw DTypeError(str_cat("matmul: the CUDA GEMM needs float32 or float64, got ", dtype_name(dt)));
}

}  // namespace

void register_gemm(KernelTable& t) { t.gemm = gemm; }

}  // namespace cuda
}  // namespace pydl

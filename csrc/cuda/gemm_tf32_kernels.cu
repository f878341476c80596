// fp32 GEMM on TF32 tensor cores (sm_80+), used only when the user opts in (pydl.cuda.set_tf32(True)): inputs are
// rounded to TF32 (10-bit mantissa) and products accumulate in fp32, so results differ from the fp32 GEMM by about
// 1e-3 relative. Same contract as gemm_kernels.cu: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b], row-major.
//
// A block computes a 128 x 128 tile of C with 8 warps (2 along M x 4 along N), each holding 4 x 2 WMMA
// accumulators of 16 x 16; the epilogue goes through a per-warp 16 x 16 staging tile to apply alpha, beta and the
// bounds. Two kernels feed the tensor cores:
// - the cp.async kernel (rows of A and B 16-byte aligned, the usual case): 16-byte chunks go global -> shared
//   with no register staging, two K stages of 16 in flight, each operand in its own layout (WMMA reads it as row-
//   or column-major);
// - the register-staged kernel (any layout): K slices of 32 read along each operand's contiguous dimension into
//   registers while the previous slice is multiplied, stored k-major (As[k][m] column-major A, Bs[k][n] row-major B).
// PYDL_CUDA_TF32_SIMPLE=1 forces the second (for comparison). No tensor cores on the CPU: no emulation test here;
// tests/cuda/test_cuda_tf32.py checks both kernels on a GPU.
#include <mma.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <type_traits>
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kBM = 128, kBN = 128, kBK = 32, kThreads = 256, kPad = 4;
constexpr int kLda = kBM + kPad, kLdb = kBN + kPad;           // multiples of 4 floats, as WMMA requires
constexpr int kPerThread = kBM * kBK / kThreads;               // elements of each operand a thread stages per slice

struct Tf32Params {
  int64_t m, n, k;
  const float* a; int64_t lda, sa;
  const float* b; int64_t ldb, sb;
  float* c; int64_t ldc, sc;
  float alpha, beta;
  bool beta_zero;
};

// ============================================================================================ kernels

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// The epilogue: each warp's 4 x 2 accumulators go through its own 16 x 16 staging tile in shared memory (so
// alpha, beta and the matrix bounds apply per element) to C[blockIdx.z].
using Acc = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float>;
__device__ __forceinline__ void store_tile(Acc (&acc)[4][2], float* stage, const Tf32Params& p, int64_t m0,
                                           int64_t n0, int wm, int wn, int lane) {
  using namespace nvcuda;
  float* c = p.c + blockIdx.z * p.sc;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int64_t row = m0 + wm * 64 + i * 16 + e / 16, col = n0 + wn * 32 + j * 16 + e % 16;
        if (row < p.m && col < p.n) {
          float* dst = c + row * p.ldc + col;
          *dst = p.beta_zero ? p.alpha * stage[e] : p.alpha * stage[e] + p.beta * *dst;
        }
      }
      __syncwarp();
    }
}

#endif

// Element e (0 .. kBM*kBK) of a slice, walked along the operand's contiguous dimension: its position (mn, kk) in
// the tile. CONTIG_K: storage is (mn x k) row-major, so k is contiguous; else (k x mn), mn contiguous.
template <bool CONTIG_K>
__device__ __forceinline__ void slice_pos(int e, int& mn, int& kk) {
  if (CONTIG_K) { mn = e / kBK; kk = e % kBK; }
  else { kk = e / kBM; mn = e % kBM; }
}

template <bool CONTIG_K>
__device__ __forceinline__ void load_slice(float (&reg)[kPerThread], const float* base, int64_t ld, int64_t mn_left,
                                           int64_t k_left) {
#pragma unroll
  for (int p = 0; p < kPerThread; ++p) {
    int mn, kk;
    slice_pos<CONTIG_K>(threadIdx.x + p * kThreads, mn, kk);
    const bool in = mn < mn_left && kk < k_left;
    reg[p] = in ? (CONTIG_K ? base[mn * ld + kk] : base[kk * ld + mn]) : 0.0f;
  }
}

template <bool CONTIG_K, int LD>
__device__ __forceinline__ void store_slice(float* smem, const float (&reg)[kPerThread]) {
#pragma unroll
  for (int p = 0; p < kPerThread; ++p) {
    int mn, kk;
    slice_pos<CONTIG_K>(threadIdx.x + p * kThreads, mn, kk);
    smem[kk * LD + mn] = nvcuda::wmma::__float_to_tf32(reg[p]);
  }
}

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) gemm_tf32_kernel(Tf32Params p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  __shared__ __align__(32) float As[kBK * kLda];
  __shared__ __align__(32) float Bs[kBK * kLdb];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp / 4, wn = warp % 4;  // the warp's 64 x 32 part of the tile
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM, n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  const float* a = p.a + blockIdx.z * p.sa + (TA ? m0 : m0 * p.lda);
  const float* b = p.b + blockIdx.z * p.sb + (TB ? n0 * p.ldb : n0);
  // A is (m x k) row-major unless TA; B is (k x n) row-major unless TB, i.e. (n x k) with k contiguous.
  constexpr bool kAContigK = !TA, kBContigK = TB;
  const int64_t a_step = TA ? kBK * p.lda : kBK, b_step = TB ? kBK : kBK * p.ldb;

  Acc acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  float ra[kPerThread], rb[kPerThread];
  load_slice<kAContigK>(ra, a, p.lda, p.m - m0, p.k);
  load_slice<kBContigK>(rb, b, p.ldb, p.n - n0, p.k);
  for (int64_t k0 = 0; k0 < p.k; k0 += kBK) {
    store_slice<kAContigK, kLda>(As, ra);
    store_slice<kBContigK, kLdb>(Bs, rb);
    __syncthreads();
    if (k0 + kBK < p.k) {  // the next slice is read while the tensor cores work on this one
      a += a_step;
      b += b_step;
      load_slice<kAContigK>(ra, a, p.lda, p.m - m0, p.k - k0 - kBK);
      load_slice<kBContigK>(rb, b, p.ldb, p.n - n0, p.k - k0 - kBK);
    }
#pragma unroll
    for (int kk = 0; kk < kBK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(fa[i], As + kk * kLda + wm * 64 + i * 16, kLda);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], Bs + kk * kLdb + wn * 32 + j * 16, kLdb);
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }

  store_tile(acc, As + warp * 256, p, m0, n0, wm, wn, lane);  // As is free now
#elif defined(__CUDA_ARCH__)
  __trap();  // no tensor cores in this build's code for this GPU (tf32_supported() keeps us from getting here)
#endif
}

// ---- the fast form: operands copied global -> shared by cp.async (16-byte chunks, no registers, no transpose),
// two stages in flight. Each operand keeps its global layout in shared memory (rows along its contiguous
// dimension) and WMMA reads it as row- or column-major accordingly. Needs 16-byte aligned rows (leading dimensions
// and batch strides multiples of 4, aligned bases); chunks crossing the matrix edge are zero-filled by cp.async.
constexpr int kAK = 16;  // K per stage
// Shared tile of one operand: R rows of C contiguous floats (plus a 4-float skew against bank conflicts).
template <int R, int C> struct SmemTile {
  static constexpr int kLd = C + 4, kFloats = R * kLd, kChunks = R * C / 4;
  static_assert(kChunks % kThreads == 0, "whole chunks per thread");
};

__device__ __forceinline__ void cp_async16(float* dst, const float* src, int bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes));
#endif
}

// Copies the R x C tile at `base` (row stride ld) whose first rows_left rows and cols_left columns exist.
template <int R, int C>
__device__ __forceinline__ void copy_tile(float* smem, const float* base, int64_t ld, int64_t rows_left,
                                          int64_t cols_left) {
  using Tile = SmemTile<R, C>;
#pragma unroll
  for (int q = 0; q < Tile::kChunks / kThreads; ++q) {
    const int id = threadIdx.x + q * kThreads, row = id / (C / 4), col = (id % (C / 4)) * 4;
    const int64_t left = row < rows_left ? cols_left - col : 0;
    const int valid = left <= 0 ? 0 : (left >= 4 ? 4 : static_cast<int>(left));
    cp_async16(smem + row * Tile::kLd + col, valid ? base + row * ld + col : base, valid * 4);
  }
}

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) gemm_tf32_async_kernel(Tf32Params p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  // A: (m x k) storage -> rows of m, K contiguous (row-major fragments); TA: (k x m) -> rows of k (column-major).
  using TileA = SmemTile<TA ? kAK : kBM, TA ? kBM : kAK>;
  using TileB = SmemTile<TB ? kBN : kAK, TB ? kAK : kBN>;
  using LayA = typename std::conditional<TA, wmma::col_major, wmma::row_major>::type;
  using LayB = typename std::conditional<TB, wmma::col_major, wmma::row_major>::type;
  __shared__ __align__(128) float As[2][TileA::kFloats];
  __shared__ __align__(128) float Bs[2][TileB::kFloats];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp / 4, wn = warp % 4;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM, n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  const float* a = p.a + blockIdx.z * p.sa + (TA ? m0 : m0 * p.lda);
  const float* b = p.b + blockIdx.z * p.sb + (TB ? n0 * p.ldb : n0);
  auto load = [&](int stage, int64_t k0) {
    const int64_t kl = p.k - k0;
    if (TA) copy_tile<kAK, kBM>(As[stage], a + k0 * p.lda, p.lda, kl, p.m - m0);
    else copy_tile<kBM, kAK>(As[stage], a + k0, p.lda, p.m - m0, kl);
    if (TB) copy_tile<kBN, kAK>(Bs[stage], b + k0, p.ldb, p.n - n0, kl);
    else copy_tile<kAK, kBN>(Bs[stage], b + k0 * p.ldb, p.ldb, kl, p.n - n0);
    asm volatile("cp.async.commit_group;\n" ::);
  };

  Acc acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  const int64_t ktiles = (p.k + kAK - 1) / kAK;
  if (ktiles > 0) load(0, 0);
  for (int64_t t = 0; t < ktiles; ++t) {
    const int cur = static_cast<int>(t & 1);
    if (t + 1 < ktiles) {  // the next stage streams in while this one is multiplied
      load(cur ^ 1, (t + 1) * kAK);
      asm volatile("cp.async.wait_group 1;\n" ::);
    } else {
      asm volatile("cp.async.wait_group 0;\n" ::);
    }
    __syncthreads();
    const float* as = As[cur];
    const float* bs = Bs[cur];
#pragma unroll
    for (int kk = 0; kk < kAK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, LayA> fa[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, LayB> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int mm = wm * 64 + i * 16;
        wmma::load_matrix_sync(fa[i], TA ? as + kk * TileA::kLd + mm : as + mm * TileA::kLd + kk, TileA::kLd);
#pragma unroll
        for (int e = 0; e < fa[i].num_elements; ++e) fa[i].x[e] = wmma::__float_to_tf32(fa[i].x[e]);
      }
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        const int nn = wn * 32 + j * 16;
        wmma::load_matrix_sync(fb[j], TB ? bs + nn * TileB::kLd + kk : bs + kk * TileB::kLd + nn, TileB::kLd);
#pragma unroll
        for (int e = 0; e < fb[j].num_elements; ++e) fb[j].x[e] = wmma::__float_to_tf32(fb[j].x[e]);
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();  // every warp is done with this stage before it is refilled
  }
  store_tile(acc, As[0] + warp * 256, p, m0, n0, wm, wn, lane);
#elif defined(__CUDA_ARCH__)
  __trap();
#endif
}

// ============================================================================================ launchers

}  // namespace

// The device must be sm_80+ and this build must hold tensor-core code for it: a build for older architectures
// only (its kernels compiled empty) falls back to the fp32 kernels instead of leaving C unwritten.
bool tf32_supported(int device) {
  static std::atomic<int> ok[64];  // 0 unknown, 1 yes, 2 no
  if (device < 0 || device >= 64) return false;
  if (ok[device].load() == 0) {
    int major = 0;
    check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
    cudaFuncAttributes attr{};
    check(cudaFuncGetAttributes(&attr, gemm_tf32_kernel<false, false>), "cudaFuncGetAttributes");
    ok[device].store(major >= 8 && attr.binaryVersion >= 80 ? 1 : 2);
  }
  return ok[device].load() == 1;
}

void gemm_tf32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               int64_t sa, const float* b, int64_t ldb, int64_t sb, float beta, float* c, int64_t ldc, int64_t sc,
               int64_t batch, cudaStream_t s) {
  Tf32Params p{m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, alpha, beta, beta == 0.0f};
  const int64_t nt = (n + kBN - 1) / kBN;
  PYDL_CHECK(nt < (int64_t(1) << 31), ValueError, "matmul: n = ", n, " is too large for the CUDA TF32 GEMM");
  // cp.async moves 16-byte chunks: every row of A and B, in every batch entry, must start 16-byte aligned.
  auto rows16 = [](const float* ptr, int64_t ld, int64_t stride) {
    return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && ld % 4 == 0 && stride % 4 == 0;
  };
  const bool async = !std::getenv("PYDL_CUDA_TF32_SIMPLE") && rows16(a, lda, batch > 1 ? sa : 0) &&
                     rows16(b, ldb, batch > 1 ? sb : 0);
  // Grids past the 65535 limit of y (M tiles) and z (batch) go in several launches, as in gemm_kernels.cu.
  constexpr int64_t kMaxY = int64_t(65535) * kBM, kMaxZ = 65535;
  for (int64_t b0 = 0; b0 < batch; b0 += kMaxZ) {
    for (int64_t m0 = 0; m0 < m; m0 += kMaxY) {
      Tf32Params q = p;
      q.m = std::min(kMaxY, m - m0);
      q.a += b0 * sa + (ta ? m0 : m0 * lda);
      q.b += b0 * sb;
      q.c += b0 * sc + m0 * ldc;
      dim3 grid(static_cast<unsigned>(nt), static_cast<unsigned>((q.m + kBM - 1) / kBM),
                static_cast<unsigned>(std::min(kMaxZ, batch - b0)));
      if (async) {
        if (!ta && !tb) gemm_tf32_async_kernel<false, false><<<grid, kThreads, 0, s>>>(q);
        else if (!ta && tb) gemm_tf32_async_kernel<false, true><<<grid, kThreads, 0, s>>>(q);
        else if (ta && !tb) gemm_tf32_async_kernel<true, false><<<grid, kThreads, 0, s>>>(q);
        else gemm_tf32_async_kernel<true, true><<<grid, kThreads, 0, s>>>(q);
      } else if (!ta && !tb) gemm_tf32_kernel<false, false><<<grid, kThreads, 0, s>>>(q);
      else if (!ta && tb) gemm_tf32_kernel<false, true><<<grid, kThreads, 0, s>>>(q);
      else if (ta && !tb) gemm_tf32_kernel<true, false><<<grid, kThreads, 0, s>>>(q);
      else gemm_tf32_kernel<true, true><<<grid, kThreads, 0, s>>>(q);
    }
  }
}

}  // namespace cuda
}  // namespace pydl

// fp32 GEMM on TF32 tensor cores (sm_80+), used only when the user opts in (pydl.cuda.set_tf32(True)): inputs are
// rounded to TF32 (10-bit mantissa) and products accumulate in fp32, so results differ from the fp32 GEMM by about
// 1e-3 relative. Same contract as gemm_kernels.cu: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b], row-major.
//
// A block computes a 128 x 128 tile of C with 8 warps (2 along M x 4 along N), each holding 4 x 2 WMMA
// accumulators of 16 x 16. K advances in slices of 32: both operands are staged in shared memory k-major (As[k][m]
// is A in column-major order, Bs[k][n] is B in row-major order, the layouts WMMA loads directly), with global reads
// along each operand's contiguous dimension. The next slice is read into registers while the tensor cores work on
// the current one. The epilogue goes through a per-warp 16 x 16 staging tile to apply alpha, beta and the bounds.
// No tensor cores on the CPU: this file has no emulation test; tests/cuda/test_cuda_tf32.py checks it on a GPU.
#include <mma.h>
#include <algorithm>
#include <atomic>
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

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
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

  // Epilogue through a 16 x 16 staging tile per warp (in As, free now).
  float* stage = As + warp * 256;
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
#endif
}

// ============================================================================================ launchers

}  // namespace

bool tf32_supported(int device) {
  static std::atomic<int> major[64];  // 0 until asked
  if (device < 0 || device >= 64) return false;
  if (major[device].load() == 0) {
    int v = 0;
    check(cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
    major[device].store(v);
  }
  return major[device].load() >= 8;
}

void gemm_tf32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               int64_t sa, const float* b, int64_t ldb, int64_t sb, float beta, float* c, int64_t ldc, int64_t sc,
               int64_t batch, cudaStream_t s) {
  Tf32Params p{m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, alpha, beta, beta == 0.0f};
  const int64_t mt = (m + kBM - 1) / kBM, nt = (n + kBN - 1) / kBN;
  PYDL_CHECK(mt <= 65535 && nt < (int64_t(1) << 31), ValueError, "matmul: a (", m, " x ", n,
             ") product is too large for the CUDA TF32 GEMM");
  for (int64_t b0 = 0; b0 < batch; b0 += 65535) {  // the grid's z (batch) is at most 65535
    Tf32Params q = p;
    q.a += b0 * sa; q.b += b0 * sb; q.c += b0 * sc;
    dim3 grid(static_cast<unsigned>(nt), static_cast<unsigned>(mt), static_cast<unsigned>(std::min<int64_t>(65535, batch - b0)));
    if (!ta && !tb) gemm_tf32_kernel<false, false><<<grid, kThreads, 0, s>>>(q);
    else if (!ta && tb) gemm_tf32_kernel<false, true><<<grid, kThreads, 0, s>>>(q);
    else if (ta && !tb) gemm_tf32_kernel<true, false><<<grid, kThreads, 0, s>>>(q);
    else gemm_tf32_kernel<true, true><<<grid, kThreads, 0, s>>>(q);
  }
}

}  // namespace cuda
}  // namespace pydl

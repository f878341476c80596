// The per-ISA convolution and pooling micro-kernels: each SIMD level (generic, AVX2, AVX-512) compiles
// kernels/conv_ukr.h and kernels/pool_ukr.h with its own flags into two tables of plain functions over raw pointers
// (members of that level's IsaKernels, cpu/isa_kernels.h); the drivers in conv_direct.cpp and pool.cpp pick from them.
#pragma once
#include <cstdint>

namespace pydl {
namespace cpu {

// A register tile of output pixels x channels, summed over "taps" (window positions) of kc channels each:
//   c[i][j] = act(sum_t sum_k a[i][tap_off[t] + k] * b[t][k * nr + j] + (accumulate ? c[i][j] : 0) + bias[j])
// for i < m <= mr, j < n <= nr (nr = nv * lanes); c[i] is the output row of pixel i (c_rows[i]). a holds one pointer
// per pixel (its first tap) and tap_off the element offset of each tap from it, the same for every pixel; b one
// 64-byte aligned panel (kc x nr, zero padded past n) per tap; bias (nr values) may be null. ntaps = 0 gives zeros
// (or leaves c unchanged when accumulating, before bias and relu).
using ConvMicroKernel = void (*)(int64_t ntaps, int64_t kc, const void* const* a, const int64_t* tap_off,
                                 const void* const* b, void* const* c_rows, int64_t m, int64_t n, bool accumulate,
                                 const void* bias, bool relu);

// The kernel-gradient tile: mr values of a contiguous run of the kernel's rows (kw * c values of the input) times
// nr = nv * lanes filters, summed over segments of pixels (one output row each, len pixels):
//   c[i][j] = (accumulate ? c[i][j] : 0) + sum_s sum_p x[s][p * x_step + i] * dy[s][p * dy_step + j]
// for i < m <= mr and all j < nr; dy rows are read unaligned. `edge` handles m < mr (never reads x past m).
using ConvWeightKernel = void (*)(int64_t nseg, const void* const* x, const void* const* dy, int64_t len,
                                  int64_t x_step, int64_t dy_step, void* c, int64_t ldc, int64_t m, bool accumulate);

// Max pooling of `count` output pixels (y and, when not null, arg: C values per pixel, consecutive pixels), each
// over a kh x kw window of x that lies inside the input: pixel p's window starts at x + p * pix_step, its rows are
// row_step values apart and its columns C. arg gets the first maximum's index idx0 + p * idx_step + i * row_idx + j.
using MaxPoolRun = void (*)(int64_t count, void* y, int32_t* arg, const void* x, int64_t C, int64_t kh, int64_t kw,
                            int64_t row_step, int64_t pix_step, int32_t idx0, int32_t idx_step, int32_t row_idx);

// out[j] += sum over i < nrows of rows[i * ncols + j], in row order (bias gradients).
using ColSum = void (*)(void* out, const void* rows, int64_t nrows, int64_t ncols);

// out[i] = y[i] > 0 ? dy[i] : 0 for i < n: the gradient through a fused relu, y its output (as unary_backward).
using ReluMask = void (*)(void* out, const void* dy, const void* y, int64_t n);

constexpr int kMaxConvNv = 4;

struct ConvUkr {
  int mr = 0;
  ConvMicroKernel fn = nullptr;
  ConvWeightKernel dw = nullptr, dw_edge = nullptr;
};

struct ConvKernels {
  int lanes[2] = {};                        // vector lanes for [float32, float64]
  int max_nv = 0;                           // widest tile, in vectors
  ConvUkr ukr[2][kMaxConvNv + 1] = {};      // [dtype][nv], nv = 1..max_nv
  ColSum col_sum[2] = {};                   // [dtype]
  ReluMask relu_mask[2] = {};               // [dtype]
};

struct PoolKernels {
  MaxPoolRun max_pool[2] = {};              // [dtype]
};

void fill_conv_generic(ConvKernels& conv, PoolKernels& pool);
void fill_conv_avx2(ConvKernels& conv, PoolKernels& pool);
void fill_conv_avx512(ConvKernels& conv, PoolKernels& pool);

}  // namespace cpu
}  // namespace pydl

// The per-ISA kernel table: one IsaKernels per SIMD level (generic, AVX2, AVX-512), each filled from the same sources
// compiled with that level's flags, and one chosen at run time (isa_kernels()). Its entries are plain functions over
// raw pointers: the blocking, iteration and threading around them live in generic code, so no template or inline
// helper compiled with AVX flags can be shared with (and leak into) the generic path.
#pragma once
#include <cstdint>
#include "core/cpu_features.h"
#include "core/dispatch.h"
#include "cpu/conv_isa.h"
#include "cpu/optim_isa.h"
#include "cpu/recurrent_isa.h"

namespace pydl {
namespace cpu {

constexpr int kUnaryOps = static_cast<int>(UnaryOp::Count);
constexpr int kBinaryOps = static_cast<int>(BinaryOp::Count);

// Strides are in bytes. Index [op][0] is float32, [op][1] float64.
using UnaryLoop = void (*)(char* out, const char* in, int64_t n, int64_t so, int64_t si, double p0, double p1);
using UnaryBackwardLoop = void (*)(char* gin, const char* gout, const char* x, const char* y, int64_t n, double p0,
                                   double p1);
using BinaryLoop = void (*)(char* out, const char* a, const char* b, int64_t n, int64_t so, int64_t sa, int64_t sb);
// c (m x n tile, row stride ldc) = alpha * sum_k a_panel[k] b_panel[k] + beta * c; m <= mr, n <= nr.
using GemmMicroKernel = void (*)(int64_t kc, const void* a_panel, const void* b_panel, void* c, int64_t ldc,
                                 double alpha, double beta, int64_t m, int64_t n);

// The same tile reading a full mr-row block of a row-major A in place (row stride lda), without packing.
using GemmMicroKernelDirectA = void (*)(int64_t kc, const void* a, int64_t lda, const void* b_panel, void* c,
                                        int64_t ldc, double alpha, double beta, int64_t n);

// m < mr rows of C from a row-major B read in place (A's element (i, k) at a[i * a_rs + k * a_cs]); k may be 0.
using GemmRowsKernel = void (*)(int64_t m, int64_t n, int64_t k, const void* a, int64_t a_rs, int64_t a_cs,
                                const void* b, int64_t ldb, void* c, int64_t ldc, double alpha, double beta);

struct GemmKernel {
  int mr, nr;           // register tile
  int64_t mc, kc, nc;   // cache blocks (A block mc x kc in L2, B panel kc x nc in L3)
  GemmMicroKernel ukr;
  GemmMicroKernelDirectA ukr_direct_a;
  GemmRowsKernel rows;
};

struct IsaKernels {
  // elementwise, softmax and GEMM: kernels/isa_<level>.cpp
  UnaryLoop unary[kUnaryOps][2] = {};
  UnaryBackwardLoop unary_backward[kUnaryOps][2] = {};
  BinaryLoop binary[kBinaryOps][2] = {};  // comparisons write bool
  GemmKernel gemm[2] = {};
  void (*softmax_rows_f32)(float* y, const float* x, int64_t rows, int64_t cols, bool log) = nullptr;
  ConvKernels conv;    // kernels/conv_<level>.cpp
  PoolKernels pool;    // kernels/conv_<level>.cpp (pool_ukr.h)
  OptimKernels optim;  // kernels/optim_<level>.cpp
  RnnKernels rnn;      // kernels/recurrent_<level>.cpp
};

// The elementwise, softmax and GEMM part of each level's table (the other families fill theirs: conv_isa.h,
// optim_isa.h, recurrent_isa.h); register.cpp puts a level's parts together.
void fill_elementwise_gemm_generic(IsaKernels& k);
void fill_elementwise_gemm_avx2(IsaKernels& k);
void fill_elementwise_gemm_avx512(IsaKernels& k);
const IsaKernels& isa_kernels();  // the active level's table

inline int float_index(DType d) { return d == DType::Float64 ? 1 : 0; }

}  // namespace cpu
}  // namespace pydl

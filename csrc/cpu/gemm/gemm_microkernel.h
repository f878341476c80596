// The GEMM register tile, written with GCC vector extensions so each per-ISA file compiles it to its own vector
// width: MR rows x (NV vectors of VW lanes). Included inside an anonymous namespace by gemm_<isa>.cpp.
// Packed panels: a_panel[k * MR + i], b_panel[k * NR + j], both 64-byte aligned.

// DIRECT_A reads A in place (row-major, row stride lda) instead of a packed panel: for a narrow B, packing A would
// cost as much as the arithmetic it feeds. Only full MR-row tiles use it.
template <typename T, int MR, int NV, int VW, bool DIRECT_A>
void gemm_ukr_impl(int64_t kc, const void* a_panel, int64_t lda, const void* b_panel, void* c_out, int64_t ldc,
                   double alpha_d, double beta_d, int64_t m, int64_t n) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  constexpr int NR = NV * VW;
  const T* __restrict a = static_cast<const T*>(a_panel);
  const T* __restrict b = static_cast<const T*>(b_panel);
  T* c = static_cast<T*>(c_out);
  V acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) bv[v] = *reinterpret_cast<const V*>(b + k * NR + v * VW);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const V ai = (DIRECT_A ? a[i * lda + k] : a[k * MR + i]) - V{};  // broadcast (x - 0 folds; 0 + x would not)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
    }
  }
  const T alpha = static_cast<T>(alpha_d), beta = static_cast<T>(beta_d);
  if (m == MR && n == NR) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        VU* cv = reinterpret_cast<VU*>(c + i * ldc + v * VW);
        V r = acc[i][v] * alpha;
        if (beta != T(0)) r += *cv * beta;
        *cv = r;
      }
    return;
  }
  // Edge tile: only the m x n corner exists in C; never touch memory past it.
  alignas(64) T tmp[MR * NR];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) *reinterpret_cast<V*>(tmp + i * NR + v * VW) = acc[i][v];
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T r = alpha * tmp[i * NR + j];
      if (beta != T(0)) r += beta * c[i * ldc + j];
      c[i * ldc + j] = r;
    }
}

template <typename T, int MR, int NV, int VW>
void gemm_ukr(int64_t kc, const void* a_panel, const void* b_panel, void* c, int64_t ldc, double alpha, double beta,
              int64_t m, int64_t n) {
  gemm_ukr_impl<T, MR, NV, VW, false>(kc, a_panel, 0, b_panel, c, ldc, alpha, beta, m, n);
}

template <typename T, int MR, int NV, int VW>
void gemm_ukr_direct_a(int64_t kc, const void* a, int64_t lda, const void* b_panel, void* c, int64_t ldc,
                       double alpha, double beta, int64_t n) {
  gemm_ukr_impl<T, MR, NV, VW, true>(kc, a, lda, b_panel, c, ldc, alpha, beta, MR, n);
}

// Few rows of C (m below the register tile's MR, e.g. one sample through a dense layer):
// C[i, :] = alpha * sum_k A[i, k] B[k, :] + beta * C[i, :], with B row-major (row stride ldb) read in place and A's
// element (i, k) at a[i * a_rs + k * a_cs]. Columns go NV vectors at a time, k in order: no packing, and no work
// for rows that do not exist (the packed path would pad m up to MR).
template <typename T, int VW>
void gemm_rows(int64_t m, int64_t n, int64_t k, const void* a_in, int64_t a_rs, int64_t a_cs, const void* b_in,
               int64_t ldb, void* c_out, int64_t ldc, double alpha_d, double beta_d) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  constexpr int NV = 4, W = NV * VW;
  const T* __restrict a = static_cast<const T*>(a_in);
  const T* __restrict b = static_cast<const T*>(b_in);
  T* c = static_cast<T*>(c_out);
  const T alpha = static_cast<T>(alpha_d), beta = static_cast<T>(beta_d);
  for (int64_t i = 0; i < m; ++i) {
    const T* ar = a + i * a_rs;
    T* cr = c + i * ldc;
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      V acc[NV] = {};
      for (int64_t kk = 0; kk < k; ++kk) {
        const V av = ar[kk * a_cs] - V{};  // broadcast
        const T* br = b + kk * ldb + j;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[v] += av * *reinterpret_cast<const VU*>(br + v * VW);
      }
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        VU* cv = reinterpret_cast<VU*>(cr + j + v * VW);
        V r = acc[v] * alpha;
        if (beta != T(0)) r += *cv * beta;
        *cv = r;
      }
    }
    for (; j + VW <= n; j += VW) {
      V acc = {};
      for (int64_t kk = 0; kk < k; ++kk) acc += (ar[kk * a_cs] - V{}) * *reinterpret_cast<const VU*>(b + kk * ldb + j);
      VU* cv = reinterpret_cast<VU*>(cr + j);
      V r = acc * alpha;
      if (beta != T(0)) r += *cv * beta;
      *cv = r;
    }
    for (; j < n; ++j) {
      T acc = T(0);
      for (int64_t kk = 0; kk < k; ++kk) acc += ar[kk * a_cs] * b[kk * ldb + j];
      T r = alpha * acc;
      if (beta != T(0)) r += beta * cr[j];
      cr[j] = r;
    }
  }
}

// The convolution register tile (see cpu/conv_isa.h), written with GCC vector extensions so each per-ISA file
// compiles it to its own vector width: MR pixels x NV vectors of VW lanes. Included inside an anonymous namespace
// by conv_<isa>.cpp. Unlike the GEMM micro-kernel it reads the pixels (A) in place through row pointers, so
// convolutions need no im2col copy and no A packing; only the small kernel matrix (B) is packed.

template <typename T, int MR, int NV, int VW>
void conv_ukr(int64_t ntaps, int64_t kc, const void* const* a_rows, const int64_t* tap_off, const void* const* b_panels,
              void* const* c_rows, int64_t m, int64_t n, bool accumulate, const void* bias_p, bool relu) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  constexpr int NR = NV * VW;
  const T* const* A = reinterpret_cast<const T* const*>(a_rows);
  const T* const* B = reinterpret_cast<const T* const*>(b_panels);
  T* const* C = reinterpret_cast<T* const*>(c_rows);
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t t = 0; t < ntaps; ++t) {
    // Pixel pointers at the tap's end, indexed by k - kc, so the loop counts up to zero and needs no register for
    // its bound. The empty asm keeps each pointer opaque: otherwise GCC hoists the pixel pointers out of the tap loop
    // and adds a shared offset register, one general-purpose register more than a 12-pixel tile has to spare.
    const T* ap[MR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      ap[i] = A[i] + (tap_off[t] + kc);
      __asm__("" : "+r"(ap[i]));
    }
    const T* __restrict b = B[t];
    for (int64_t k = -kc; k < 0; ++k, b += NR) {
      V bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = *reinterpret_cast<const V*>(b + v * VW);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const V ai = ap[i][k] - V{};  // broadcast (x - 0 folds to x; 0 + x would not)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
  }
  const T* bias = static_cast<const T*>(bias_p);
  if (m == MR && n == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        VU* cv = reinterpret_cast<VU*>(C[i] + v * VW);
        V r = acc[i][v];
        if (accumulate) r += *cv;
        if (bias) r += *reinterpret_cast<const V*>(bias + v * VW);
        if (relu) r = r < V{} ? V{} : r;  // NaN stays NaN
        *cv = r;
      }
    return;
  }
  // Edge tile: only the m x n corner exists in c; never touch memory past it.
  alignas(64) T tmp[MR * NR];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) *reinterpret_cast<V*>(tmp + i * NR + v * VW) = acc[i][v];
  for (int64_t i = 0; i < m; ++i) {
    T* ci = C[i];
    for (int64_t j = 0; j < n; ++j) {
      T r = tmp[i * NR + j];
      if (accumulate) r += ci[j];
      if (bias) r += bias[j];
      if (relu) r = r < T(0) ? T(0) : r;
      ci[j] = r;
    }
  }
}

template <typename T, int MR, int NV, int VW, bool EDGE>
void conv_dw_ukr(int64_t nseg, const void* const* x_rows, const void* const* dy_rows, int64_t len, int64_t x_step,
                 int64_t dy_step, void* c_out, int64_t ldc, int64_t m, bool accumulate) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  const T* const* X = reinterpret_cast<const T* const*>(x_rows);
  const T* const* D = reinterpret_cast<const T* const*>(dy_rows);
  T* c = static_cast<T*>(c_out);
  int64_t off[MR];
  for (int i = 0; i < MR; ++i) off[i] = EDGE ? (i < m ? i : m - 1) : i;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t s = 0; s < nseg; ++s) {
    const T* __restrict xp = X[s];
    const T* __restrict dp = D[s];
    for (int64_t p = 0; p < len; ++p, xp += x_step, dp += dy_step) {
      V bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = *reinterpret_cast<const VU*>(dp + v * VW);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const V ai = xp[EDGE ? off[i] : i] - V{};
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      VU* cv = reinterpret_cast<VU*>(c + i * ldc + v * VW);
      *cv = accumulate ? *cv + acc[i][v] : acc[i][v];
    }
  }
}

// out = y > 0 ? dy : 0, element by element (the scalar rule of unary_backward's Relu, so the same values).
template <typename T, int VW>
void relu_mask(void* out_p, const void* dy_p, const void* y_p, int64_t n) {
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  T* out = static_cast<T*>(out_p);
  const T* dy = static_cast<const T*>(dy_p);
  const T* y = static_cast<const T*>(y_p);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const VU yv = *reinterpret_cast<const VU*>(y + i), dv = *reinterpret_cast<const VU*>(dy + i);
    *reinterpret_cast<VU*>(out + i) = yv > VU{} ? dv : VU{};
  }
  for (; i < n; ++i) out[i] = y[i] > T(0) ? dy[i] : T(0);
}

// Fills one dtype's row of the table: tiles of 1..MAXNV vectors, MR pixels each (chosen per ISA for its registers).
template <typename T, int VW, int MR1, int MR2, int MR3, int MR4>
void fill_conv_row(pydl::cpu::ConvUkr* row, int max_nv) {
  row[1] = {MR1, conv_ukr<T, MR1, 1, VW>, conv_dw_ukr<T, MR1, 1, VW, false>, conv_dw_ukr<T, MR1, 1, VW, true>};
  row[2] = {MR2, conv_ukr<T, MR2, 2, VW>, conv_dw_ukr<T, MR2, 2, VW, false>, conv_dw_ukr<T, MR2, 2, VW, true>};
  if (max_nv >= 3)
    row[3] = {MR3, conv_ukr<T, MR3, 3, VW>, conv_dw_ukr<T, MR3, 3, VW, false>, conv_dw_ukr<T, MR3, 3, VW, true>};
  if (max_nv >= 4)
    row[4] = {MR4, conv_ukr<T, MR4, 4, VW>, conv_dw_ukr<T, MR4, 4, VW, false>, conv_dw_ukr<T, MR4, 4, VW, true>};
}

// Max pooling over a run of output pixels and column sums (see cpu/conv_isa.h), written with GCC vector extensions so each per-ISA
// file compiles it to its own vector width. Included inside an anonymous namespace by conv_<isa>.cpp.

template <typename T, int VW>
void max_pool_run(int64_t count, void* y_p, int32_t* arg, const void* x_p, int64_t C, int64_t kh, int64_t kw,
                  int64_t row_step, int64_t pix_step, int32_t idx0, int32_t idx_step, int32_t row_idx) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  typedef int32_t I __attribute__((vector_size(VW * sizeof(int32_t))));
  typedef int32_t IU __attribute__((vector_size(VW * sizeof(int32_t)), aligned(sizeof(int32_t))));
  T* y = static_cast<T*>(y_p);
  const T* x = static_cast<const T*>(x_p);
  const int64_t cv = C / VW * VW;
  for (int64_t p = 0; p < count; ++p, x += pix_step, y += C) {
    const int32_t base = idx0 + static_cast<int32_t>(p) * idx_step;
    int32_t* ao = arg ? arg + p * C : nullptr;
    for (int64_t c = 0; c < cv; c += VW) {
      V best = *reinterpret_cast<const VU*>(x + c);
      I bi = I{} + base;
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = (i == 0 ? 1 : 0); j < kw; ++j) {
          const V v = *reinterpret_cast<const VU*>(x + i * row_step + j * C + c);
          const auto take = (v > best) | (v != v);  // first maximum wins; NaN propagates
          best = take ? v : best;
          if (ao) bi = __builtin_convertvector(take, I) ? I{} + (base + static_cast<int32_t>(i) * row_idx +
                                                                  static_cast<int32_t>(j)) : bi;
        }
      *reinterpret_cast<VU*>(y + c) = best;
      if (ao) *reinterpret_cast<IU*>(ao + c) = bi;
    }
    for (int64_t c = cv; c < C; ++c) {
      T best = x[c];
      int32_t bi = base;
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = (i == 0 ? 1 : 0); j < kw; ++j) {
          const T v = x[i * row_step + j * C + c];
          if (v > best || v != v) { best = v; bi = base + static_cast<int32_t>(i) * row_idx + static_cast<int32_t>(j); }
        }
      y[c] = best;
      if (ao) ao[c] = bi;
    }
  }
}

// out[j] += sum of rows[i][j] over i < nrows (rows of ncols values), each column summed in row order.
template <typename T, int VW>
void col_sum(void* out_p, const void* rows_p, int64_t nrows, int64_t ncols) {
  typedef T V __attribute__((vector_size(VW * sizeof(T))));
  typedef T VU __attribute__((vector_size(VW * sizeof(T)), aligned(sizeof(T))));
  T* out = static_cast<T*>(out_p);
  const T* rows = static_cast<const T*>(rows_p);
  constexpr int NB = 4;  // vectors of columns kept in registers across the rows
  int64_t j = 0;
  for (; j + NB * VW <= ncols; j += NB * VW) {
    V acc[NB];
    for (int v = 0; v < NB; ++v) acc[v] = *reinterpret_cast<const VU*>(out + j + v * VW);
    for (int64_t i = 0; i < nrows; ++i)
      for (int v = 0; v < NB; ++v) acc[v] += *reinterpret_cast<const VU*>(rows + i * ncols + j + v * VW);
    for (int v = 0; v < NB; ++v) *reinterpret_cast<VU*>(out + j + v * VW) = acc[v];
  }
  for (; j + VW <= ncols; j += VW) {
    V acc = *reinterpret_cast<const VU*>(out + j);
    for (int64_t i = 0; i < nrows; ++i) acc += *reinterpret_cast<const VU*>(rows + i * ncols + j);
    *reinterpret_cast<VU*>(out + j) = acc;
  }
  for (; j < ncols; ++j) {
    T acc = out[j];
    for (int64_t i = 0; i < nrows; ++i) acc += rows[i * ncols + j];
    out[j] = acc;
  }
}

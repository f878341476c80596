// One time step of SimpleRNN / LSTM / GRU for batch rows [b0, b1): the gate activations and the state update
// (forward), or their gradients (backward), in one pass over each row. Included inside an anonymous namespace
// after core/elementwise_math.h and vec_math.h by each per-ISA file. Every float32 tanh/sigmoid goes through the vector
// formula (the row tail through a padded vector), so a value never depends on where a row was split.
// Formulas (Keras 2): LSTM c = f*c_prev + i*act(.), h = o*act(c); GRU h = z*h_prev + (1-z)*act(.).

using pydl::RnnAct;
using pydl::RnnCell;
using pydl::RnnStep;

template <typename T> T rnn_sigmoid1(T x) {
  if (x < 0) { const T e = m_exp(x); return e / (T(1) + e); }
  return T(1) / (T(1) + m_exp(-x));
}

// In place over n contiguous values.
template <typename T> void rnn_act(T* p, int64_t n, RnnAct act) {
  switch (act) {
    case RnnAct::Linear: return;
    case RnnAct::Relu: for (int64_t i = 0; i < n; ++i) p[i] = p[i] > 0 ? p[i] : T(0); return;
    case RnnAct::HardSigmoid:
      for (int64_t i = 0; i < n; ++i) {
        const T v = T(0.2) * p[i] + T(0.5);
        p[i] = v < 0 ? T(0) : (v > 1 ? T(1) : v);
      }
      return;
    case RnnAct::Tanh:
      if constexpr (sizeof(T) == 4) map_float(p, p, n, [](VecF::V v) { return VecF::tanh(v); });
      else for (int64_t i = 0; i < n; ++i) p[i] = m_tanh(p[i]);
      return;
    case RnnAct::Sigmoid:
      if constexpr (sizeof(T) == 4) map_float(p, p, n, [](VecF::V v) { return VecF::sigmoid(v); });
      else for (int64_t i = 0; i < n; ++i) p[i] = rnn_sigmoid1(p[i]);
      return;
  }
}

// The activation's derivative from its output y.
template <typename T> inline T rnn_dact(T y, RnnAct act) {
  switch (act) {
    case RnnAct::Tanh: return T(1) - y * y;
    case RnnAct::Sigmoid: return y * (T(1) - y);
    case RnnAct::HardSigmoid: return (y > 0 && y < 1) ? T(0.2) : T(0);
    case RnnAct::Relu: return y > 0 ? T(1) : T(0);
    default: return T(1);
  }
}

template <typename T> inline const T* row(const char* p, int64_t ld, int64_t b) {
  return reinterpret_cast<const T*>(p) + b * ld;
}
template <typename T> inline T* row(char* p, int64_t ld, int64_t b) { return reinterpret_cast<T*>(p) + b * ld; }

template <typename T> void rnn_forward_rows(const RnnStep& s, int64_t b0, int64_t b1) {
  const int64_t U = s.units;
  for (int64_t b = b0; b < b1; ++b) {
    const T* hp = row<T>(s.h_prev, s.ld_prev, b);
    if (s.phase < 0) {  // the recurrent GEMM's input (kept for the kernel's gradient)
      T* hm = row<T>(s.hm, s.ld_hm, b);
      const T* m = s.rmask ? row<T>(s.rmask, U, b) : nullptr;
      for (int64_t u = 0; u < U; ++u) hm[u] = m ? hp[u] * m[u] : hp[u];
      continue;
    }
    const bool take = !s.mask || row<T>(s.mask, s.mask_ld, b)[0] != 0;
    T* g = row<T>(s.gates, s.ld_gates, b);
    T* h = row<T>(s.h, s.ld_out, b);
    switch (s.cell) {
      case RnnCell::Simple:
        rnn_act(g, U, s.act);
        for (int64_t u = 0; u < U; ++u) h[u] = take ? g[u] : hp[u];
        break;
      case RnnCell::LSTM: {
        const T* cp = row<T>(s.c_prev, s.ld_prev, b);
        T* c = row<T>(s.c, s.ld_out, b);
        rnn_act(g, 2 * U, s.rec_act);
        rnn_act(g + 2 * U, U, s.act);
        rnn_act(g + 3 * U, U, s.rec_act);
        if (!take) {
          for (int64_t u = 0; u < U; ++u) { h[u] = hp[u]; c[u] = cp[u]; }
          break;
        }
        for (int64_t u = 0; u < U; ++u) h[u] = c[u] = g[U + u] * cp[u] + g[u] * g[2 * U + u];
        rnn_act(h, U, s.act);
        for (int64_t u = 0; u < U; ++u) h[u] *= g[3 * U + u];
        break;
      }
      case RnnCell::GRU:
        if (s.phase == 0) {  // z, r; then r * hm feeds the h half's recurrent GEMM
          rnn_act(g, 2 * U, s.rec_act);
          T* e = row<T>(s.extra, s.ld_extra, b);
          const T* hm = row<T>(s.hm, s.ld_hm, b);
          for (int64_t u = 0; u < U; ++u) e[u] = g[U + u] * hm[u];
          break;
        }
        rnn_act(g + 2 * U, U, s.act);
        for (int64_t u = 0; u < U; ++u) h[u] = take ? g[u] * hp[u] + (T(1) - g[u]) * g[2 * U + u] : hp[u];
        break;
      case RnnCell::GRUResetAfter: {
        const T* rc = row<T>(s.rec, s.ld_rec, b);
        const T* rb = reinterpret_cast<const T*>(s.rec_bias);
        T* e = row<T>(s.extra, s.ld_extra, b);
        for (int64_t j = 0; j < 2 * U; ++j) g[j] += rb ? rc[j] + rb[j] : rc[j];
        rnn_act(g, 2 * U, s.rec_act);
        for (int64_t u = 0; u < U; ++u) {
          e[u] = rb ? rc[2 * U + u] + rb[2 * U + u] : rc[2 * U + u];
          g[2 * U + u] += g[U + u] * e[u];
        }
        rnn_act(g + 2 * U, U, s.act);
        for (int64_t u = 0; u < U; ++u) h[u] = take ? g[u] * hp[u] + (T(1) - g[u]) * g[2 * U + u] : hp[u];
        break;
      }
    }
  }
}

// Rows are processed in chunks of units with stack scratch (no std::vector: its members compiled with AVX flags
// could be shared with the generic path).
constexpr int64_t kRnnChunk = 256;

// The activations as compile-time constants for the common pair (tanh, sigmoid), so the derivative's switch folds
// away and the chunk loops below vectorize; any other pair reads them at run time.
struct RnnActsAny {
  RnnAct a, r;
  RnnAct act() const { return a; }
  RnnAct rec() const { return r; }
};
struct RnnActsTanhSigmoid {
  static constexpr RnnAct act() { return RnnAct::Tanh; }
  static constexpr RnnAct rec() { return RnnAct::Sigmoid; }
};

// The chunk loops take restrict pointers (each one a disjoint slice of a row) so the compiler can vectorize them.
template <typename T, typename Acts>
void lstm_backward_chunk(int64_t n, Acts acts, const T* __restrict gi, const T* __restrict gf, const T* __restrict gc,
                         const T* __restrict go, const T* __restrict cp, const T* __restrict tc,
                         const T* __restrict dh, const T* __restrict dyc, T* __restrict dcp, T* __restrict dzi,
                         T* __restrict dzf, T* __restrict dzc, T* __restrict dzo, T* __restrict dd) {
  for (int64_t u = 0; u < n; ++u) {
    const T i = gi[u], f = gf[u], cc = gc[u], o = go[u];
    const T dct = dyc[u] + dcp[u] + dh[u] * o * rnn_dact(tc[u], acts.act());
    dzi[u] = dct * cc * rnn_dact(i, acts.rec());
    dzf[u] = dct * cp[u] * rnn_dact(f, acts.rec());
    dzc[u] = dct * i * rnn_dact(cc, acts.act());
    dzo[u] = dh[u] * tc[u] * rnn_dact(o, acts.rec());
    dcp[u] = dct * f;
    dd[u] = 0;
  }
}

template <typename T, typename Acts>
void gru_backward_chunk(int64_t n, Acts acts, const T* __restrict gz, const T* __restrict gh, const T* __restrict hp,
                        const T* __restrict dh, T* __restrict dzz, T* __restrict dzr, T* __restrict dzh,
                        T* __restrict dd) {
  for (int64_t u = 0; u < n; ++u) {
    const T z = gz[u], hh = gh[u];
    dzz[u] = dh[u] * (hp[u] - hh) * rnn_dact(z, acts.rec());
    dzr[u] = 0;
    dzh[u] = dh[u] * (T(1) - z) * rnn_dact(hh, acts.act());
    dd[u] = dh[u] * z;
  }
}

template <typename T, typename Acts> void rnn_backward_rows_as(const RnnStep& s, int64_t b0, int64_t b1, Acts acts) {
  const int64_t U = s.units;
  const int64_t G = s.cell == RnnCell::Simple ? 1 : s.cell == RnnCell::LSTM ? 4 : 3;
  T dhb[kRnnChunk], tcb[kRnnChunk];
  for (int64_t b = b0; b < b1; ++b) {
    T* dd = row<T>(s.dh_direct, U, b);
    T* dg = row<T>(s.dh_gemm, U, b);
    const T* m = s.rmask ? row<T>(s.rmask, U, b) : nullptr;
    if (s.phase < 0) {  // the gradient of h0
      for (int64_t u = 0; u < U; ++u) dd[u] += m ? dg[u] * m[u] : dg[u];
      continue;
    }
    const bool take = !s.mask || row<T>(s.mask, s.mask_ld, b)[0] != 0;
    const T* g = row<T>(s.gates, s.ld_gates, b);
    T* dz = row<T>(s.dgates, s.ld_dgates, b);
    if (s.cell == RnnCell::GRU && s.phase == 1) {  // dg holds d(r * hm) from the h half's GEMM
      const T* hm = row<T>(s.hm, s.ld_hm, b);
      for (int64_t u = 0; u < U; ++u) {
        const T r = g[U + u];
        dz[U + u] = take ? dg[u] * hm[u] * rnn_dact(r, acts.rec()) : T(0);
        dg[u] = take ? dg[u] * r : T(0);
      }
      continue;
    }
    const T* dy = row<T>(s.dy_h, s.ld_dy, b);
    T* dr = s.cell == RnnCell::GRUResetAfter ? row<T>(s.drec, s.ld_drec, b) : nullptr;
    T* dcp = s.cell == RnnCell::LSTM ? row<T>(s.dc, U, b) : nullptr;
    const T* dyc = s.cell == RnnCell::LSTM ? row<T>(s.dy_c, s.ld_dy, b) : nullptr;
    const T* hp = row<T>(s.h_prev, s.ld_prev, b);
    for (int64_t u0 = 0; u0 < U; u0 += kRnnChunk) {
      const int64_t u1 = u0 + kRnnChunk < U ? u0 + kRnnChunk : U, n = u1 - u0;
      T* dh = dhb - u0;  // dh[u] for u in [u0, u1)
      if (m) for (int64_t u = u0; u < u1; ++u) dh[u] = dy[u] + dd[u] + dg[u] * m[u];
      else for (int64_t u = u0; u < u1; ++u) dh[u] = dy[u] + dd[u] + dg[u];
      if (!take) {  // the state was carried over: its gradient passes straight through
        for (int64_t k = 0; k < G; ++k)
          for (int64_t u = u0; u < u1; ++u) {
            dz[k * U + u] = 0;
            if (dr) dr[k * U + u] = 0;
          }
        for (int64_t u = u0; u < u1; ++u) dd[u] = dh[u];
        if (dcp) for (int64_t u = u0; u < u1; ++u) dcp[u] += dyc[u];
        continue;
      }
      switch (s.cell) {
        case RnnCell::Simple: {
          const T* h = row<T>(s.h, s.ld_out, b);
          for (int64_t u = u0; u < u1; ++u) { dz[u] = dh[u] * rnn_dact(h[u], acts.act()); dd[u] = 0; }
          break;
        }
        case RnnCell::LSTM: {
          const T* c = row<T>(s.c, s.ld_out, b);
          for (int64_t u = u0; u < u1; ++u) tcb[u - u0] = c[u];
          rnn_act(tcb, n, acts.act());
          lstm_backward_chunk<T>(n, acts, g + u0, g + U + u0, g + 2 * U + u0, g + 3 * U + u0,
                                 row<T>(s.c_prev, s.ld_prev, b) + u0, tcb, dhb, dyc + u0, dcp + u0, dz + u0,
                                 dz + U + u0, dz + 2 * U + u0, dz + 3 * U + u0, dd + u0);
          break;
        }
        case RnnCell::GRU:  // phase 0: the z and h parts; r waits for the h half's GEMM (phase 1)
          gru_backward_chunk<T>(n, acts, g + u0, g + 2 * U + u0, hp + u0, dhb, dz + u0, dz + U + u0,
                                dz + 2 * U + u0, dd + u0);
          break;
        case RnnCell::GRUResetAfter: {
          const T* e = row<T>(s.extra, s.ld_extra, b);
          for (int64_t u = u0; u < u1; ++u) {
            const T z = g[u], r = g[U + u], hh = g[2 * U + u];
            const T dah = dh[u] * (T(1) - z) * rnn_dact(hh, acts.act());
            dz[u] = dr[u] = dh[u] * (hp[u] - hh) * rnn_dact(z, acts.rec());
            dz[U + u] = dr[U + u] = dah * e[u] * rnn_dact(r, acts.rec());
            dz[2 * U + u] = dah;
            dr[2 * U + u] = dah * r;
            dd[u] = dh[u] * z;
          }
          break;
        }
      }
    }
  }
}

template <typename T> void rnn_backward_rows(const RnnStep& s, int64_t b0, int64_t b1) {
  if (s.act == RnnAct::Tanh && s.rec_act == RnnAct::Sigmoid) rnn_backward_rows_as<T>(s, b0, b1, RnnActsTanhSigmoid{});
  else rnn_backward_rows_as<T>(s, b0, b1, RnnActsAny{s.act, s.rec_act});
}

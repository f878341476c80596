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

template <typename T> void rnn_backward_rows(const RnnStep& s, int64_t b0, int64_t b1) {
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
        dz[U + u] = take ? dg[u] * hm[u] * rnn_dact(r, s.rec_act) : T(0);
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
      const int64_t u1 = u0 + kRnnChunk < U ? u0 + kRnnChunk : U;
      T* dh = dhb - u0;  // dh[u] for u in [u0, u1)
      for (int64_t u = u0; u < u1; ++u) dh[u] = dy[u] + dd[u] + (m ? dg[u] * m[u] : dg[u]);
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
          for (int64_t u = u0; u < u1; ++u) { dz[u] = dh[u] * rnn_dact(h[u], s.act); dd[u] = 0; }
          break;
        }
        case RnnCell::LSTM: {
          const T* c = row<T>(s.c, s.ld_out, b);
          const T* cp = row<T>(s.c_prev, s.ld_prev, b);
          T* tc = tcb - u0;
          for (int64_t u = u0; u < u1; ++u) tc[u] = c[u];
          rnn_act(tcb, u1 - u0, s.act);
          for (int64_t u = u0; u < u1; ++u) {
            const T i = g[u], f = g[U + u], cc = g[2 * U + u], o = g[3 * U + u];
            const T dct = dyc[u] + dcp[u] + dh[u] * o * rnn_dact(tc[u], s.act);
            dz[u] = dct * cc * rnn_dact(i, s.rec_act);
            dz[U + u] = dct * cp[u] * rnn_dact(f, s.rec_act);
            dz[2 * U + u] = dct * i * rnn_dact(cc, s.act);
            dz[3 * U + u] = dh[u] * tc[u] * rnn_dact(o, s.rec_act);
            dcp[u] = dct * f;
            dd[u] = 0;
          }
          break;
        }
        case RnnCell::GRU:  // phase 0: the z and h parts; r waits for the h half's GEMM (phase 1)
          for (int64_t u = u0; u < u1; ++u) {
            const T z = g[u], hh = g[2 * U + u];
            dz[u] = dh[u] * (hp[u] - hh) * rnn_dact(z, s.rec_act);
            dz[U + u] = 0;
            dz[2 * U + u] = dh[u] * (T(1) - z) * rnn_dact(hh, s.act);
            dd[u] = dh[u] * z;
          }
          break;
        case RnnCell::GRUResetAfter: {
          const T* e = row<T>(s.extra, s.ld_extra, b);
          for (int64_t u = u0; u < u1; ++u) {
            const T z = g[u], r = g[U + u], hh = g[2 * U + u];
            const T dah = dh[u] * (T(1) - z) * rnn_dact(hh, s.act);
            dz[u] = dr[u] = dh[u] * (hp[u] - hh) * rnn_dact(z, s.rec_act);
            dz[U + u] = dr[U + u] = dah * e[u] * rnn_dact(r, s.rec_act);
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

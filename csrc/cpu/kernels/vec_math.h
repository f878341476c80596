// Vectorised float32 exp/log/sigmoid/tanh (relative error <= 1e-6, checked in tests/ops/test_vec_math.py) written
// with GCC vector extensions, so each per-ISA file compiles them to its own width. Included inside an anonymous
// namespace after core/elementwise_math.h and the file's `constexpr int kLanesF32` (its float lane count).
//
// exp: x = n ln2 + r, |r| <= ln2/2; e^r by its degree-7 Taylor polynomial; 2^n applied as two exponent-field
// scalings so results that are subnormal or near overflow are still formed correctly.
// log: x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1), odd series to s^11.

struct VecF {
  static constexpr int W = kLanesF32;
  typedef float V __attribute__((vector_size(W * 4)));
  typedef int32_t VI __attribute__((vector_size(W * 4)));
  typedef float VU __attribute__((vector_size(W * 4), aligned(4)));  // unaligned loads/stores

  static V splat(float v) { return v - V{}; }  // broadcast; x - 0 folds exactly
  static V load(const float* p) { return *reinterpret_cast<const VU*>(p); }
  static void store(float* p, V v) { *reinterpret_cast<VU*>(p) = v; }
  static V select(VI mask, V a, V b) { return mask ? a : b; }
  static V floor_(V y) {
    VI t = __builtin_convertvector(y, VI);
    V tf = __builtin_convertvector(t, V);
    return tf - select(tf > y, splat(1.f), splat(0.f));
  }
  static V pow2(VI n) { return (V)((n + 127) << 23); }  // 2^n for n in [-126, 127]

  static V exp(V x) {
    const V xc = select(x > 89.f, splat(89.f), select(x < -104.f, splat(-104.f), x));
    const V n = floor_(xc * 1.44269504088896341f + 0.5f);
    V r = xc - n * 0.693359375f;          // ln2 split in two parts: exact product for the high part
    r = r - n * -2.12194440e-4f;
    V p = splat(1.f / 5040.f);
    p = p * r + 1.f / 720.f;
    p = p * r + 1.f / 120.f;
    p = p * r + 1.f / 24.f;
    p = p * r + 1.f / 6.f;
    p = p * r + 0.5f;
    p = p * r + 1.f;
    p = p * r + 1.f;
    const VI ni = __builtin_convertvector(n, VI);
    const VI half = ni >> 1;
    V res = p * pow2(half) * pow2(ni - half);
    return select(x != x, x, res);  // NaN stays NaN
  }

  static V log(V x) {
    // Scale subnormal inputs into the normal range first.
    const VI sub = x < 1.17549435e-38f;
    V xs = select(sub, x * 8388608.f, x);  // 2^23
    VI bits = (VI)xs;
    VI e = ((bits >> 23) & 0xff) - 127 - (sub & 23);
    V m = (V)((bits & 0x007fffff) | 0x3f800000);  // mantissa in [1, 2)
    const VI big = m > 1.41421356f;
    m = select(big, m * 0.5f, m);
    e = e + (big & 1);
    const V s = (m - 1.f) / (m + 1.f);
    const V s2 = s * s;
    V p = splat(2.f / 11.f);
    p = p * s2 + 2.f / 9.f;
    p = p * s2 + 2.f / 7.f;
    p = p * s2 + 2.f / 5.f;
    p = p * s2 + 2.f / 3.f;
    p = p * s2 + 2.f;
    const V ef = __builtin_convertvector(e, V);
    V res = (p * s + ef * -2.12194440e-4f) + ef * 0.693359375f;
    res = select(x == 0.f, splat(-__builtin_inff()), res);
    res = select(x < 0.f, splat(__builtin_nanf("")), res);
    res = select(x == __builtin_inff(), x, res);
    return select(x != x, x, res);
  }

  static V sigmoid(V x) {
    // e = exp(-|x|) never overflows; x < 0 uses e / (1 + e) so tiny results keep their precision.
    const V e = exp(select(x < 0.f, x, -x));
    const V r = 1.f / (1.f + e);
    return select(x < 0.f, e * r, r);
  }

  static V tanh(V x) {
    const V ax = select(x < 0.f, -x, x);
    // Small |x|: odd Taylor series through x^15; elsewhere 1 - 2 / (e^{2|x|} + 1).
    const V x2 = x * x;
    V p = splat(929569.f / 638512875.f);
    p = p * x2 - 21844.f / 6081075.f;
    p = p * x2 + 1382.f / 155925.f;
    p = p * x2 - 62.f / 2835.f;
    p = p * x2 + 17.f / 315.f;
    p = p * x2 - 2.f / 15.f;
    p = p * x2 + 1.f / 3.f;
    const V small = x - x * x2 * p;
    V large = 1.f - 2.f / (exp(ax + ax) + 1.f);
    large = select(x < 0.f, -large, large);
    return select(x != x, x, select(ax < 0.5f, small, large));
  }
};

// out[i] = f(in[i]) over contiguous floats: full vectors, then the tail through a padded vector.
template <typename F> void map_float(float* out, const float* in, int64_t n, F f) {
  typedef VecF VF;
  constexpr int W = VF::W;
  int64_t i = 0;
  for (; i + W <= n; i += W) VF::store(out + i, f(VF::load(in + i)));
  if (i < n) {
    float tmp[W] = {};
    for (int64_t j = i; j < n; ++j) tmp[j - i] = in[j];
    typename VF::V v = f(VF::load(tmp));
    VF::store(tmp, v);
    for (int64_t j = i; j < n; ++j) out[j] = tmp[j - i];
  }
}

// Softmax / log-softmax of `rows` contiguous float rows: max, then exp(x - max) with its sum, then a scale.
inline void softmax_rows_f32(float* y, const float* x, int64_t rows, int64_t cols, bool log) {
  typedef VecF VF;
  constexpr int W = VF::W;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = xr[0];
    bool nan = false;
    int64_t j = 0;
    if (cols >= W) {
      typename VF::V vm = VF::load(xr);
      typename VF::VI vnan = vm != vm;
      for (j = W; j + W <= cols; j += W) {
        const typename VF::V v = VF::load(xr + j);
        vm = VF::select(v > vm, v, vm);
        vnan |= v != v;
      }
      for (int l = 0; l < W; ++l) { m = vm[l] > m ? vm[l] : m; nan |= vnan[l] != 0; }
    }
    for (; j < cols; ++j) { m = xr[j] > m ? xr[j] : m; nan |= xr[j] != xr[j]; }
    if (nan) m = __builtin_nanf("");
    if (m == -__builtin_inff()) m = 0.f;  // an all -inf row: avoid (-inf) - (-inf)
    typename VF::V acc = VF::splat(0.f);
    for (j = 0; j + W <= cols; j += W) {
      typename VF::V e = VF::exp(VF::load(xr + j) - m);
      acc += e;
      if (!log) VF::store(yr + j, e);
    }
    float s = 0.f;
    for (int l = 0; l < W; ++l) s += acc[l];
    if (j < cols) {  // the tail in one padded vector (rows narrower than a vector, such as 10 classes, are all tail)
      float tmp[W] = {};
      for (int64_t l = j; l < cols; ++l) tmp[l - j] = xr[l] - m;
      VF::store(tmp, VF::exp(VF::load(tmp)));
      for (int64_t l = j; l < cols; ++l) {
        s += tmp[l - j];
        if (!log) yr[l] = tmp[l - j];
      }
    }
    if (log) {
      float t[W] = {};
      t[0] = s;
      const float ls = VF::log(VF::load(t))[0];
      for (int64_t k = 0; k < cols; ++k) yr[k] = (xr[k] - m) - ls;
    } else {
      const float inv = 1.f / s;
      int64_t k = 0;
      for (; k + W <= cols; k += W) VF::store(yr + k, VF::load(yr + k) * inv);
      for (; k < cols; ++k) yr[k] *= inv;
    }
  }
}

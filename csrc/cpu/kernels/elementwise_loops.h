// Inner loops of the elementwise ops over one row (n elements, byte strides), specialised per op at compile time so
// each contiguous loop vectorises for the SIMD level of the file that includes this header (inside an anonymous
// namespace, after scalar_math.h).

// Float ops with a vectorised formula in vec_math.h (Exp=2, Log=3, Sigmoid=7, Tanh=8).
template <int OP> constexpr bool has_vec_float = OP == 2 || OP == 3 || OP == 7 || OP == 8;

template <int OP, typename T>
void unary_loop(char* out, const char* in, int64_t n, int64_t so, int64_t si, double p0d, double p1d) {
  const T p0 = static_cast<T>(p0d), p1 = static_cast<T>(p1d);
  if constexpr (sizeof(T) == 4 && has_vec_float<OP>) {
    if (so == sizeof(T) && si == sizeof(T)) {
      typedef VecF VF;
      map_float(reinterpret_cast<float*>(out), reinterpret_cast<const float*>(in), n,
                           [](typename VF::V v) {
                             if constexpr (OP == 2) return VF::exp(v);
                             else if constexpr (OP == 3) return VF::log(v);
                             else if constexpr (OP == 7) return VF::sigmoid(v);
                             else return VF::tanh(v);
                           });
      return;
    }
  }
  if (so == sizeof(T) && si == sizeof(T)) {
    T* __restrict o = reinterpret_cast<T*>(out);
    const T* __restrict x = reinterpret_cast<const T*>(in);
    for (int64_t i = 0; i < n; ++i) o[i] = unary_forward<T>(OP, x[i], p0, p1);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(out + i * so) = unary_forward<T>(OP, *reinterpret_cast<const T*>(in + i * si), p0, p1);
  }
}

template <int OP, typename T>
void unary_backward_loop(char* gin, const char* gout, const char* x, const char* y, int64_t n, double p0d, double p1d) {
  const T p0 = static_cast<T>(p0d), p1 = static_cast<T>(p1d);
  T* __restrict gi = reinterpret_cast<T*>(gin);
  const T* __restrict go = reinterpret_cast<const T*>(gout);
  const T* __restrict xs = reinterpret_cast<const T*>(x);
  const T* __restrict ys = reinterpret_cast<const T*>(y);
  for (int64_t i = 0; i < n; ++i) gi[i] = unary_backward<T>(OP, go[i], xs[i], ys[i], p0, p1);
}

// Fast paths: both operands contiguous, or one of them a broadcast scalar (stride 0); else generic strides.
template <int OP, typename T, typename R>
void binary_loop(char* out, const char* a, const char* b, int64_t n, int64_t so, int64_t sa, int64_t sb) {
  constexpr bool cmp = OP >= 7;
  auto f = [](T u, T v) -> R {
    if constexpr (cmp) return binary_compare<T>(OP, u, v);
    else return binary_arith<T>(OP, u, v);
  };
  R* __restrict o = reinterpret_cast<R*>(out);
  const T* __restrict x = reinterpret_cast<const T*>(a);
  const T* __restrict y = reinterpret_cast<const T*>(b);
  if (so == sizeof(R)) {
    if (sa == sizeof(T) && sb == sizeof(T)) { for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]); return; }
    if (sa == sizeof(T) && sb == 0) { const T v = *y; for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], v); return; }
    if (sa == 0 && sb == sizeof(T)) { const T u = *x; for (int64_t i = 0; i < n; ++i) o[i] = f(u, y[i]); return; }
  }
  for (int64_t i = 0; i < n; ++i)
    *reinterpret_cast<R*>(out + i * so) =
        f(*reinterpret_cast<const T*>(a + i * sa), *reinterpret_cast<const T*>(b + i * sb));
}

template <int OP> void fill_op(pydl::cpu::IsaKernels& k) {
  if constexpr (OP < pydl::cpu::kUnaryOps) {
    k.unary[OP][0] = unary_loop<OP, float>;
    k.unary[OP][1] = unary_loop<OP, double>;
    k.unary_backward[OP][0] = unary_backward_loop<OP, float>;
    k.unary_backward[OP][1] = unary_backward_loop<OP, double>;
  }
  if constexpr (OP < pydl::cpu::kBinaryOps) {
    if constexpr (OP >= 7) {
      k.binary[OP][0] = binary_loop<OP, float, bool>;
      k.binary[OP][1] = binary_loop<OP, double, bool>;
    } else {
      k.binary[OP][0] = binary_loop<OP, float, float>;
      k.binary[OP][1] = binary_loop<OP, double, double>;
    }
  }
}

template <int... OPS> void fill_elementwise(pydl::cpu::IsaKernels& k, std::integer_sequence<int, OPS...>) {
  (fill_op<OPS>(k), ...);
}
inline void fill_elementwise(pydl::cpu::IsaKernels& k) {
  fill_elementwise(k, std::make_integer_sequence<int, 16>{});
}

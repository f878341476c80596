// Inner loops of the elementwise ops over one row (n elements, byte strides), specialised per op at compile time so
// each contiguous loop vectorises for the SIMD level of the file that includes this header (inside an anonymous
// namespace, after core/elementwise_math.h and vec_math.h). The op list is the table, core/elementwise_ops.def.
using pydl::BinaryOp;
using pydl::UnaryOp;

// Float ops with a vectorised float32 formula in vec_math.h.
template <UnaryOp OP>
constexpr bool has_vec_float = OP == UnaryOp::Exp || OP == UnaryOp::Log || OP == UnaryOp::Sigmoid || OP == UnaryOp::Tanh;

template <UnaryOp OP, typename T>
void unary_loop(char* out, const char* in, int64_t n, int64_t so, int64_t si, double p0d, double p1d) {
  const T p0 = static_cast<T>(p0d), p1 = static_cast<T>(p1d);
  if constexpr (sizeof(T) == 4 && has_vec_float<OP>) {
    if (so == sizeof(T) && si == sizeof(T)) {
      typedef VecF VF;
      map_float(reinterpret_cast<float*>(out), reinterpret_cast<const float*>(in), n,
                           [](typename VF::V v) {
                             if constexpr (OP == UnaryOp::Exp) return VF::exp(v);
                             else if constexpr (OP == UnaryOp::Log) return VF::log(v);
                             else if constexpr (OP == UnaryOp::Sigmoid) return VF::sigmoid(v);
                             else return VF::tanh(v);
                           });
      return;
    }
  }
  if (so == sizeof(T) && si == sizeof(T)) {
    T* __restrict o = reinterpret_cast<T*>(out);
    const T* __restrict x = reinterpret_cast<const T*>(in);
    for (int64_t i = 0; i < n; ++i) o[i] = unary_forward<OP, T>(x[i], p0, p1);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(out + i * so) = unary_forward<OP, T>(*reinterpret_cast<const T*>(in + i * si), p0, p1);
  }
}

template <UnaryOp OP, typename T>
void unary_backward_loop(char* gin, const char* gout, const char* x, const char* y, int64_t n, double p0d, double p1d) {
  const T p0 = static_cast<T>(p0d), p1 = static_cast<T>(p1d);
  T* __restrict gi = reinterpret_cast<T*>(gin);
  const T* __restrict go = reinterpret_cast<const T*>(gout);
  const T* __restrict xs = reinterpret_cast<const T*>(x);
  const T* __restrict ys = reinterpret_cast<const T*>(y);
  for (int64_t i = 0; i < n; ++i) gi[i] = unary_backward<OP, T>(go[i], xs[i], ys[i], p0, p1);
}

// Fast paths: both operands contiguous, or one of them a broadcast scalar (stride 0); else generic strides.
template <BinaryOp OP, typename T, typename R>
void binary_loop(char* out, const char* a, const char* b, int64_t n, int64_t so, int64_t sa, int64_t sb) {
  auto f = [](T u, T v) -> R { return binary_forward<OP, T>(u, v); };
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

template <UnaryOp OP> void fill_unary(pydl::cpu::IsaKernels& k) {
  constexpr int i = static_cast<int>(OP);
  k.unary[i][0] = unary_loop<OP, float>;
  k.unary[i][1] = unary_loop<OP, double>;
  k.unary_backward[i][0] = unary_backward_loop<OP, float>;
  k.unary_backward[i][1] = unary_backward_loop<OP, double>;
}
template <BinaryOp OP> void fill_binary(pydl::cpu::IsaKernels& k) {
  constexpr int i = static_cast<int>(OP);
  constexpr bool cmp = pydl::is_comparison(OP);  // comparisons write bool
  k.binary[i][0] = binary_loop<OP, float, std::conditional_t<cmp, bool, float>>;
  k.binary[i][1] = binary_loop<OP, double, std::conditional_t<cmp, bool, double>>;
}
template <int... U, int... B>
void fill_elementwise(pydl::cpu::IsaKernels& k, std::integer_sequence<int, U...>, std::integer_sequence<int, B...>) {
  (fill_unary<static_cast<UnaryOp>(U)>(k), ...);
  (fill_binary<static_cast<BinaryOp>(B)>(k), ...);
}
// Every row of the table gets its loops (the arrays of IsaKernels are sized by the same counts).
inline void fill_elementwise(pydl::cpu::IsaKernels& k) {
  static_assert(sizeof(k.unary) / sizeof(k.unary[0]) == static_cast<size_t>(UnaryOp::Count), "one loop per unary op");
  static_assert(sizeof(k.binary) / sizeof(k.binary[0]) == static_cast<size_t>(BinaryOp::Count), "one per binary op");
  fill_elementwise(k, std::make_integer_sequence<int, static_cast<int>(UnaryOp::Count)>{},
                   std::make_integer_sequence<int, static_cast<int>(BinaryOp::Count)>{});
}

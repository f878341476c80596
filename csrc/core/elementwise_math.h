// The scalar math of the elementwise ops, for the host compiler (every CPU ISA) and nvcc alike: a small vocabulary
// of math functions, and unary_forward / unary_backward / binary_forward expanded from the formulas of the rows in
// core/elementwise_ops.def (one `if constexpr` branch per row; an op without a row does not compile).
//
// Deliberately no include guard and no includes: each per-ISA CPU file includes it inside an anonymous namespace, so
// every SIMD level gets its own private copy (no inline symbol shared across ISAs, which the linker could resolve to
// the AVX copy), and cuda/math.cuh includes it inside pydl::cuda. The includer provides <cstdint>, <type_traits>
// and core/dispatch.h first. On the host it uses compiler builtins rather than the <cmath> inline wrappers, for the
// same reason.
#ifndef PYDL_HD
#ifdef __CUDACC__
#define PYDL_HD __host__ __device__ __forceinline__
#else
#define PYDL_HD inline
#endif
#endif

#ifdef __CUDACC__
#define PYDL_MATH1(fn) if constexpr (sizeof(T) == 4) return ::fn##f(x); else return ::fn(x);
#define PYDL_MATH2(fn) if constexpr (sizeof(T) == 4) return ::fn##f(x, y); else return ::fn(x, y);
#else
#define PYDL_MATH1(fn) if constexpr (sizeof(T) == 4) return __builtin_##fn##f(x); else return __builtin_##fn(x);
#define PYDL_MATH2(fn) if constexpr (sizeof(T) == 4) return __builtin_##fn##f(x, y); else return __builtin_##fn(x, y);
#endif
template <typename T> PYDL_HD T m_exp(T x) { PYDL_MATH1(exp) }
template <typename T> PYDL_HD T m_log(T x) { PYDL_MATH1(log) }
template <typename T> PYDL_HD T m_log1p(T x) { PYDL_MATH1(log1p) }
template <typename T> PYDL_HD T m_expm1(T x) { PYDL_MATH1(expm1) }
template <typename T> PYDL_HD T m_sqrt(T x) { PYDL_MATH1(sqrt) }
template <typename T> PYDL_HD T m_tanh(T x) { PYDL_MATH1(tanh) }
template <typename T> PYDL_HD T m_erf(T x) { PYDL_MATH1(erf) }
template <typename T> PYDL_HD T m_fpow(T x, T y) { PYDL_MATH2(pow) }
#undef PYDL_MATH1
#undef PYDL_MATH2
template <typename T> PYDL_HD bool m_isnan(T x) { return x != x; }
// Stable for large |x| on either side.
template <typename T> PYDL_HD T m_sigmoid(T x) {
  return x >= T(0) ? T(1) / (T(1) + m_exp(-x)) : m_exp(x) / (T(1) + m_exp(x));
}

// Integer arithmetic wraps modulo 2^bits like NumPy's; it runs in the unsigned type because signed overflow is
// undefined behaviour in C++. Floating point and bool (+ is or, * is and) use plain arithmetic.
template <typename T, bool = std::is_integral<T>::value && !std::is_same<T, bool>::value> struct MWrap { using type = T; };
template <typename T> struct MWrap<T, true> { using type = typename std::make_unsigned<T>::type; };
template <typename T> PYDL_HD T m_add(T a, T b) {
  using U = typename MWrap<T>::type;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T> PYDL_HD T m_sub(T a, T b) {
  using U = typename MWrap<T>::type;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T> PYDL_HD T m_mul(T a, T b) {
  using U = typename MWrap<T>::type;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <typename T> PYDL_HD T m_neg(T x) {
  if constexpr (std::is_floating_point<T>::value) return -x;  // -0.0 for 0.0 (0 - x would give +0.0)
  else return m_sub(T(0), x);
}
template <typename T> PYDL_HD T m_abs(T x) {
  if constexpr (std::is_floating_point<T>::value) return x < T(0) ? -x : (x == T(0) ? T(0) : x);  // abs(-0.0) = 0.0
  else if constexpr (std::is_signed<T>::value) return x < T(0) ? m_neg(x) : x;
  else return x;
}
// Integers: exponentiation by squaring, wrapping. A negative exponent gives 1 here; the integer kernels refuse it
// before calling this (a ValueError, as in NumPy).
template <typename T> PYDL_HD T m_pow(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    return m_fpow(a, b);
  } else {
    T r = 1, base = a;
    for (int64_t e = static_cast<int64_t>(b); e > 0; e >>= 1) {
      if (e & 1) r = m_mul(r, base);
      base = m_mul(base, base);
    }
    return r;
  }
}

template <auto OP> constexpr bool kNoRowFor = false;

// y = f(x). T is the tensor's type; P is T for floating point and double (the bounds as given) for integers.
template <::pydl::UnaryOp OP, typename T, typename P> PYDL_HD T unary_forward(T x, P p0, P p1) {
#define PYDL_UNARY(E, name, alias, dtypes, role, args, forward, backward) \
  if constexpr (OP == ::pydl::UnaryOp::E) return forward; else
#include "core/elementwise_ops.def"
  { static_assert(kNoRowFor<OP>, "unary_forward: no row of core/elementwise_ops.def declares this op"); }
}

// dL/dx from g = dL/dy, the input x and the output y (floating point only).
template <::pydl::UnaryOp OP, typename T> PYDL_HD T unary_backward(T g, T x, T y, T p0, T p1) {
#define PYDL_UNARY(E, name, alias, dtypes, role, args, forward, backward) \
  if constexpr (OP == ::pydl::UnaryOp::E) return backward; else
#include "core/elementwise_ops.def"
  { static_assert(kNoRowFor<OP>, "unary_backward: no row of core/elementwise_ops.def declares this op"); }
}

// a (op) b: T for arithmetic rows, bool for comparisons.
template <::pydl::BinaryOp OP, typename T> PYDL_HD auto binary_forward(T a, T b) {
#define PYDL_BINARY(E, name, alias, dtypes, kind, formula)                                                        \
  if constexpr (OP == ::pydl::BinaryOp::E)                                                                        \
    return static_cast<typename std::conditional<::pydl::BinaryKind::kind == ::pydl::BinaryKind::Compare, bool, \
                                                 T>::type>(formula);                                              \
  else
#include "core/elementwise_ops.def"
  { static_assert(kNoRowFor<OP>, "binary_forward: no row of core/elementwise_ops.def declares this op"); }
}

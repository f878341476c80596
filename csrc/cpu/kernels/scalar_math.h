// Scalar forward/backward formulas of the elementwise ops. Included inside an anonymous namespace by each
// per-ISA file, so every SIMD level gets its own private copy (no shared inline symbols across ISAs).
// Uses compiler builtins rather than <cmath> inline wrappers for the same reason.

template <typename T> inline T m_exp(T x) { if constexpr (sizeof(T) == 4) return __builtin_expf(x); else return __builtin_exp(x); }
template <typename T> inline T m_log(T x) { if constexpr (sizeof(T) == 4) return __builtin_logf(x); else return __builtin_log(x); }
template <typename T> inline T m_log1p(T x) { if constexpr (sizeof(T) == 4) return __builtin_log1pf(x); else return __builtin_log1p(x); }
template <typename T> inline T m_expm1(T x) { if constexpr (sizeof(T) == 4) return __builtin_expm1f(x); else return __builtin_expm1(x); }
template <typename T> inline T m_sqrt(T x) { if constexpr (sizeof(T) == 4) return __builtin_sqrtf(x); else return __builtin_sqrt(x); }
template <typename T> inline T m_tanh(T x) { if constexpr (sizeof(T) == 4) return __builtin_tanhf(x); else return __builtin_tanh(x); }
template <typename T> inline T m_pow(T x, T y) { if constexpr (sizeof(T) == 4) return __builtin_powf(x, y); else return __builtin_pow(x, y); }
template <typename T> inline T m_abs(T x) { return x < 0 ? -x : (x == 0 ? T(0) : x); }
template <typename T> inline bool m_isnan(T x) { return x != x; }

// Forward: y = f(x); p0/p1 are op parameters.
template <typename T> inline T unary_forward(int op, T x, T p0, T p1) {
  switch (op) {
    case 0: return -x;                                               // Neg
    case 1: return m_abs(x);                                         // Abs
    case 2: return m_exp(x);                                         // Exp
    case 3: return m_log(x);                                         // Log
    case 4: return m_sqrt(x);                                        // Sqrt
    case 5: return x * x;                                            // Square
    case 6: return T(1) / x;                                         // Reciprocal
    case 7: return x >= 0 ? T(1) / (T(1) + m_exp(-x)) : m_exp(x) / (T(1) + m_exp(x));  // Sigmoid, stable
    case 8: return m_tanh(x);                                        // Tanh
    case 9: return x > 0 ? x : (m_isnan(x) ? x : T(0));             // Relu (NaN propagates)
    case 10: return x > 0 ? x : x * p0;                              // LeakyRelu
    case 11: return x > 0 ? x : p0 * m_expm1(x);                     // Elu
    case 12: return x > 0 ? x + m_log1p(m_exp(-x)) : m_log1p(m_exp(x));  // Softplus, stable
    default: return m_isnan(x) ? x : (x < p0 ? p0 : (x > p1 ? p1 : x));  // Clip
  }
}

// Backward: dL/dx given g = dL/dy, the input x and the output y.
template <typename T> inline T unary_backward(int op, T g, T x, T y, T p0, T p1) {
  switch (op) {
    case 0: return -g;
    case 1: return x > 0 ? g : (x < 0 ? -g : T(0));
    case 2: return g * y;
    case 3: return g / x;
    case 4: return g * T(0.5) / y;
    case 5: return g * T(2) * x;
    case 6: return -g * y * y;
    case 7: return g * y * (T(1) - y);
    case 8: return g * (T(1) - y * y);
    case 9: return x > 0 ? g : T(0);
    case 10: return x > 0 ? g : g * p0;
    case 11: return x > 0 ? g : g * (y + p0);
    case 12: return g * (x >= 0 ? T(1) / (T(1) + m_exp(-x)) : m_exp(x) / (T(1) + m_exp(x)));
    default: return (x >= p0 && x <= p1) ? g : T(0);
  }
}

template <typename T> inline T binary_arith(int op, T a, T b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return m_pow(a, b);
    case 5: return (m_isnan(a) || a > b) ? a : b;   // maximum propagates NaN like numpy
    default: return (m_isnan(a) || a < b) ? a : b;  // minimum
  }
}

template <typename T> inline bool binary_compare(int op, T a, T b) {
  switch (op) {
    case 7: return a == b;
    case 8: return a != b;
    case 9: return a < b;
    case 10: return a <= b;
    case 11: return a > b;
    default: return a >= b;
  }
}

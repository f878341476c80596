// CPU elementwise kernels: fill, copy/cast, unary, binary, where. Float math runs the per-ISA loops;
// integer and bool paths are plain templates here.
#include <cstring>
#include <type_traits>
#include "cpu/isa_kernels.h"
#include "cpu/register.h"
#include "cpu/loops.h"

namespace pydl {
namespace cpu {
namespace {

// Integer arithmetic wraps modulo 2^bits, as NumPy's does. It is done in the unsigned type: signed overflow is
// undefined behaviour in C++ (UBSan stops on it, and the optimizer may assume it never happens).
template <typename T, typename = void> struct WrapType { using type = T; };
template <typename T>
struct WrapType<T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value>> {
  using type = std::make_unsigned_t<T>;
};
template <typename T> T wrap_add(T a, T b) {
  using U = typename WrapType<T>::type;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T> T wrap_sub(T a, T b) {
  using U = typename WrapType<T>::type;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T> T wrap_mul(T a, T b) {
  using U = typename WrapType<T>::type;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

template <typename T> T int_unary(UnaryOp op, T x, double p0, double p1) {
  switch (op) {
    case UnaryOp::Neg: return wrap_sub(T(0), x);
    case UnaryOp::Abs: if constexpr (std::is_signed<T>::value) return x < 0 ? wrap_sub(T(0), x) : x; else return x;
    case UnaryOp::Square: return wrap_mul(x, x);
    case UnaryOp::Relu: return x > 0 ? x : T(0);
    case UnaryOp::Clip: return x < p0 ? static_cast<T>(p0) : (x > p1 ? static_cast<T>(p1) : x);
    default: throw DTypeError("unary op needs a floating-point tensor");
  }
}

template <typename T> T int_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return wrap_add(a, b);
    case BinaryOp::Sub: return wrap_sub(a, b);
    case BinaryOp::Mul: return wrap_mul(a, b);
    case BinaryOp::Maximum: return a > b ? a : b;
    case BinaryOp::Minimum: return a < b ? a : b;
    case BinaryOp::Pow: {
      if (b < 0) throw ValueError("pow: integers to negative integer powers are not allowed");
      T r = 1, base = a;
      for (int64_t e = static_cast<int64_t>(b); e > 0; e >>= 1) { if (e & 1) r = wrap_mul(r, base); base = wrap_mul(base, base); }
      return r;
    }
    default: throw ValueError("binary op not defined for integer tensors");
  }
}

template <typename T> bool compare(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    default: return a >= b;
  }
}

template <typename T> void fill_typed(const Tensor& out, double v) {
  const T value = static_cast<T>(v);
  for_each_strided<1>(out.shape(), {out.raw_data()}, {&out.strides()}, {out.itemsize()},
                      [&](char** p, int64_t n, const int64_t* s) {
                        if (s[0] == sizeof(T)) { T* o = reinterpret_cast<T*>(p[0]); for (int64_t i = 0; i < n; ++i) o[i] = value; }
                        else for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = value;
                      });
}

void fill(const Tensor& out, double v) {
  visit_dtype(out.dtype(), [&](auto t) { fill_typed<decltype(t)>(out, v); });
}

template <typename To, typename From> void copy_typed(const Tensor& out, const Tensor& in) {
  for_each_strided<2>(out.shape(), {out.raw_data(), in.raw_data()}, {&out.strides(), &in.strides()},
                      {out.itemsize(), in.itemsize()}, [&](char** p, int64_t n, const int64_t* s) {
                        if constexpr (std::is_same<To, From>::value) {
                          if (s[0] == sizeof(To) && s[1] == sizeof(From)) { std::memmove(p[0], p[1], n * sizeof(To)); return; }
                        }
                        if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
                          To* o = reinterpret_cast<To*>(p[0]);
                          const From* x = reinterpret_cast<const From*>(p[1]);
                          for (int64_t i = 0; i < n; ++i) o[i] = static_cast<To>(x[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<To*>(p[0] + i * s[0]) = static_cast<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
                        }
                      });
}

void copy(const Tensor& out, const Tensor& in) {
  visit_dtype(out.dtype(), [&](auto to) {
    visit_dtype(in.dtype(), [&](auto from) { copy_typed<decltype(to), decltype(from)>(out, in); });
  });
}

void unary(const Tensor& out, const Tensor& in, UnaryOp op, double p0, double p1) {
  if (is_floating(in.dtype())) {
    UnaryLoop loop = isa_kernels().unary[static_cast<int>(op)][float_index(in.dtype())];
    for_each_strided<2>(out.shape(), {out.raw_data(), in.raw_data()}, {&out.strides(), &in.strides()},
                        {out.itemsize(), in.itemsize()},
                        [&](char** p, int64_t n, const int64_t* s) { loop(p[0], p[1], n, s[0], s[1], p0, p1); });
    return;
  }
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_strided<2>(out.shape(), {out.raw_data(), in.raw_data()}, {&out.strides(), &in.strides()},
                        {out.itemsize(), in.itemsize()}, [&](char** p, int64_t n, const int64_t* s) {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<T*>(p[0] + i * s[0]) = int_unary<T>(op, *reinterpret_cast<const T*>(p[1] + i * s[1]), p0, p1);
                        });
  });
}

void unary_backward(const Tensor& gin, const Tensor& gout, const Tensor& x, const Tensor& y, UnaryOp op, double p0,
                    double p1) {
  UnaryBackwardLoop loop = isa_kernels().unary_backward[static_cast<int>(op)][float_index(x.dtype())];
  const int64_t n = gin.numel(), isz = gin.itemsize();
  parallel_for(0, n, kParallelGrain, [&](int64_t lo, int64_t hi) {
    loop(gin.raw_data() + lo * isz, gout.raw_data() + lo * isz, x.raw_data() + lo * isz, y.raw_data() + lo * isz,
         hi - lo, p0, p1);
  });
}

void binary(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
  std::array<char*, 3> base{out.raw_data(), a.raw_data(), b.raw_data()};
  std::array<const Shape*, 3> st{&out.strides(), &a.strides(), &b.strides()};
  std::array<int64_t, 3> isz{out.itemsize(), a.itemsize(), b.itemsize()};
  if (is_floating(a.dtype())) {
    BinaryLoop loop = isa_kernels().binary[static_cast<int>(op)][float_index(a.dtype())];
    for_each_strided<3>(out.shape(), base, st, isz,
                        [&](char** p, int64_t n, const int64_t* s) { loop(p[0], p[1], p[2], n, s[0], s[1], s[2]); });
    return;
  }
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool cmp = is_comparison(op);
    for_each_strided<3>(out.shape(), base, st, isz, [&](char** p, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n; ++i) {
        T u = *reinterpret_cast<const T*>(p[1] + i * s[1]), v = *reinterpret_cast<const T*>(p[2] + i * s[2]);
        if (cmp) *reinterpret_cast<bool*>(p[0] + i * s[0]) = compare<T>(op, u, v);
        else *reinterpret_cast<T*>(p[0] + i * s[0]) = int_binary<T>(op, u, v);
      }
    });
  });
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_strided<4>(out.shape(), {out.raw_data(), cond.raw_data(), a.raw_data(), b.raw_data()},
                        {&out.strides(), &cond.strides(), &a.strides(), &b.strides()},
                        {out.itemsize(), cond.itemsize(), a.itemsize(), b.itemsize()},
                        [&](char** p, int64_t n, const int64_t* s) {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<T*>(p[0] + i * s[0]) =
                                *reinterpret_cast<const bool*>(p[1] + i * s[1]) ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                                                : *reinterpret_cast<const T*>(p[3] + i * s[3]);
                        });
  });
}

}  // namespace

void register_elementwise(KernelTable& t) {
  t.fill = fill;
  t.copy = copy;
  t.unary = unary;
  t.unary_backward = unary_backward;
  t.binary = binary;
  t.where = where;
}

}  // namespace cpu
}  // namespace pydl

// CPU elementwise kernels: fill, copy/cast, unary, binary, where. Float math runs the per-ISA loops;
// integer and bool paths are plain templates here.
#include <cstring>
#include <type_traits>
#include "core/elementwise_ops.h"
#include "cpu/isa_kernels.h"
#include "cpu/register.h"
#include "cpu/loops.h"

namespace pydl {
namespace cpu {
namespace {

#include "core/elementwise_math.h"

// Integer (and bool) tensors: the rows' own formulas in the tensor's dtype, for the rows whose dtypes column says
// Ints; the others never reach here (the op layer computes them in float32), and throw if they do.
template <typename T> T int_unary(UnaryOp op, T x, double p0, double p1) {
  switch (op) {
#define PYDL_UNARY(E, name, alias, dtypes, role, args, forward, backward)                    \
  case UnaryOp::E:                                                                         \
    if constexpr (OpDTypes::dtypes == OpDTypes::Ints) return unary_forward<UnaryOp::E, T>(x, p0, p1); \
    else break;
#include "core/elementwise_ops.def"
    case UnaryOp::Count: break;
  }
  throw DTypeError(str_cat(unary_name(op), ": needs a floating-point tensor"));
}

// Integers to a negative power are an error, as in NumPy (m_pow leaves them to the caller).
template <typename T> void check_int_exponent(BinaryOp op, T b) {
  if constexpr (std::is_signed<T>::value)
    PYDL_CHECK(!(op == BinaryOp::Pow && b < 0), ValueError, "pow: integers to negative integer powers are not allowed");
}

template <typename T> auto int_binary(BinaryOp op, T a, T b) {
  struct R { T value; bool flag; };  // arithmetic result, or comparison result
  switch (op) {
#define PYDL_BINARY(E, name, alias, dtypes, kind, formula)                                              \
  case BinaryOp::E:                                                                                   \
    if constexpr (OpDTypes::dtypes == OpDTypes::Ints) {                                               \
      if constexpr (BinaryKind::kind == BinaryKind::Compare) return R{T(), binary_forward<BinaryOp::E, T>(a, b)}; \
      else return R{binary_forward<BinaryOp::E, T>(a, b), false};                                     \
    }                                                                                                 \
    break;
#include "core/elementwise_ops.def"
    case BinaryOp::Count: break;
  }
  throw ValueError(str_cat(binary_name(op), ": not defined for integer tensors"));
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
        check_int_exponent(op, v);
        auto r = int_binary<T>(op, u, v);
        if (cmp) *reinterpret_cast<bool*>(p[0] + i * s[0]) = r.flag;
        else *reinterpret_cast<T*>(p[0] + i * s[0]) = r.value;
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

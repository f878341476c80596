// CUDA unary ops and their backward. Float kernels are specialised per op at compile time (one tight loop each);
// the few integer ops (neg, abs, square, relu, clip) share one kernel per dtype with the op as a runtime value.
#include <utility>
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kUnaryOps = static_cast<int>(UnaryOp::Count);

const char* unary_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "exp", "log", "sqrt", "square", "reciprocal",
                                "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "clip"};
  return names[static_cast<int>(op)];
}

// ============================================================================================ kernels
// (the loops are the generic maps of common.cuh; these functors are their bodies)

template <int OP, typename T> struct UnaryF {
  T p0, p1;
  __device__ __forceinline__ T operator()(T x) const { return unary_forward<OP, T>(x, p0, p1); }
};

template <int OP, typename T> struct UnaryBackwardF {
  T p0, p1;
  __device__ __forceinline__ T operator()(T g, T x, T y) const { return unary_backward<OP, T>(g, x, y, p0, p1); }
};

// Integer ops, same rules as csrc/cpu/elementwise.cpp (clip bounds compare as double, like the CPU).
template <typename T> struct IntUnaryF {
  UnaryOp op;
  double lo, hi;
  __device__ __forceinline__ T operator()(T x) const {
    switch (op) {
      case UnaryOp::Neg: return static_cast<T>(-x);
      case UnaryOp::Abs:
        if constexpr (std::is_signed<T>::value) return x < 0 ? static_cast<T>(-x) : x;
        else return x;
      case UnaryOp::Square: return static_cast<T>(x * x);
      case UnaryOp::Relu: return x > 0 ? x : T(0);
      default: return x < lo ? static_cast<T>(lo) : (x > hi ? static_cast<T>(hi) : x);  // Clip
    }
  }
};

// ============================================================================================ launchers

template <int OP> void unary_float(const Tensor& out, const Tensor& in, double p0, double p1) {
  const char* name = unary_name(static_cast<UnaryOp>(OP));
  if (in.dtype() == DType::Float64)
    launch_map<double, double>(name, UnaryF<OP, double>{p0, p1}, out, in);
  else
    launch_map<float, float>(name, UnaryF<OP, float>{static_cast<float>(p0), static_cast<float>(p1)}, out, in);
}

template <int OP> void unary_backward_float(const Tensor& gin, const Tensor& gout, const Tensor& x, const Tensor& y,
                                            double p0, double p1) {
  const char* name = unary_name(static_cast<UnaryOp>(OP));
  if (x.dtype() == DType::Float64)
    launch_map<double, double, double, double>(name, UnaryBackwardF<OP, double>{p0, p1}, gin, gout, x, y);
  else
    launch_map<float, float, float, float>(name, UnaryBackwardF<OP, float>{static_cast<float>(p0), static_cast<float>(p1)},
                                           gin, gout, x, y);
}

using UnaryFn = void (*)(const Tensor&, const Tensor&, double, double);
using UnaryBackwardFn = void (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, double);

template <int... OPS> std::array<UnaryFn, kUnaryOps> unary_table(std::integer_sequence<int, OPS...>) {
  return {unary_float<OPS>...};
}
template <int... OPS> std::array<UnaryBackwardFn, kUnaryOps> unary_backward_table(std::integer_sequence<int, OPS...>) {
  return {unary_backward_float<OPS>...};
}

void unary(const Tensor& out, const Tensor& in, UnaryOp op, double p0, double p1) {
  if (is_floating(in.dtype())) {
    static const auto table = unary_table(std::make_integer_sequence<int, kUnaryOps>{});
    table[static_cast<int>(op)](out, in, p0, p1);
    return;
  }
  PYDL_CHECK(op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Square || op == UnaryOp::Relu ||
             op == UnaryOp::Clip, DTypeError, unary_name(op), ": needs a floating-point tensor, got ",
             dtype_name(in.dtype()));
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_floating_point<T>::value)
      launch_map<T, T>(unary_name(op), IntUnaryF<T>{op, p0, p1}, out, in);
  });
}

void unary_backward(const Tensor& gin, const Tensor& gout, const Tensor& x, const Tensor& y, UnaryOp op, double p0,
                    double p1) {
  PYDL_CHECK(is_floating(x.dtype()), DTypeError, unary_name(op), " backward: needs a floating-point tensor");
  static const auto table = unary_backward_table(std::make_integer_sequence<int, kUnaryOps>{});
  table[static_cast<int>(op)](gin, gout, x, y, p0, p1);
}

}  // namespace

void register_unary(KernelTable& t) {
  t.unary = unary;
  t.unary_backward = unary_backward;
}

}  // namespace cuda
}  // namespace pydl

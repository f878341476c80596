// CUDA unary ops and their backward, one instantiation per row of core/elementwise_ops.def: float kernels are
// specialised per op at compile time (one tight loop each), and so are the integer ones of the rows that allow them.
#include <utility>
#include "core/elementwise_ops.h"
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kUnaryOps = static_cast<int>(UnaryOp::Count);

// ============================================================================================ kernels
// (the loops are the generic maps of common.cuh; these functors are their bodies)

template <UnaryOp OP, typename T> struct UnaryF {
  T p0, p1;
  __device__ __forceinline__ T operator()(T x) const { return unary_forward<OP, T>(x, p0, p1); }
};

template <UnaryOp OP, typename T> struct UnaryBackwardF {
  T p0, p1;
  __device__ __forceinline__ T operator()(T g, T x, T y) const { return unary_backward<OP, T>(g, x, y, p0, p1); }
};

// Integer tensors: the same formula in the tensor's dtype, with the parameters as double (clip compares the bounds
// as double, like the CPU).
template <UnaryOp OP, typename T> struct IntUnaryF {
  double p0, p1;
  __device__ __forceinline__ T operator()(T x) const { return unary_forward<OP, T>(x, p0, p1); }
};

// ============================================================================================ launchers

template <UnaryOp OP> void unary_typed(const Tensor& out, const Tensor& in, double p0, double p1) {
  const char* name = unary_name(OP);
  if (in.dtype() == DType::Float64) {
    launch_map<double, double>(name, UnaryF<OP, double>{p0, p1}, out, in);
  } else if (in.dtype() == DType::Float32) {
    launch_map<float, float>(name, UnaryF<OP, float>{static_cast<float>(p0), static_cast<float>(p1)}, out, in);
  } else {
    PYDL_CHECK(unary_int_ok(OP), DTypeError, name, ": needs a floating-point tensor, got ", dtype_name(in.dtype()));
    visit_dtype(in.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_floating_point<T>::value)
        if constexpr (kUnaryOpInfo[static_cast<int>(OP)].dtypes == OpDTypes::Ints)
          launch_map<T, T>(name, IntUnaryF<OP, T>{p0, p1}, out, in);
    });
  }
}

template <UnaryOp OP> void unary_backward_float(const Tensor& gin, const Tensor& gout, const Tensor& x, const Tensor& y,
                                                double p0, double p1) {
  const char* name = unary_name(OP);
  if (x.dtype() == DType::Float64)
    launch_map<double, double, double, double>(name, UnaryBackwardF<OP, double>{p0, p1}, gin, gout, x, y);
  else
    launch_map<float, float, float, float>(name, UnaryBackwardF<OP, float>{static_cast<float>(p0), static_cast<float>(p1)},
                                           gin, gout, x, y);
}

using UnaryFn = void (*)(const Tensor&, const Tensor&, double, double);
using UnaryBackwardFn = void (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, double);

// One entry per row, in enum order (the sequence runs to UnaryOp::Count).
template <int... OPS> std::array<UnaryFn, kUnaryOps> unary_table(std::integer_sequence<int, OPS...>) {
  return {unary_typed<static_cast<UnaryOp>(OPS)>...};
}
template <int... OPS> std::array<UnaryBackwardFn, kUnaryOps> unary_backward_table(std::integer_sequence<int, OPS...>) {
  return {unary_backward_float<static_cast<UnaryOp>(OPS)>...};
}

void unary(const Tensor& out, const Tensor& in, UnaryOp op, double p0, double p1) {
  static const auto table = unary_table(std::make_integer_sequence<int, kUnaryOps>{});
  table[static_cast<int>(unary_info(op).op)](out, in, p0, p1);
}

void unary_backward(const Tensor& gin, const Tensor& gout, const Tensor& x, const Tensor& y, UnaryOp op, double p0,
                    double p1) {
  PYDL_CHECK(is_floating(x.dtype()), DTypeError, unary_name(op), " backward: needs a floating-point tensor");
  static const auto table = unary_backward_table(std::make_integer_sequence<int, kUnaryOps>{});
  table[static_cast<int>(unary_info(op).op)](gin, gout, x, y, p0, p1);
}

}  // namespace

void register_unary(KernelTable& t) {
  t.unary = unary;
  t.unary_backward = unary_backward;
}

}  // namespace cuda
}  // namespace pydl

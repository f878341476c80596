// CUDA binary ops: arithmetic, maximum/minimum (NaN-propagating) and comparisons (bool output), on operands the op
// layer has already broadcast (stride 0). One instantiation per row of core/elementwise_ops.def and dtype.
#include <utility>
#include "core/elementwise_ops.h"
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kBinaryOps = static_cast<int>(BinaryOp::Count);

// ============================================================================================ kernels
// (bodies of the generic maps in common.cuh)

// Both kinds of row: R is T for arithmetic, bool for comparisons. Integer pow with a negative exponent is an error
// on the CPU; here it sets *bad (when given), which the launcher reads back and turns into the same ValueError.
template <BinaryOp OP, typename T, typename R> struct BinaryF {
  int* bad;
  __device__ __forceinline__ R operator()(T a, T b) const {
    if constexpr (OP == BinaryOp::Pow && std::is_integral<T>::value && std::is_signed<T>::value) {
      if (b < 0) { *bad = 1; return R(0); }
    }
    return binary_forward<OP, T>(a, b);
  }
};

// ============================================================================================ launchers

template <BinaryOp OP, typename T> void binary_typed(const Tensor& out, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(OP);
  using R = typename std::conditional<is_comparison(OP), bool, T>::type;
  constexpr bool checks_exponent = OP == BinaryOp::Pow && std::is_integral<T>::value && std::is_signed<T>::value;
  if constexpr (!checks_exponent) {
    launch_map<R, T, T>(name, BinaryF<OP, T, R>{nullptr}, out, a, b);
  } else {
    Launch L(out);
    Workspace flag(sizeof(int), L.device);
    check(cudaMemsetAsync(flag.as<int>(), 0, sizeof(int), L.stream), name);
    launch_map<R, T, T>(name, BinaryF<OP, T, R>{flag.as<int>()}, out, a, b);
    int bad = 0;
    check(cudaMemcpyAsync(&bad, flag.as<int>(), sizeof(int), cudaMemcpyDeviceToHost, L.stream), name);
    check(cudaStreamSynchronize(L.stream), name);
    PYDL_CHECK(!bad, ValueError, "pow: integers to negative integer powers are not allowed");
  }
}

template <BinaryOp OP> void binary_op(const Tensor& out, const Tensor& a, const Tensor& b) {
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr bool ints_ok = kBinaryOpInfo[static_cast<int>(OP)].dtypes == OpDTypes::Ints;
    if constexpr (std::is_floating_point<T>::value || ints_ok) {
      // bool + and * are logical or / and (ops::binary_dtype refuses bool - and gives int64 for bool **)
      if constexpr (std::is_same<T, bool>::value && (OP == BinaryOp::Sub || OP == BinaryOp::Pow))
        throw ValueError(str_cat(binary_name(OP), ": not defined for bool tensors"));
      else binary_typed<OP, T>(out, a, b);
    } else {
      throw ValueError(str_cat(binary_name(OP), ": not defined for ", dtype_name(a.dtype()), " tensors"));
    }
  });
}

using BinaryFn = void (*)(const Tensor&, const Tensor&, const Tensor&);
// One entry per row, in enum order (the sequence runs to BinaryOp::Count).
template <int... OPS> std::array<BinaryFn, kBinaryOps> binary_table(std::integer_sequence<int, OPS...>) {
  return {binary_op<static_cast<BinaryOp>(OPS)>...};
}

void binary(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
  PYDL_CHECK(a.dtype() == b.dtype(), DTypeError, binary_name(op), ": operands must share a dtype, got ",
             dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  static const auto table = binary_table(std::make_integer_sequence<int, kBinaryOps>{});
  table[static_cast<int>(binary_info(op).op)](out, a, b);
}

}  // namespace

void register_binary(KernelTable& t) { t.binary = binary; }

}  // namespace cuda
}  // namespace pydl

// CUDA binary ops: arithmetic, maximum/minimum (NaN-propagating) and comparisons (bool output), on operands the op
// layer has already broadcast (stride 0). Float kernels are specialised per op; integer ones take the op at run time.
#include <utility>
#include "cuda/common.cuh"
#include "cuda/math.cuh"

namespace pydl {
namespace cuda {
namespace {

constexpr int kBinaryOps = static_cast<int>(BinaryOp::Count);

const char* binary_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                "eq", "ne", "lt", "le", "gt", "ge"};
  return names[static_cast<int>(op)];
}

// ============================================================================================ kernels
// (bodies of the generic maps in common.cuh)

template <int OP, typename T> struct ArithF {
  __device__ __forceinline__ T operator()(T a, T b) const { return binary_arith<OP, T>(a, b); }
};

template <int OP, typename T> struct CompareF {
  __device__ __forceinline__ bool operator()(T a, T b) const { return binary_compare<OP, T>(a, b); }
};

// Integer arithmetic with the CPU's rules (wrapping, exponentiation by squaring). A negative exponent is an
// error on the CPU; here it sets *bad, which the launcher reads back and turns into the same ValueError.
template <typename T> struct IntArithF {
  BinaryOp op;
  int* bad;
  __device__ __forceinline__ T operator()(T a, T b) const {
    switch (op) {
      case BinaryOp::Add: return static_cast<T>(a + b);
      case BinaryOp::Sub: return static_cast<T>(a - b);
      case BinaryOp::Mul: return static_cast<T>(a * b);
      case BinaryOp::Maximum: return a > b ? a : b;
      case BinaryOp::Minimum: return a < b ? a : b;
      default: {  // Pow
        if constexpr (std::is_signed<T>::value) {
          if (b < 0) { *bad = 1; return T(0); }
        }
        T r = 1, base = a;
        for (int64_t e = static_cast<int64_t>(b); e > 0; e >>= 1) {
          if (e & 1) r = static_cast<T>(r * base);
          base = static_cast<T>(base * base);
        }
        return r;
      }
    }
  }
};

template <typename T> struct IntCompareF {
  BinaryOp op;
  __device__ __forceinline__ bool operator()(T a, T b) const {
    switch (op) {
      case BinaryOp::Eq: return a == b;
      case BinaryOp::Ne: return a != b;
      case BinaryOp::Lt: return a < b;
      case BinaryOp::Le: return a <= b;
      case BinaryOp::Gt: return a > b;
      default: return a >= b;
    }
  }
};

// ============================================================================================ launchers

template <int OP> void binary_float(const Tensor& out, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(static_cast<BinaryOp>(OP));
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if constexpr (OP >= static_cast<int>(BinaryOp::Eq)) launch_map<bool, T, T>(name, CompareF<OP, T>{}, out, a, b);
    else launch_map<T, T, T>(name, ArithF<OP, T>{}, out, a, b);
  };
  if (a.dtype() == DType::Float64) run(double{});
  else run(float{});
}

using BinaryFn = void (*)(const Tensor&, const Tensor&, const Tensor&);
template <int... OPS> std::array<BinaryFn, kBinaryOps> binary_table(std::integer_sequence<int, OPS...>) {
  return {binary_float<OPS>...};
}

template <typename T> void binary_int(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
  const char* name = binary_name(op);
  if (is_comparison(op)) {
    launch_map<bool, T, T>(name, IntCompareF<T>{op}, out, a, b);
    return;
  }
  constexpr bool is_bool = std::is_same<T, bool>::value;
  // bool + and * are logical or / and (ops::binary_dtype refuses bool - and gives int64 for bool **)
  PYDL_CHECK(op != BinaryOp::Div && !(is_bool && (op == BinaryOp::Sub || op == BinaryOp::Pow)), ValueError, name,
             ": not defined for ", dtype_name(a.dtype()), " tensors");
  if (op != BinaryOp::Pow) {
    launch_map<T, T, T>(name, IntArithF<T>{op, nullptr}, out, a, b);
    return;
  }
  Launch L(out);
  Workspace flag(sizeof(int), L.device);
  check(cudaMemsetAsync(flag.as<int>(), 0, sizeof(int), L.stream), name);
  launch_map<T, T, T>(name, IntArithF<T>{op, flag.as<int>()}, out, a, b);
  int bad = 0;
  check(cudaMemcpyAsync(&bad, flag.as<int>(), sizeof(int), cudaMemcpyDeviceToHost, L.stream), name);
  check(cudaStreamSynchronize(L.stream), name);
  PYDL_CHECK(!bad, ValueError, "pow: integers to negative integer powers are not allowed");
}

void binary(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
  PYDL_CHECK(a.dtype() == b.dtype(), DTypeError, binary_name(op), ": operands must share a dtype, got ",
             dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  if (is_floating(a.dtype())) {
    static const auto table = binary_table(std::make_integer_sequence<int, kBinaryOps>{});
    table[static_cast<int>(op)](out, a, b);
    return;
  }
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_floating_point<T>::value) binary_int<T>(out, a, b, op);
  });
}

}  // namespace

void register_binary(KernelTable& t) { t.binary = binary; }

}  // namespace cuda
}  // namespace pydl

// Device versions of the scalar formulas in csrc/cpu/kernels/scalar_math.h: the same expressions (stable sigmoid
// and softplus, NaN-propagating relu/clip/maximum), so CPU and CUDA agree to rounding. Keep the two in step.
#pragma once
#include <cstdint>
#include "core/dispatch.h"

namespace pydl {
namespace cuda {

__device__ __forceinline__ float d_exp(float x) { return expf(x); }
__device__ __forceinline__ double d_exp(double x) { return exp(x); }
__device__ __forceinline__ float d_log(float x) { return logf(x); }
__device__ __forceinline__ double d_log(double x) { return log(x); }
__device__ __forceinline__ float d_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double d_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float d_expm1(float x) { return expm1f(x); }
__device__ __forceinline__ double d_expm1(double x) { return expm1(x); }
__device__ __forceinline__ float d_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double d_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float d_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double d_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float d_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double d_pow(double x, double y) { return pow(x, y); }
template <typename T> __device__ __forceinline__ bool d_isnan(T x) { return x != x; }

template <typename T> __device__ __forceinline__ T d_sigmoid(T x) {
  return x >= T(0) ? T(1) / (T(1) + d_exp(-x)) : d_exp(x) / (T(1) + d_exp(x));
}

template <int OP, typename T> __device__ __forceinline__ T unary_forward(T x, T p0, T p1) {
  constexpr UnaryOp op = static_cast<UnaryOp>(OP);
  if constexpr (op == UnaryOp::Neg) return -x;
  else if constexpr (op == UnaryOp::Abs) return x < T(0) ? -x : (x == T(0) ? T(0) : x);
  else if constexpr (op == UnaryOp::Exp) return d_exp(x);
  else if constexpr (op == UnaryOp::Log) return d_log(x);
  else if constexpr (op == UnaryOp::Sqrt) return d_sqrt(x);
  else if constexpr (op == UnaryOp::Square) return x * x;
  else if constexpr (op == UnaryOp::Reciprocal) return T(1) / x;
  else if constexpr (op == UnaryOp::Sigmoid) return d_sigmoid(x);
  else if constexpr (op == UnaryOp::Tanh) return d_tanh(x);
  else if constexpr (op == UnaryOp::Relu) return x > T(0) ? x : (d_isnan(x) ? x : T(0));
  else if constexpr (op == UnaryOp::LeakyRelu) return x > T(0) ? x : x * p0;
  else if constexpr (op == UnaryOp::Elu) return x > T(0) ? x : p0 * d_expm1(x);
  else if constexpr (op == UnaryOp::Softplus) return x > T(0) ? x + d_log1p(d_exp(-x)) : d_log1p(d_exp(x));
  else return d_isnan(x) ? x : (x < p0 ? p0 : (x > p1 ? p1 : x));  // Clip
}

// dL/dx from g = dL/dy, the input x and the output y.
template <int OP, typename T> __device__ __forceinline__ T unary_backward(T g, T x, T y, T p0, T p1) {
  constexpr UnaryOp op = static_cast<UnaryOp>(OP);
  if constexpr (op == UnaryOp::Neg) return -g;
  else if constexpr (op == UnaryOp::Abs) return x > T(0) ? g : (x < T(0) ? -g : T(0));
  else if constexpr (op == UnaryOp::Exp) return g * y;
  else if constexpr (op == UnaryOp::Log) return g / x;
  else if constexpr (op == UnaryOp::Sqrt) return g * T(0.5) / y;
  else if constexpr (op == UnaryOp::Square) return g * T(2) * x;
  else if constexpr (op == UnaryOp::Reciprocal) return -g * y * y;
  else if constexpr (op == UnaryOp::Sigmoid) return g * y * (T(1) - y);
  else if constexpr (op == UnaryOp::Tanh) return g * (T(1) - y * y);
  else if constexpr (op == UnaryOp::Relu) return x > T(0) ? g : T(0);
  else if constexpr (op == UnaryOp::LeakyRelu) return x > T(0) ? g : g * p0;
  else if constexpr (op == UnaryOp::Elu) return x > T(0) ? g : g * (y + p0);
  else if constexpr (op == UnaryOp::Softplus) return g * d_sigmoid(x);
  else return (x >= p0 && x <= p1) ? g : T(0);  // Clip
}

template <int OP, typename T> __device__ __forceinline__ T binary_arith(T a, T b) {
  constexpr BinaryOp op = static_cast<BinaryOp>(OP);
  if constexpr (op == BinaryOp::Add) return a + b;
  else if constexpr (op == BinaryOp::Sub) return a - b;
  else if constexpr (op == BinaryOp::Mul) return a * b;
  else if constexpr (op == BinaryOp::Div) return a / b;
  else if constexpr (op == BinaryOp::Pow) return d_pow(a, b);
  else if constexpr (op == BinaryOp::Maximum) return (d_isnan(a) || a > b) ? a : b;  // NaN wins, like NumPy
  else return (d_isnan(a) || a < b) ? a : b;                                        // Minimum
}

template <int OP, typename T> __device__ __forceinline__ bool binary_compare(T a, T b) {
  constexpr BinaryOp op = static_cast<BinaryOp>(OP);
  if constexpr (op == BinaryOp::Eq) return a == b;
  else if constexpr (op == BinaryOp::Ne) return a != b;
  else if constexpr (op == BinaryOp::Lt) return a < b;
  else if constexpr (op == BinaryOp::Le) return a <= b;
  else if constexpr (op == BinaryOp::Gt) return a > b;
  else return a >= b;
}

}  // namespace cuda
}  // namespace pydl

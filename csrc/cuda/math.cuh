// Device math: the elementwise ops' formulas come from core/elementwise_math.h (the same header, and so the same
// expressions, as every CPU ISA compiles), and a few short names the other CUDA kernels use.
#pragma once
#include <cstdint>
#include <type_traits>
#include "core/dispatch.h"

namespace pydl {
namespace cuda {

#include "core/elementwise_math.h"

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

template <typename T> __device__ __forceinline__ T d_sigmoid(T x) { return m_sigmoid(x); }

}  // namespace cuda
}  // namespace pydl

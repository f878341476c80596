// Element types a tensor can hold, and the promotion order between them.
#pragma once
#include <cstdint>
#include <string>

namespace pydl {

enum class DType : uint8_t { Bool = 0, UInt8 = 1, Int32 = 2, Int64 = 3, Float32 = 4, Float64 = 5 };
constexpr int kNumDTypes = 6;

inline int64_t itemsize(DType d) {
  switch (d) {
    case DType::Bool: case DType::UInt8: return 1;
    case DType::Int32: case DType::Float32: return 4;
    default: return 8;
  }
}
inline const char* dtype_name(DType d) {
  static const char* names[] = {"bool", "uint8", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(d)];
}
inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }
// The order is the promotion order: the larger of two dtypes holds both (like NumPy for these six).
inline DType promote(DType a, DType b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

// Calls f(T{}) with T the C++ type of d.
template <typename F> auto visit_dtype(DType d, F&& f) {
  switch (d) {
    case DType::Bool: return f(bool{});
    case DType::UInt8: return f(uint8_t{});
    case DType::Int32: return f(int32_t{});
    case DType::Int64: return f(int64_t{});
    case DType::Float32: return f(float{});
    default: return f(double{});
  }
}

}  // namespace pydl

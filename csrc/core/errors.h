// Typed errors; the bindings map each to a Python exception of the same name.
#pragma once
#include <cstdio>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>
#include <cstdint>

namespace pydl {

struct Error : std::runtime_error { using std::runtime_error::runtime_error; };
struct ShapeError : Error { using Error::Error; };
struct DTypeError : Error { using Error::Error; };
struct DeviceError : Error { using Error::Error; };
struct ValueError : Error { using Error::Error; };
struct IndexError : Error { using Error::Error; };
struct NotImplementedError : Error { using Error::Error; };
struct RuntimeError : Error { using Error::Error; };
struct OutOfMemoryError : Error { using Error::Error; };  // Python MemoryError
struct OverflowError : Error { using Error::Error; };     // a value out of a dtype's range (Python OverflowError)

// Formats a shape like Python prints a tuple: (2, 3), (4,), ().
std::string shape_str(const std::vector<int64_t>& shape);

// Message formatting without iostreams: an extension whose C++ runtime is linked statically (as some toolchains
// do) next to another copy in the process can crash inside ostream's locale machinery.
namespace detail {
inline void append(std::string& s, const std::string& v) { s += v; }
inline void append(std::string& s, const char* v) { s += v ? v : "(null)"; }
inline void append(std::string& s, char v) { s += v; }
inline void append(std::string& s, bool v) { s += v ? "true" : "false"; }
template <typename T> void append(std::string& s, const T& v) {
  static_assert(std::is_arithmetic<T>::value, "str_cat: unsupported argument type");
  char buf[40];
  if constexpr (std::is_floating_point<T>::value) std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  else if constexpr (std::is_signed<T>::value) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  s += buf;
}
}  // namespace detail
template <typename... A> std::string str_cat(const A&... a) {
  std::string s;
  (detail::append(s, a), ...);
  return s;
}

#define PYDL_CHECK(cond, Err, ...) \
  do { if (!(cond)) throw ::pydl::Err(::pydl::str_cat(__VA_ARGS__)); } while (0)

}  // namespace pydl

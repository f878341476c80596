// Typed errors; the bindings map each to a Python exception of the same name.
#pragma once
#include <sstream>
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

// Formats a shape like Python prints a tuple: (2, 3), (4,), ().
std::string shape_str(const std::vector<int64_t>& shape);

namespace detail {
inline void cat(std::ostringstream&) {}
template <typename T, typename... R> void cat(std::ostringstream& os, const T& v, const R&... r) { os << v; cat(os, r...); }
}  // namespace detail
template <typename... A> std::string str_cat(const A&... a) {
  std::ostringstream os; detail::cat(os, a...); return os.str();
}

#define PYDL_CHECK(cond, Err, ...) \
  do { if (!(cond)) throw ::pydl::Err(::pydl::str_cat(__VA_ARGS__)); } while (0)

}  // namespace pydl

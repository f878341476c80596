#include "core/shape.h"
#include "core/errors.h"

namespace pydl {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

int64_t checked_numel(const Shape& shape, int64_t itemsize) {
  int64_t n = 1;
  for (auto d : shape) PYDL_CHECK(d >= 0, ValueError, "negative dimension in shape ", shape_str(shape));
  for (auto d : shape) {
    if (d == 0) return 0;
  }
  for (auto d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) throw ValueError(str_cat("shape ", shape_str(shape), " is too large: its size overflows 64 bits"));
  }
  int64_t bytes;
  if (__builtin_mul_overflow(n, itemsize, &bytes) || bytes > (int64_t(1) << 50))
    throw ValueError(str_cat("shape ", shape_str(shape), " is too large (", n, " elements)"));
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t s = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    st[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
  return st;
}

int normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim || (ndim == 0 && axis != 0 && axis != -1))
    throw IndexError(str_cat(op, ": axis ", axis, " is out of range for a tensor of rank ", ndim));
  return static_cast<int>(a);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError(str_cat(op, ": shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together"));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace pydl

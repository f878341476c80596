#include "core/shape.h"
#include <algorithm>
#include <cstdlib>
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

int64_t checked_view_numel(const Shape& shape) {
  for (auto d : shape) PYDL_CHECK(d >= 0, ValueError, "negative dimension in shape ", shape_str(shape));
  int64_t n = 1;
  for (auto d : shape) if (d == 0) return 0;
  for (auto d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      throw ValueError(str_cat("shape ", shape_str(shape), " is too large: its element count overflows 64 bits"));
  return n;
}

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw ValueError(str_cat(what, ": ", a, " * ", b, " overflows 64 bits"));
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw ValueError(str_cat(what, ": ", a, " + ", b, " overflows 64 bits"));
  return r;
}

void check_view_bounds(const Shape& shape, const Shape& strides, int64_t offset, int64_t storage_elems) {
  PYDL_CHECK(shape.size() == strides.size(), ValueError, "view of shape ", shape_str(shape), " has ", strides.size(),
             " strides");
  if (checked_view_numel(shape) == 0) return;
  // Lowest and highest element reached, in elements from the storage start; overflow means out of bounds.
  int64_t lo = offset, hi = offset;
  bool ok = true;
  for (size_t d = 0; d < shape.size() && ok; ++d) {
    int64_t span;
    ok = !__builtin_mul_overflow(shape[d] - 1, strides[d], &span);
    if (ok) ok = !__builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi);
  }
  PYDL_CHECK(ok && lo >= 0 && hi < storage_elems, ValueError, "a view of shape ", shape_str(shape), " with strides ",
             shape_str(strides), " and offset ", offset, " reaches outside its storage of ", storage_elems, " elements");
}

bool has_internal_overlap(const Shape& shape, const Shape& strides) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (|stride|, size) of dims with more than one index
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return false;
    if (shape[d] > 1) dims.push_back({std::llabs(strides[d]), shape[d]});
  }
  std::sort(dims.begin(), dims.end());
  // Non-overlapping when each stride steps past everything the smaller dims reach (a sufficient test; layouts that
  // interleave without overlap exist only through as_strided and are refused too).
  int64_t reach = 0;
  for (auto& [st, n] : dims) {
    if (st <= reach) return true;
    int64_t span;
    if (__builtin_mul_overflow(st, n - 1, &span) || __builtin_add_overflow(reach, span, &reach)) return true;
  }
  return false;
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

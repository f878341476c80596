// Shape and stride arithmetic shared by every op: overflow-checked sizes, axes, broadcasting.
#pragma once
#include <cstdint>
#include <vector>

namespace pydl {

using Shape = std::vector<int64_t>;

// Number of elements; throws ValueError on a negative dimension or an element count that overflows.
int64_t checked_numel(const Shape& shape, int64_t itemsize = 1);
inline int64_t numel_of(const Shape& s) { int64_t n = 1; for (auto d : s) n *= d; return n; }
Shape contiguous_strides(const Shape& shape);
// Maps a possibly negative axis into [0, ndim); throws IndexError naming the op, axis and rank.
int normalize_axis(int64_t axis, int64_t ndim, const char* op);
// NumPy broadcasting of two shapes; throws ShapeError naming both.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace pydl

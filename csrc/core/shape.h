// Shape and stride arithmetic shared by every op: overflow-checked sizes, axes, broadcasting.
#pragma once
#include <cstdint>
#include <vector>
#include "core/dims.h"

namespace pydl {

using Shape = Dims;

// Number of elements; throws ValueError on a negative dimension or an element count that overflows.
int64_t checked_numel(const Shape& shape, int64_t itemsize = 1);
// Element count of a view (no memory of its own): only negative dims and int64 overflow are refused.
int64_t checked_view_numel(const Shape& shape);
// a * b and a + b for sizes; throw ValueError naming `what` when the result overflows int64.
int64_t checked_mul(int64_t a, int64_t b, const char* what);
int64_t checked_add(int64_t a, int64_t b, const char* what);
// Throws ValueError unless every element of the view (shape, strides, offset) lies in [0, storage_elems).
void check_view_bounds(const Shape& shape, const Shape& strides, int64_t offset, int64_t storage_elems);
// True when two indices of the view may address one memory location (stride 0 over a dim of size > 1, or strides
// that interleave): writes through such a view are refused, as PyTorch does.
bool has_internal_overlap(const Shape& shape, const Shape& strides);
inline int64_t numel_of(const Shape& s) { int64_t n = 1; for (auto d : s) n *= d; return n; }
Shape contiguous_strides(const Shape& shape);
// Maps a possibly negative axis into [0, ndim); throws IndexError naming the op, axis and rank.
int normalize_axis(int64_t axis, int64_t ndim, const char* op);
// NumPy broadcasting of two shapes; throws ShapeError naming both.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace pydl

// clip: NumPy's minimum(maximum(x, min), max) with the binary ops' dtype rules (ops.h states them). The bindings only
// turn Python bounds into ClipBounds; the checks and the choice of path live here.
#include <cmath>
#include "ops/ops.h"

namespace pydl {
namespace ops {
namespace {

void int_range(DType d, int64_t* lo, int64_t* hi) {
  *lo = d == DType::UInt8 ? 0 : d == DType::Int32 ? INT32_MIN : INT64_MIN;
  *hi = d == DType::UInt8 ? 255 : d == DType::Int32 ? INT32_MAX : INT64_MAX;
}

// The exact operand of an integer or bool bound against `like` (x for min, maximum(x, min) for max); undefined when
// the bound is dropped on its harmless side.
Tensor int_operand(const ClipBound& b, const Tensor& like, bool is_min) {
  if (b.operand.defined()) return b.operand;
  if (b.is_bool) return scalar(b.value, like.dtype(), like.device());
  const DType d = like.dtype() == DType::Bool ? DType::Int64 : like.dtype();
  int64_t lo, hi;
  int_range(d, &lo, &hi);
  const bool below = b.beyond < 0 || (b.beyond == 0 && b.exact < lo);
  const bool above = b.beyond > 0 || (b.beyond == 0 && b.exact > hi);
  if (like.dtype() != DType::Bool && (is_min ? below : above)) return Tensor();
  if (below || above) throw OverflowError(str_cat("Python integer ", b.text, " out of bounds for ", dtype_name(d)));
  return full_int({}, b.exact, d, like.device());
}

}  // namespace

Tensor clip(const Tensor& x, const ClipBound& lo, const ClipBound& hi) {
  const double l = lo.given ? lo.value : -INFINITY, h = hi.given ? hi.value : INFINITY;
  PYDL_CHECK(!(l > h), ValueError, "clip: min (", lo.text, ") is greater than max (", hi.text, ")");
  if (is_floating(x.dtype())) return unary(UnaryOp::Clip, x, l, h);  // differentiable
  if (lo.is_float || hi.is_float) return unary(UnaryOp::Clip, cast(x, DType::Float32), l, h);
  if (!lo.given && !hi.given) return clone(x);
  Tensor r = x;
  if (lo.given) {
    const Tensor b = int_operand(lo, x, true);
    if (b.defined()) r = binary(BinaryOp::Maximum, x, b);
  }
  if (!hi.given) return r;
  const Tensor b = int_operand(hi, r, false);
  return b.defined() ? binary(BinaryOp::Minimum, r, b) : r;
}

}  // namespace ops
}  // namespace pydl

// Views (reshape, permute, expand, squeeze, basic indexing) and copies that assemble tensors (concatenate, pad).
#include <algorithm>
#include <numeric>
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

// Strides that let `new_shape` view memory laid out as (shape, strides), or an empty vector when no view exists.
Shape view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  Shape out(new_shape.size());
  if (numel_of(shape) == 0 || shape.empty()) return contiguous_strides(new_shape);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_stride = strides.back(), tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return {};
      if (d > 0) { chunk_stride = strides[d - 1]; tensor_numel = 1; view_numel = 1; }
    }
  }
  if (view_d != -1) return {};
  return out;
}

Shape resolve_shape(const Tensor& t, Shape shape, const char* op) {
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      PYDL_CHECK(infer < 0, ValueError, op, ": only one dimension can be -1, got ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      PYDL_CHECK(shape[i] >= 0, ValueError, op, ": invalid shape ", shape_str(shape));
      PYDL_CHECK(!__builtin_mul_overflow(known, shape[i], &known), ValueError, op, ": shape ", shape_str(shape),
                 " is too large: its element count overflows 64 bits");
    }
  }
  const int64_t n = t.numel();
  if (infer >= 0) {
    PYDL_CHECK(known != 0 && n % known == 0, ShapeError, op, ": cannot reshape a tensor of shape ",
               shape_str(t.shape()), " into ", shape_str(shape));
    shape[infer] = n / known;
  }
  PYDL_CHECK(numel_of(shape) == n, ShapeError, op, ": cannot reshape a tensor of shape ", shape_str(t.shape()),
             " (", n, " elements) into ", shape_str(shape));
  return shape;
}

// A view with its backward: the gradient is `back(g)`.
Tensor make_view(const Tensor& t, Shape shape, Shape strides, int64_t offset, const char* name,
                 std::function<Tensor(const Tensor&)> back) {
  Tensor out = Tensor::view_of(t, std::move(shape), std::move(strides), offset);
  if (needs_grad({&t})) record(out, name, {t}, [back](const Tensor& g) { return Grads{back(g)}; });
  return out;
}

}  // namespace

Tensor view(const Tensor& t, Shape shape) {
  shape = resolve_shape(t, std::move(shape), "view");
  Shape st = view_strides(t.shape(), t.strides(), shape);
  PYDL_CHECK(!st.empty() || shape.empty(), ShapeError, "view: a tensor of shape ", shape_str(t.shape()),
             " with strides ", shape_str(t.strides()), " cannot be viewed as ", shape_str(shape),
             " without copying; use reshape()");
  Shape in_shape = t.shape();
  return make_view(t, shape, st, t.offset(), "ViewBackward", [in_shape](const Tensor& g) { return reshape(g, in_shape); });
}

Tensor reshape(const Tensor& t, Shape shape) {
  shape = resolve_shape(t, std::move(shape), "reshape");
  Shape st = view_strides(t.shape(), t.strides(), shape);
  if (st.empty() && !shape.empty()) return view(clone(t), shape);
  Shape in_shape = t.shape();
  return make_view(t, shape, st, t.offset(), "ReshapeBackward", [in_shape](const Tensor& g) { return reshape(g, in_shape); });
}

Tensor flatten(const Tensor& t) { return reshape(t, {t.numel()}); }

Tensor permute(const Tensor& t, Shape dims) {
  const int64_t nd = t.dim();
  PYDL_CHECK(static_cast<int64_t>(dims.size()) == nd, ValueError, "permute: expected ", nd, " axes for a tensor of shape ",
             shape_str(t.shape()), ", got ", shape_str(dims));
  std::vector<bool> seen(nd, false);
  Shape shape(nd), strides(nd);
  Shape inverse(nd);
  for (int64_t i = 0; i < nd; ++i) {
    int a = normalize_axis(dims[i], nd, "permute");
    PYDL_CHECK(!seen[a], ValueError, "permute: repeated axis in ", shape_str(dims));
    seen[a] = true;
    shape[i] = t.shape()[a];
    strides[i] = t.strides()[a];
    inverse[a] = i;
  }
  return make_view(t, shape, strides, t.offset(), "PermuteBackward", [inverse](const Tensor& g) { return permute(g, inverse); });
}

Tensor transpose(const Tensor& t, int64_t a, int64_t b) {
  Shape dims(t.dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[normalize_axis(a, t.dim(), "transpose")], dims[normalize_axis(b, t.dim(), "transpose")]);
  return permute(t, dims);
}

Tensor expand(const Tensor& t, Shape shape) {
  const int64_t nd = static_cast<int64_t>(shape.size()), lead = nd - t.dim();
  PYDL_CHECK(lead >= 0, ShapeError, "expand: cannot broadcast a tensor of shape ", shape_str(t.shape()), " to ",
             shape_str(shape));
  Shape strides(nd, 0);
  for (int64_t i = 0; i < nd; ++i) {
    if (i < lead) {
      PYDL_CHECK(shape[i] >= 0, ShapeError, "expand: cannot broadcast a tensor of shape ", shape_str(t.shape()), " to ", shape_str(shape));
      continue;
    }
    int64_t have = t.shape()[i - lead];
    if (shape[i] == -1) shape[i] = have;
    if (have == shape[i]) strides[i] = t.strides()[i - lead];
    else PYDL_CHECK(have == 1, ShapeError, "expand: cannot broadcast a tensor of shape ", shape_str(t.shape()), " to ",
                    shape_str(shape));
  }
  if (shape == t.shape()) return t;
  Shape in_shape = t.shape();
  return make_view(t, shape, strides, t.offset(), "ExpandBackward", [in_shape](const Tensor& g) { return sum_to_shape(g, in_shape); });
}

Tensor squeeze(const Tensor& t, const Shape& axes) {
  std::vector<bool> drop(t.dim(), false);
  if (axes.empty()) {
    for (int64_t i = 0; i < t.dim(); ++i) drop[i] = t.shape()[i] == 1;
  } else {
    for (int64_t a : axes) {
      int ax = normalize_axis(a, t.dim(), "squeeze");
      PYDL_CHECK(t.shape()[ax] == 1, ValueError, "squeeze: cannot select axis ", a, " of size ", t.shape()[ax],
                 " (shape ", shape_str(t.shape()), "); only size-1 axes can be squeezed");
      drop[ax] = true;
    }
  }
  Shape shape, strides;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (!drop[i]) { shape.push_back(t.shape()[i]); strides.push_back(t.strides()[i]); }
  Shape in_shape = t.shape();
  return make_view(t, shape, strides, t.offset(), "SqueezeBackward", [in_shape](const Tensor& g) { return reshape(g, in_shape); });
}

Tensor unsqueeze(const Tensor& t, int64_t axis) {
  int ax = normalize_axis(axis, t.dim() + 1, "unsqueeze");
  Shape shape = t.shape(), strides = t.strides();
  int64_t st = ax < t.dim() ? t.strides()[ax] * t.shape()[ax] : 1;
  shape.insert(shape.begin() + ax, 1);
  strides.insert(strides.begin() + ax, st);
  Shape in_shape = t.shape();
  return make_view(t, shape, strides, t.offset(), "UnsqueezeBackward", [in_shape](const Tensor& g) { return reshape(g, in_shape); });
}

namespace {
struct Geometry { Shape shape, strides; int64_t offset; };

// Applies basic indexing (ints, clamped slices, None, one Ellipsis) to a geometry.
Geometry apply_index(const Shape& shape, const Shape& strides, int64_t offset, const std::vector<IndexItem>& items) {
  int64_t consumed = 0, ellipses = 0;
  for (auto& it : items) {
    if (it.kind == IndexItem::Int || it.kind == IndexItem::Slice) ++consumed;
    if (it.kind == IndexItem::Ellipsis) ++ellipses;
  }
  const int64_t nd = static_cast<int64_t>(shape.size());
  PYDL_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  PYDL_CHECK(consumed <= nd, IndexError, "too many indices for a tensor of rank ", nd, ": got ", consumed);
  Geometry g{{}, {}, offset};
  int64_t d = 0;
  for (auto& it : items) {
    switch (it.kind) {
      case IndexItem::Ellipsis:
        for (int64_t k = 0; k < nd - consumed; ++k, ++d) { g.shape.push_back(shape[d]); g.strides.push_back(strides[d]); }
        break;
      case IndexItem::NewAxis:
        g.shape.push_back(1);
        g.strides.push_back(0);
        break;
      case IndexItem::Int: {
        int64_t i = it.start < 0 ? it.start + shape[d] : it.start;
        PYDL_CHECK(i >= 0 && i < shape[d], IndexError, "index ", it.start, " is out of bounds for axis ", d, " with size ", shape[d]);
        g.offset += i * strides[d];
        ++d;
        break;
      }
      case IndexItem::Slice: {
        // Python slice semantics with clamping (like slice.indices()).
        const int64_t n = shape[d], step = it.step;
        PYDL_CHECK(step != 0, ValueError, "slice step cannot be zero");
        int64_t start, stop;
        auto clamp = [&](int64_t v, bool has, int64_t dflt) {
          if (!has) return dflt;
          if (v < 0) v += n;
          if (step > 0) return std::min(std::max<int64_t>(v, 0), n);
          return std::min(std::max<int64_t>(v, -1), n - 1);
        };
        start = clamp(it.start, it.has_start, step > 0 ? 0 : n - 1);
        stop = clamp(it.stop, it.has_stop, step > 0 ? n : -1);
        int64_t len = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                               : (start > stop ? (start - stop + (-step) - 1) / (-step) : 0);
        if (len > 0) g.offset += start * strides[d];
        g.shape.push_back(len);
        g.strides.push_back(strides[d] * step);
        ++d;
        break;
      }
    }
  }
  for (; d < nd; ++d) { g.shape.push_back(shape[d]); g.strides.push_back(strides[d]); }
  return g;
}
}  // namespace

Tensor index_view(const Tensor& t, const std::vector<IndexItem>& items) {
  Geometry g = apply_index(t.shape(), t.strides(), t.offset(), items);
  Shape in_shape = t.shape();
  DType dt = t.dtype();
  return make_view(t, g.shape, g.strides, g.offset, "IndexBackward", [in_shape, items, dt](const Tensor& grad) {
    Tensor z = zeros(in_shape, dt, grad.device());
    Geometry zg = apply_index(z.shape(), z.strides(), 0, items);
    copy_(Tensor::view_of(z, zg.shape, zg.strides, zg.offset), grad);
    return z;
  });
}

Tensor index_put_target(const Tensor& t, const std::vector<IndexItem>& items) {
  Geometry g = apply_index(t.shape(), t.strides(), t.offset(), items);
  Tensor dst = Tensor::view_of(t, g.shape, g.strides, g.offset);
  check_writable(dst, "__setitem__");
  return dst;
}

void index_put_(const Tensor& t, const std::vector<IndexItem>& items, const Tensor& value) {
  Tensor dst = index_put_target(t, items);
  // NumPy drops a value's extra leading size-1 dims (x[()] = [[1, 2]] into shape (2,)), except when every dim is
  // indexed by an integer (x[()] of a 0-d array too): then the target is one element and the value must be 0-d,
  // or, into a bool array, any one-element value (NumPy takes its truth value).
  bool one_element = static_cast<int64_t>(items.size()) == t.dim();
  for (auto& it : items) one_element = one_element && it.kind == IndexItem::Int;
  Tensor v = value;
  int64_t extra = 0;
  const bool any_ones = !one_element || (t.dtype() == DType::Bool && v.numel() == 1);
  while (any_ones && v.dim() - extra > dst.dim() && v.shape()[extra] == 1) ++extra;
  if (extra)
    v = Tensor::view_of(v, Shape(v.shape().begin() + extra, v.shape().end()),
                        Shape(v.strides().begin() + extra, v.strides().end()), v.offset());
  Shape b = broadcast_shapes(dst.shape(), v.shape(), "__setitem__");
  PYDL_CHECK(b == dst.shape(), ShapeError, "__setitem__: cannot assign a value of shape ", shape_str(value.shape()),
             " to a selection of shape ", shape_str(dst.shape()));
  copy_(dst, cast(v, t.dtype()));
}

Tensor narrow(const Tensor& t, int64_t axis, int64_t start, int64_t length) {
  int ax = normalize_axis(axis, t.dim(), "narrow");
  PYDL_CHECK(start >= 0 && length >= 0 && start <= t.shape()[ax] && length <= t.shape()[ax] - start, IndexError,
             "narrow: range [", start, ", +", length, ") is out of bounds for axis ", axis, " of size ", t.shape()[ax]);
  Shape shape = t.shape();
  shape[ax] = length;
  Shape in_shape = t.shape();
  DType dt = t.dtype();
  return make_view(t, shape, t.strides(), t.offset() + start * t.strides()[ax], "NarrowBackward",
                   [in_shape, dt, ax, start, length](const Tensor& g) {
                     Tensor z = zeros(in_shape, dt, g.device());
                     copy_(narrow(z, ax, start, length), g);
                     return z;
                   });
}

Tensor concatenate(const std::vector<Tensor>& ts, int64_t axis) {
  PYDL_CHECK(!ts.empty(), ValueError, "concatenate: need at least one tensor");
  const Tensor& first = ts[0];
  PYDL_CHECK(first.dim() > 0, ValueError, "concatenate: zero-dimensional tensors cannot be concatenated");
  int ax = normalize_axis(axis, first.dim(), "concatenate");
  DType dt = first.dtype();
  Shape shape = first.shape();
  shape[ax] = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    check_same_device(first, t, "concatenate");
    dt = promote(dt, t.dtype());
    bool ok = t.dim() == first.dim();
    for (int64_t d = 0; ok && d < t.dim(); ++d) ok = d == ax || t.shape()[d] == first.shape()[d];
    PYDL_CHECK(ok, ShapeError, "concatenate: shapes ", shape_str(first.shape()), " and ", shape_str(t.shape()),
               " (tensor ", i, ") do not match outside axis ", axis);
    shape[ax] = checked_add(shape[ax], t.shape()[ax], "concatenate: the output length");
  }
  Tensor out = empty(shape, dt, first.device());
  std::vector<int64_t> starts;
  int64_t pos = 0;
  for (const Tensor& t : ts) {
    starts.push_back(pos);
    PYDL_KERNEL(copy, out.device(), "concatenate")(Tensor::view_of(out, t.shape(), out.strides(), pos * out.strides()[ax]), t);
    pos += t.shape()[ax];
  }
  if (needs_grad(ts)) {
    std::vector<int64_t> lens;
    std::vector<DType> dts;
    for (const Tensor& t : ts) { lens.push_back(t.shape()[ax]); dts.push_back(t.dtype()); }
    record(out, "ConcatenateBackward", ts, [ax, starts, lens, dts](const Tensor& g) {
      Grads r;
      for (size_t i = 0; i < starts.size(); ++i) r.push_back(cast(narrow(g, ax, starts[i], lens[i]), dts[i]));
      return r;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& ts, int64_t axis) {
  PYDL_CHECK(!ts.empty(), ValueError, "stack: need at least one tensor");
  int ax = normalize_axis(axis, ts[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < ts.size(); ++i) {
    PYDL_CHECK(ts[i].shape() == ts[0].shape(), ShapeError, "stack: all tensors must have the same shape, got ",
               shape_str(ts[0].shape()), " and ", shape_str(ts[i].shape()), " (tensor ", i, ")");
    parts.push_back(unsqueeze(ts[i], ax));
  }
  return concatenate(parts, ax);
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& boundaries, int64_t axis) {
  int ax = normalize_axis(axis, t.dim(), "split");
  const int64_t n = t.shape()[ax];
  std::vector<Tensor> out;
  int64_t prev = 0;
  for (size_t i = 0; i <= boundaries.size(); ++i) {
    int64_t b = i < boundaries.size() ? boundaries[i] : n;
    b = std::min(std::max<int64_t>(b < 0 ? b + n : b, 0), n);
    int64_t lo = std::min(prev, n), hi = std::max(b, lo);
    out.push_back(narrow(t, ax, lo, hi - lo));
    prev = b;
  }
  return out;
}

Tensor pad(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& pads, double value) {
  PYDL_CHECK(static_cast<int64_t>(pads.size()) == t.dim(), ValueError, "pad: expected ", t.dim(),
             " (before, after) pairs for a tensor of shape ", shape_str(t.shape()), ", got ", pads.size());
  Shape shape = t.shape();
  for (size_t d = 0; d < pads.size(); ++d) {
    PYDL_CHECK(pads[d].first >= 0 && pads[d].second >= 0, ValueError, "pad: pad widths must be non-negative, got (",
               pads[d].first, ", ", pads[d].second, ") for axis ", d);
    shape[d] = checked_add(checked_add(shape[d], pads[d].first, "pad: the padded length"), pads[d].second,
                           "pad: the padded length");
  }
  Tensor out = full(shape, value, t.dtype(), t.device());
  int64_t off = 0;
  for (size_t d = 0; d < pads.size(); ++d) off += pads[d].first * out.strides()[d];
  PYDL_KERNEL(copy, t.device(), "pad")(Tensor::view_of(out, t.shape(), out.strides(), off), t);
  if (needs_grad({&t})) {
    Shape in_shape = t.shape();
    record(out, "PadBackward", {t}, [pads, in_shape](const Tensor& g) {
      Tensor r = g;
      for (size_t d = 0; d < pads.size(); ++d) r = narrow(r, static_cast<int64_t>(d), pads[d].first, in_shape[d]);
      return Grads{r};
    });
  }
  return out;
}

}  // namespace ops
}  // namespace pydl

// Creation, copies, casts and device moves.
#include <cmath>
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  PYDL_CHECK(a.device() == b.device(), DeviceError, op, ": tensors are on different devices (", a.device().str(),
             " and ", b.device().str(), "); move one with .to()");
}

void check_float(const Tensor& t, const char* op) {
  PYDL_CHECK(is_floating(t.dtype()), DTypeError, op, ": expected a float32 or float64 tensor, got dtype ",
             dtype_name(t.dtype()));
}

Tensor empty(const Shape& shape, DType dtype, Device device) { return Tensor::empty(shape, dtype, device); }

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  PYDL_KERNEL(fill, device, "full")(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor scalar(double value, DType dtype, Device device) { return full({}, value, dtype, device); }

Tensor full_int(const Shape& shape, int64_t value, DType dtype, Device device) {
  Tensor one = Tensor::empty({}, DType::Int64);
  *one.data<int64_t>() = value;
  // int64 -> dtype is a plain conversion (exact when value fits); expand + clone writes it everywhere.
  return clone(expand(to_device(cast(one, dtype), device), shape));
}

Tensor arange_int(int64_t start, int64_t step, int64_t count, DType dtype, Device device) {
  PYDL_CHECK(step != 0 && count >= 0, ValueError, "arange: step must be non-zero, got ", step);
  Tensor cpu = Tensor::empty({count}, DType::Int64);
  int64_t* p = cpu.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) p[i] = start + i * step;  // every value lies in [start, stop): no overflow
  return to_device(cast(cpu, dtype), device);
}

Tensor arange(double start, double stop, double step, DType dtype, Device device) {
  PYDL_CHECK(step != 0 && std::isfinite(step) && std::isfinite(start) && std::isfinite(stop), ValueError,
             "arange: step must be non-zero and the bounds finite, got start=", start, " stop=", stop, " step=", step);
  double n = std::ceil((stop - start) / step);
  PYDL_CHECK(n < 9.2e18, ValueError, "arange: start=", start, " stop=", stop, " step=", step, " gives ", n,
             " elements, too many to allocate");
  int64_t count = n > 0 ? static_cast<int64_t>(n) : 0;
  Tensor cpu = Tensor::empty({count}, DType::Float64);
  double* p = cpu.data<double>();
  for (int64_t i = 0; i < count; ++i) p[i] = start + static_cast<double>(i) * step;
  return to_device(cast(cpu, dtype), device);
}

Tensor linspace(double start, double stop, int64_t num, DType dtype, Device device) {
  PYDL_CHECK(num >= 0, ValueError, "linspace: num must be non-negative, got ", num);
  Tensor cpu = Tensor::empty({num}, DType::Float64);
  double* p = cpu.data<double>();
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  for (int64_t i = 0; i < num; ++i) p[i] = start + static_cast<double>(i) * step;
  if (num > 1) p[num - 1] = stop;
  return to_device(cast(cpu, dtype), device);
}

Tensor eye(int64_t n, int64_t m, DType dtype, Device device) {
  PYDL_CHECK(n >= 0 && m >= 0, ValueError, "eye: sizes must be non-negative, got n=", n, " m=", m);
  Tensor t = zeros({n, m}, dtype, device);
  Tensor diag = Tensor::view_of(t, {std::min(n, m)}, {m + 1}, 0);
  PYDL_KERNEL(fill, device, "eye")(diag, 1.0);
  return t;
}

Tensor random(const Shape& shape, RandomKind kind, double a, double b, DType dtype, Device device) {
  if (kind == RandomKind::Integer) {
    PYDL_CHECK(b > a, ValueError, "randint: high must be greater than low, got low=", a, " high=", b);
    PYDL_CHECK(!is_floating(dtype) && dtype != DType::Bool, DTypeError, "randint: expected an integer dtype, got ",
               dtype_name(dtype));
  } else {
    PYDL_CHECK(is_floating(dtype), DTypeError, "random: expected a float dtype, got ", dtype_name(dtype));
    PYDL_CHECK(kind != RandomKind::Normal || b >= 0, ValueError, "normal: std must be non-negative, got ", b);
  }
  Tensor t = Tensor::empty(shape, dtype, device);
  RngState st = rng_reserve(static_cast<uint64_t>(t.numel()));
  PYDL_KERNEL(random, device, "random")(t, kind, a, b, st);
  return t;
}

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  PYDL_KERNEL(copy, t.device(), "clone")(out, t);
  if (needs_grad({&t})) record(out, "CloneBackward", {t}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  PYDL_KERNEL(copy, t.device(), "cast")(out, t);
  if (is_floating(dtype) && is_floating(t.dtype()) && needs_grad({&t})) {
    DType from = t.dtype();
    record(out, "CastBackward", {t}, [from](const Tensor& g) { return std::vector<Tensor>{cast(g, from)}; });
  }
  return out;
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  allocator_for(device);  // clear error when the device does not exist in this build
  Tensor src = contiguous(t);
  Tensor out = Tensor::empty(t.shape(), t.dtype(), device);
  Device accel = device.is_cpu() ? t.device() : device;
  PYDL_KERNEL(copy_across, accel, "to")(out, src);
  if (needs_grad({&t})) {
    Device from = t.device();
    record(out, "ToBackward", {t}, [from](const Tensor& g) { return std::vector<Tensor>{to_device(g, from)}; });
  }
  return out;
}

void move_to_(const Tensor& t, Device device) {
  if (!t.is_leaf())
    throw ValueError(str_cat("move_to_: only a leaf tensor (a weight, an input) can change device in place; this one "
                             "was computed by ", t.grad_fn()->name(), " (use .to(device) for a moved copy)"));
  if (t.device() == device) return;
  PYDL_CHECK(!t.storage()->read_only(), ValueError, "move_to_: the tensor is read-only (it shares the memory of a "
             "read-only array); move a copy with .clone().to(device)");
  // Every copy first, then the swap: a failed copy (out of memory) leaves the tensor and its gradient as they were.
  Tensor moved = to_device(detach(t), device);  // contiguous, no history
  Tensor g = t.grad();
  Tensor moved_grad = g.defined() ? to_device(detach(g), device) : Tensor();
  TensorImpl* impl = t.impl();
  impl->storage = moved.storage();
  impl->strides = moved.strides();
  impl->offset = moved.offset();
  if (g.defined()) Tensor(t.impl_ptr()).set_grad(moved_grad);
}

Tensor detach(const Tensor& t) { return Tensor::view_of(t, t.shape(), t.strides(), t.offset()); }

void copy_(const Tensor& dst, const Tensor& src) {
  check_same_device(dst, src, "copy_");
  check_writable(dst, "copy_");
  Tensor s = expand(detach(src), dst.shape());
  if (s.storage() == dst.storage()) s = clone(s);  // overlapping memory: read everything before writing
  PYDL_KERNEL(copy, dst.device(), "copy_")(dst, s);
  dst.storage()->bump_version();
}

}  // namespace ops
}  // namespace pydl

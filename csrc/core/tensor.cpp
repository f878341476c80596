#include "core/tensor.h"

namespace pydl {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  int64_t n = checked_numel(shape, pydl::itemsize(dtype));
  auto impl = std::make_shared<TensorImpl>();
  const int64_t nbytes = n * pydl::itemsize(dtype);
  try {
    impl->storage = Storage::allocate(static_cast<size_t>(nbytes), device);
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError(str_cat("out of memory: cannot allocate ", nbytes, " bytes for a ", dtype_name(dtype),
                                   " tensor of shape ", shape_str(shape), " on ", device.str()));
  }
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_of(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  const int64_t isz = base.itemsize();
  check_view_bounds(shape, strides, offset, static_cast<int64_t>(base.storage()->nbytes()) / isz);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

void check_writable(const Tensor& t, const char* op) {
  PYDL_CHECK(!t.storage()->read_only(), ValueError, op, ": the tensor is read-only (it shares the memory of a "
             "read-only array, such as a memory-mapped file or bytes); copy it first with .clone()");
  PYDL_CHECK(!has_internal_overlap(t.shape(), t.strides()), ValueError, op, ": unsupported operation: more than one "
             "element of the written-to tensor of shape ", shape_str(t.shape()), " with strides ",
             shape_str(t.strides()), " refers to a single memory location (a broadcast view); clone it first");
}

int64_t Tensor::size(int64_t axis) const {
  return impl_->shape[normalize_axis(axis, dim(), "size")];
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = static_cast<int>(dim()) - 1; i >= 0; --i) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->shape[i] == 0) return true;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

}  // namespace pydl

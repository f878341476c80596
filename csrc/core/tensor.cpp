#include "core/tensor.h"

namespace pydl {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  int64_t n = checked_numel(shape, pydl::itemsize(dtype));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<size_t>(n * pydl::itemsize(dtype)), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_of(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
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

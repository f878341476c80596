// The tensor: a strided view (shape, strides in elements, offset) over refcounted storage, plus autograd state.
// Tensor is a cheap handle; copies share one TensorImpl, so a leaf's .grad is seen by every handle.
#pragma once
#include <memory>
#include <vector>
#include "core/device.h"
#include "core/dtype.h"
#include "core/errors.h"
#include "core/shape.h"
#include "core/storage.h"

namespace pydl {

namespace autograd { struct Node; }
struct AutogradMeta;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;   // in elements; may be 0 (broadcast) or negative (reversed slices)
  int64_t offset = 0;
  DType dtype = DType::Float32;
  std::shared_ptr<AutogradMeta> autograd;  // null until autograd touches the tensor
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new contiguous tensor with uninitialised memory (checked for negative/overflowing sizes).
  static Tensor empty(const Shape& shape, DType dtype, Device device = {});
  // A view of `base`'s storage with other geometry; carries no autograd state. Throws ValueError when the element
  // count overflows or an element would lie outside the storage.
  static Tensor view_of(const Tensor& base, Shape shape, Shape strides, int64_t offset);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t offset() const { return impl_->offset; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t axis) const;
  int64_t numel() const { return numel_of(impl_->shape); }
  DType dtype() const { return impl_->dtype; }
  int64_t itemsize() const { return pydl::itemsize(impl_->dtype); }
  Device device() const { return impl_->storage->device(); }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  bool is_contiguous() const;

  char* raw_data() const { return impl_->storage->data() + impl_->offset * itemsize(); }
  template <typename T> T* data() const { return reinterpret_cast<T*>(raw_data()); }

  // Autograd state (defined in autograd/meta.cpp).
  bool requires_grad() const;
  void set_requires_grad(bool r);
  Tensor grad() const;
  void set_grad(const Tensor& g);
  std::shared_ptr<autograd::Node> grad_fn() const;
  bool is_leaf() const { return grad_fn() == nullptr; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Throws before `op` writes through t: ValueError when its memory is read-only or when two of its elements share
// one memory location (a broadcast view), which would make the result depend on the order of the writes.
void check_writable(const Tensor& t, const char* op);

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;           // null for leaves
  std::weak_ptr<autograd::Node> grad_accumulator;    // the leaf's AccumulateGrad, shared by all its uses
};

}  // namespace pydl

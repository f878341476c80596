#include "core/storage.h"
#include <cstdlib>
#include "core/cuda_runtime.h"
#include "core/dispatch.h"
#include "core/errors.h"

namespace pydl {
namespace {

struct CpuAllocator final : Allocator {
  void* allocate(size_t nbytes) override {
    size_t rounded = (nbytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* p) override { std::free(p); }
};

Allocator*& slot(DeviceType t) {
  static CpuAllocator cpu;
  static Allocator* table[kNumDeviceTypes] = {&cpu, nullptr};
  return table[static_cast<int>(t)];
}

}  // namespace

void register_allocator(DeviceType t, Allocator* a) { slot(t) = a; }

Allocator* allocator_for(Device d) {
  kernel_table(d.type);  // backends register their allocators with their kernels
  Allocator* a = slot(d.type);
  if (!a) {
    if (!cuda_runtime::compiled())
      throw DeviceError(str_cat("device '", d.str(), "' is not available: pydl was built without CUDA support "
                                "(rebuild with -Ccmake.define.PYDL_CUDA=ON)"));
    throw DeviceError(str_cat("device '", d.str(), "' is not available: no CUDA device was found"));
  }
  if (d.type == DeviceType::CUDA && d.index >= cuda_runtime::device_count())
    throw DeviceError(str_cat("device '", d.str(), "' does not exist (", cuda_runtime::device_count(), " CUDA devices)"));
  return a;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  Allocator* a = allocator_for(device);
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = a->allocate(nbytes);
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->allocator_ = a;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device, std::function<void()> release) {
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (allocator_) allocator_->deallocate(data_);
  else if (release_) release_();
}

}  // namespace pydl

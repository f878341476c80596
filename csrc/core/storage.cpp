#include "core/storage.h"
#include <pthread.h>
#include <sys/mman.h>
#include <cstdlib>
#include <map>
#include <mutex>
#include "core/cuda_runtime.h"
#include "core/dispatch.h"
#include "core/errors.h"
#include "core/small_blocks.h"

namespace pydl {
namespace {

// Small blocks come from a per-thread cache (small_blocks.h). Larger blocks are cached after free and reused: a
// fresh multi-megabyte block costs a page fault per 4 KiB on first touch, which for an elementwise op on 16M floats
// is most of the time spent; and glibc hands a freed block of a few hundred KiB back to the system when it lies at
// the top of the heap, so a training step that frees and allocates one every batch (a batch of 128 MNIST images, a
// Dense gradient) faults its pages in again each time. The size given back on free picks the cache (no lookup).
class CpuAllocator final : public Allocator {
 public:
  // A fork while another thread holds mu_ would leave the child's copy locked forever: the fork waits until no
  // thread holds it (prepare) and releases it on both sides.
  CpuAllocator() {
    static CpuAllocator* self = this;
    pthread_atfork([] { self->mu_.lock(); }, [] { self->mu_.unlock(); }, [] { self->mu_.unlock(); });
  }
  void* allocate(size_t nbytes) override {
    if (nbytes < kMid) return small_block_take(nbytes);
    const size_t size = bucket(nbytes);
    {
      std::lock_guard<std::mutex> lk(mu_);
      auto it = free_.find(size);
      if (it != free_.end()) {
        void* p = it->second;
        free_.erase(it);
        cached_ -= size;
        return p;
      }
    }
    const size_t align = size >= kLarge ? kHuge : 64;
    void* p = std::aligned_alloc(align, size);
    if (!p) {
      trim(0);
      p = std::aligned_alloc(align, size);
      if (!p) throw std::bad_alloc();
    }
    if (size >= kLarge) madvise(p, size, MADV_HUGEPAGE);  // fewer faults and TLB misses; a hint the kernel may ignore
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    if (nbytes < kMid) return small_block_give(p, nbytes);
    const size_t size = bucket(nbytes);
    {
      std::lock_guard<std::mutex> lk(mu_);
      free_.emplace(size, p);
      cached_ += size;
      if (cached_ <= kCacheLimit) return;
    }
    trim(kCacheLimit / 2);
  }

 private:
  static constexpr size_t kMid = size_t(64) << 10, kLarge = size_t(1) << 20, kHuge = size_t(2) << 20;
  static constexpr size_t kCacheLimit = size_t(1) << 30;
  // Sizes rounded up to 4 KiB pages (2 MiB from 1 MiB on), then to 1/8 steps of their power of two, so near sizes
  // share a bucket.
  static size_t bucket(size_t n) {
    const size_t unit = n >= kLarge ? kHuge : 4096;
    n = (n + unit - 1) / unit * unit;
    size_t p2 = unit;
    while (p2 < n) p2 <<= 1;
    const size_t step = p2 >= 8 * unit ? p2 / 8 : unit;
    return (n + step - 1) / step * step;
  }
  void trim(size_t keep) {
    std::lock_guard<std::mutex> lk(mu_);
    while (cached_ > keep && !free_.empty()) {
      auto it = std::prev(free_.end());  // drop the largest first
      cached_ -= it->first;
      std::free(it->second);
      free_.erase(it);
    }
  }
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  size_t cached_ = 0;
};

Allocator*& slot(DeviceType t) {
  // Never destroyed: tensors may outlive static destruction, and its cache stays reachable for leak checkers.
  static CpuAllocator* cpu = new CpuAllocator();
  static Allocator* table[kNumDeviceTypes] = {cpu, nullptr};
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
  auto s = std::make_shared<Storage>(Key{});  // one allocation for the object and its count
  s->data_ = a->allocate(nbytes);
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->allocator_ = a;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device, std::function<void()> release) {
  auto s = std::make_shared<Storage>(Key{});  // one allocation for the object and its count
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (allocator_) allocator_->deallocate(data_, nbytes_);
  else if (release_) release_();
}

}  // namespace pydl

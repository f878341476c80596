// CUDA runtime: the caching device allocator behind every CUDA tensor, and scratch Workspaces from it.
#include <cuda_runtime.h>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>
#include "cuda/runtime.cuh"

namespace pydl {
namespace cuda {
namespace {

// ---- caching allocator ---------------------------------------------------------------------------------------
// cudaMalloc/cudaFree synchronise the device and cost tens of microseconds, so freed blocks are kept in free lists
// keyed by (device, size class) and handed out again. Reuse needs no event: every kernel runs on its device's one
// stream, so the next user of a block is ordered after the previous one. On cudaMalloc failure the cache is
// released (after a device sync) and the allocation retried once.
// Limitation: Allocator::allocate has no device argument, so blocks come from the current device. pydl makes
// device 0 current; tensors on other devices need that interface to grow a Device parameter.
class CachingAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    const size_t size = size_class(nbytes);
    std::lock_guard<std::mutex> lk(mu_);
    auto it = free_.find({device, size});
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_ -= size;
      live_[p] = Block{size, device};
      in_use_ += size;
      return p;
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_locked();
      e = cudaMalloc(&p, size);
    }
    if (e != cudaSuccess) {
      cudaGetLastError();
      throw RuntimeError(str_cat("CUDA out of memory: tried to allocate ", size >> 20, " MiB on cuda:", device, " (",
                                 in_use_ >> 20, " MiB in use by tensors; ", cudaGetErrorString(e), ")"));
    }
    live_[p] = Block{size, device};
    in_use_ += size;
    return p;
  }

  void deallocate(void* p, size_t /*nbytes*/) override {
    if (!p) return;
    std::lock_guard<std::mutex> lk(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) return;  // not ours: never happens, but freeing it would be worse
    const Block b = it->second;
    live_.erase(it);
    in_use_ -= b.size;
    cached_ += b.size;
    free_[{b.device, b.size}].push_back(p);
  }

 private:
  struct Block { size_t size; int device; };

  // 512-byte granularity for small blocks; above that four classes per power of two (at most 25% slack), so a
  // block serves every request of its class.
  static size_t size_class(size_t n) {
    if (n <= 512) return 512;
    size_t p = size_t(1) << (63 - __builtin_clzll(n));
    size_t step = std::max<size_t>(p / 4, 512);
    return (n + step - 1) / step * step;
  }

  void release_locked() {
    for (auto& kv : free_) {
      if (kv.second.empty()) continue;
      DeviceGuard g(kv.first.first);
      cudaDeviceSynchronize();  // blocks may still be read by queued kernels
      for (void* p : kv.second) cudaFree(p);
      cached_ -= kv.second.size() * kv.first.second;
      kv.second.clear();
    }
  }

  std::mutex mu_;
  std::unordered_map<void*, Block> live_;
  std::map<std::pair<int, size_t>, std::vector<void*>> free_;
  size_t in_use_ = 0, cached_ = 0;
};

// Never destroyed: tensors may be freed during interpreter shutdown, after static destructors would have run.
CachingAllocator& caching_allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

}  // namespace

Allocator& allocator() { return caching_allocator(); }

Workspace::Workspace(size_t nbytes, int device) {
  DeviceGuard g(device);
  ptr_ = caching_allocator().allocate(nbytes);
  nbytes_ = nbytes;
}
Workspace::~Workspace() { caching_allocator().deallocate(ptr_, nbytes_); }

}  // namespace cuda
}  // namespace pydl

// CUDA runtime glue: device queries, one stream per device, the caching allocator, pinned staging for host ->
// device copies, copies between devices, and registration of every CUDA kernel family.
#include <cuda_runtime.h>
#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include "core/cuda_runtime.h"
#include "core/storage.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {
namespace {
constexpr int kMaxDevices = 64;
std::array<cudaStream_t, kMaxDevices> g_streams{};
std::array<std::once_flag, kMaxDevices> g_stream_once;
std::array<int, kMaxDevices> g_sm_count{};
std::mutex g_query_mu;

void check_device_index(int device) {
  PYDL_CHECK(device >= 0 && device < kMaxDevices, DeviceError, "CUDA device index ", device, " is out of range");
}
}  // namespace

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    throw RuntimeError(str_cat("CUDA error in ", what, ": ", cudaGetErrorName(e), ": ", cudaGetErrorString(e)));
  }
}

void check_launch(const char* what) { check(cudaGetLastError(), what); }

DeviceGuard::DeviceGuard(int device) {
  check(cudaGetDevice(&prev_), "cudaGetDevice");
  cur_ = device;
  if (prev_ != device) check(cudaSetDevice(device), "cudaSetDevice");
}
DeviceGuard::~DeviceGuard() {
  if (prev_ >= 0 && prev_ != cur_) cudaSetDevice(prev_);
}

cudaStream_t stream_for(int device) {
  check_device_index(device);
  std::call_once(g_stream_once[device], [device] {
    DeviceGuard g(device);
    // Non-blocking: our stream never serialises with the legacy default stream other libraries may use.
    check(cudaStreamCreateWithFlags(&g_streams[device], cudaStreamNonBlocking), "cudaStreamCreate");
  });
  return g_streams[device];
}

int sm_count(int device) {
  check_device_index(device);
  std::lock_guard<std::mutex> lk(g_query_mu);
  if (g_sm_count[device] == 0) {
    int n = 0;
    check(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    g_sm_count[device] = std::max(n, 1);
  }
  return g_sm_count[device];
}

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

  void deallocate(void* p) override {
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
CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

// ---- pinned staging for host -> device copies -----------------------------------------------------------------
// Host tensors live in pageable memory, which the GPU cannot read asynchronously. Each upload is cut into chunks
// copied into pinned buffers, and the DMA from there is queued on the stream; a buffer is reused once the event
// recorded after its copy has completed. The caller may free its memory as soon as upload_async returns.
constexpr size_t kStageBytes = size_t(4) << 20;
constexpr int kStageBuffers = 16;

struct StageBuffer {
  void* host = nullptr;
  cudaEvent_t done = nullptr;
};

struct StagingPool {
  std::mutex mu;
  std::vector<StageBuffer> bufs;
  size_t next = 0;     // round-robin victim when every buffer is busy
  bool broken = false;  // pinned memory unavailable: fall back to synchronous copies
};

std::array<StagingPool, kMaxDevices>& pools() {
  static auto* p = new std::array<StagingPool, kMaxDevices>();
  return *p;
}

StageBuffer* acquire_stage(StagingPool& pool) {
  for (auto& b : pool.bufs)
    if (cudaEventQuery(b.done) == cudaSuccess) return &b;
  cudaGetLastError();  // cudaEventQuery's cudaErrorNotReady is not an error for us
  if (static_cast<int>(pool.bufs.size()) < kStageBuffers) {
    StageBuffer b;
    if (cudaHostAlloc(&b.host, kStageBytes, cudaHostAllocPortable) != cudaSuccess) {
      cudaGetLastError();
      return nullptr;
    }
    check(cudaEventCreateWithFlags(&b.done, cudaEventDisableTiming), "cudaEventCreate");
    pool.bufs.reserve(kStageBuffers);  // pointers into the vector stay valid
    pool.bufs.push_back(b);
    return &pool.bufs.back();
  }
  StageBuffer& b = pool.bufs[pool.next++ % pool.bufs.size()];
  check(cudaEventSynchronize(b.done), "host->device copy");
  return &b;
}

}  // namespace

void upload_async(void* dst, const void* src, size_t nbytes, int device) {
  if (nbytes == 0) return;
  DeviceGuard g(device);
  cudaStream_t s = stream_for(device);
  StagingPool& pool = pools()[device];
  std::lock_guard<std::mutex> lk(pool.mu);
  for (size_t off = 0; off < nbytes && !pool.broken; off += kStageBytes) {
    const size_t n = std::min(kStageBytes, nbytes - off);
    StageBuffer* b = acquire_stage(pool);
    if (!b) {
      if (off > 0) check(cudaStreamSynchronize(s), "host->device copy");
      pool.broken = true;
      break;
    }
    std::memcpy(b->host, static_cast<const char*>(src) + off, n);
    check(cudaMemcpyAsync(static_cast<char*>(dst) + off, b->host, n, cudaMemcpyHostToDevice, s), "host->device copy");
    check(cudaEventRecord(b->done, s), "host->device copy");
    if (off + n == nbytes) return;
  }
  // No pinned memory: a plain copy from pageable memory, finished before we return.
  check(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s), "host->device copy");
  check(cudaStreamSynchronize(s), "host->device copy");
}

Workspace::Workspace(size_t nbytes, int device) {
  DeviceGuard g(device);
  ptr_ = allocator().allocate(nbytes);
}
Workspace::~Workspace() { allocator().deallocate(ptr_); }

DeviceIndex::DeviceIndex(const Tensor& index, int device) {
  if (!index.device().is_cpu()) {
    PYDL_CHECK(index.device().index == device, DeviceError, "index tensor is on ", index.device().str(),
               " but the data is on cuda:", device);
    ptr = index.data<int64_t>();
    return;
  }
  const size_t bytes = static_cast<size_t>(index.numel()) * sizeof(int64_t);
  owned = std::make_unique<Workspace>(bytes, device);
  upload_async(owned->as<void>(), index.raw_data(), bytes, device);
  ptr = owned->as<int64_t>();
}

namespace {

// Both sides contiguous (the op makes them so). To the host we wait for the stream: the caller reads the result.
void copy_across(const Tensor& out, const Tensor& in) {
  const size_t bytes = static_cast<size_t>(in.numel() * in.itemsize());
  if (bytes == 0) return;
  if (in.device().is_cpu()) {
    upload_async(out.raw_data(), in.raw_data(), bytes, out.device().index);
  } else if (out.device().is_cpu()) {
    const int dev = in.device().index;
    DeviceGuard g(dev);
    cudaStream_t s = stream_for(dev);
    check(cudaMemcpyAsync(out.raw_data(), in.raw_data(), bytes, cudaMemcpyDeviceToHost, s), "device->host copy");
    check(cudaStreamSynchronize(s), "device->host copy");
  } else if (in.device() == out.device()) {
    DeviceGuard g(in.device().index);
    check(cudaMemcpyAsync(out.raw_data(), in.raw_data(), bytes, cudaMemcpyDeviceToDevice, stream_for(in.device().index)),
          "device->device copy");
  } else {
    // Across devices: the copy runs on the source stream after pending work of both streams, and the destination
    // stream waits for it, so later kernels there see the data.
    const int src = in.device().index, dst = out.device().index;
    cudaStream_t ss = stream_for(src), ds = stream_for(dst);
    cudaEvent_t dst_ready, copied;
    {
      DeviceGuard g(dst);
      check(cudaEventCreateWithFlags(&dst_ready, cudaEventDisableTiming), "peer copy");
      check(cudaEventRecord(dst_ready, ds), "peer copy");
    }
    DeviceGuard g(src);
    check(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), "peer copy");
    check(cudaStreamWaitEvent(ss, dst_ready, 0), "peer copy");
    check(cudaMemcpyPeerAsync(out.raw_data(), dst, in.raw_data(), src, bytes, ss), "peer copy");
    check(cudaEventRecord(copied, ss), "peer copy");
    check(cudaStreamWaitEvent(ds, copied, 0), "peer copy");
    cudaEventDestroy(dst_ready);  // destruction is deferred by the runtime until the event completes
    cudaEventDestroy(copied);
  }
}

}  // namespace

void register_kernels(KernelTable& t) {
  if (cuda_runtime::device_count() == 0) return;
  register_allocator(DeviceType::CUDA, &allocator());
  t.copy_across = copy_across;
  register_elementwise(t);
  register_unary(t);
  register_binary(t);
  register_reduce(t);
  register_gemm(t);
  register_index(t);
  register_random(t);
  register_conv(t);  // after register_gemm: im2col + the GEMM
  register_pool(t);
  register_optim(t);
  register_loss(t);
  register_dropout(t);
  register_embedding(t);
  register_recurrent(t);  // gate kernels; the per-step GEMMs use register_gemm's kernel
}

}  // namespace cuda

namespace cuda_runtime {

bool compiled() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) { cudaGetLastError(); return 0; }
  return n;
}

bool available() { return device_count() > 0; }

std::string device_summary() {
  std::string out;
  for (int i = 0; i < device_count(); ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) { cudaGetLastError(); continue; }
    if (!out.empty()) out += "; ";
    out += std::to_string(i) + ": " + p.name + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
           std::to_string(p.totalGlobalMem >> 20) + " MiB, " + std::to_string(p.multiProcessorCount) + " SMs)";
  }
  return out;
}

// Waits for every device's stream; errors of earlier asynchronous kernels surface here.
void synchronize() {
  const int n = std::min(device_count(), cuda::kMaxDevices);
  for (int d = 0; d < n; ++d) {
    cuda::DeviceGuard g(d);
    cuda::check(cudaStreamSynchronize(cuda::stream_for(d)), "synchronize");
  }
}

}  // namespace cuda_runtime
}  // namespace pydl

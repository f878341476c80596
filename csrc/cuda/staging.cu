// CUDA runtime: moving data. Host -> device uploads through pinned staging buffers, device index tensors, and the
// copies between host and device or between devices (the KernelTable's copy_across).
#include <cuda_runtime.h>
#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <vector>
#include "cuda/runtime.cuh"

namespace pydl {
namespace cuda {
namespace {

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

}  // namespace cuda
}  // namespace pydl

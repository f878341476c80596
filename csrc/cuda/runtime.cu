// CUDA runtime glue: device queries, a caching-free allocator (the caching one comes with the CUDA kernels issue),
// host<->device copies and fill. Op kernels for CUDA are registered by later families; until then they raise
// NotImplementedError naming the op and device.
#include <cuda_runtime.h>
#include <string>
#include "core/cuda_runtime.h"
#include "core/dispatch.h"
#include "core/storage.h"

namespace pydl {
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
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    if (!out.empty()) out += "; ";
    out += std::to_string(i) + ": " + p.name + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
           std::to_string(p.totalGlobalMem >> 20) + " MiB)";
  }
  return out;
}

void synchronize() {
  if (available()) cudaDeviceSynchronize();
}

}  // namespace cuda_runtime

namespace cuda {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw RuntimeError(str_cat("CUDA error in ", what, ": ", cudaGetErrorString(e)));
}

struct CudaAllocator final : Allocator {
  void* allocate(size_t nbytes) override {
    void* p = nullptr;
    if (nbytes == 0) nbytes = 1;
    check(cudaMalloc(&p, nbytes), "cudaMalloc");
    return p;
  }
  void deallocate(void* p) override { cudaFree(p); }
};

void copy_across(const Tensor& out, const Tensor& in) {
  // Both sides contiguous (the op makes them so).
  const size_t bytes = static_cast<size_t>(in.numel() * in.itemsize());
  if (bytes == 0) return;
  cudaMemcpyKind kind = in.device().is_cpu() ? cudaMemcpyHostToDevice
                        : out.device().is_cpu() ? cudaMemcpyDeviceToHost : cudaMemcpyDeviceToDevice;
  check(cudaMemcpy(out.raw_data(), in.raw_data(), bytes, kind), "copy between devices");
}

}  // namespace

void register_kernels(KernelTable& t) {
  if (cuda_runtime::device_count() == 0) return;
  static CudaAllocator allocator;
  register_allocator(DeviceType::CUDA, &allocator);
  t.copy_across = copy_across;
}

}  // namespace cuda
}  // namespace pydl

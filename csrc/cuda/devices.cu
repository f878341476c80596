// CUDA runtime: devices and streams (one non-blocking stream per device, error checks, the device guard, cached
// queries) and what the backend reports about itself (cuda_runtime::).
#include <cuda_runtime.h>
#include <algorithm>
#include <array>
#include <mutex>
#include <string>
#include "core/cuda_runtime.h"
#include "cuda/runtime.cuh"

namespace pydl {
namespace cuda {
namespace {
std::array<cudaStream_t, kMaxDevices> g_streams{};
std::array<std::once_flag, kMaxDevices> g_stream_once;
std::array<int, kMaxDevices> g_sm_count{};
std::mutex g_query_mu;
}  // namespace

void check_device_index(int device) {
  PYDL_CHECK(device >= 0 && device < kMaxDevices, DeviceError, "CUDA device index ", device, " is out of range");
}

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

// What the CUDA backend reports about itself; a CPU-only build links the stubs in cuda_runtime_stub.cpp.
#pragma once
#include <atomic>
#include <string>

namespace pydl {
namespace cuda_runtime {
bool compiled();
bool available();
int device_count();
std::string device_summary();  // name, capability and memory of each device, or ""
void synchronize();

// Whether fp32 matmuls and convolutions on CUDA may use TF32 tensor cores (inputs rounded to a 10-bit mantissa,
// fp32 accumulation). Off by default, so CUDA results match the CPU's to fp32 rounding; the user opts in with
// pydl.cuda.set_tf32(True). A plain flag: a CPU-only build keeps it too (it has no effect there).
inline std::atomic<bool>& tf32_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}
inline bool tf32_enabled() { return tf32_flag().load(std::memory_order_relaxed); }
}  // namespace cuda_runtime
}  // namespace pydl

// What the CUDA backend reports about itself; a CPU-only build links the stubs in cuda_runtime_stub.cpp.
#pragma once
#include <string>

namespace pydl {
namespace cuda_runtime {
bool compiled();
bool available();
int device_count();
std::string device_summary();  // name, capability and memory of each device, or ""
void synchronize();
}  // namespace cuda_runtime
}  // namespace pydl

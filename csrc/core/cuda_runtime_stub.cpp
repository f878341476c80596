#ifndef PYDL_WITH_CUDA
#include "core/cuda_runtime.h"

namespace pydl {
namespace cuda_runtime {
bool compiled() { return false; }
bool available() { return false; }
int device_count() { return 0; }
std::string device_summary() { return ""; }
void synchronize() {}
}  // namespace cuda_runtime
}  // namespace pydl
#endif

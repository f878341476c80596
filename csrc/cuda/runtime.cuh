// Shared by the CUDA runtime's files (devices.cu, allocator.cu, staging.cu, register.cu); kernel files see only
// cuda/common.cuh.
#pragma once
#include "core/storage.h"
#include "cuda/common.cuh"

namespace pydl {
namespace cuda {

constexpr int kMaxDevices = 64;
void check_device_index(int device);                   // DeviceError unless 0 <= device < kMaxDevices (devices.cu)
Allocator& allocator();                                // the caching device allocator (allocator.cu)
void copy_across(const Tensor& out, const Tensor& in);  // host <-> device and device <-> device copies (staging.cu)

}  // namespace cuda
}  // namespace pydl

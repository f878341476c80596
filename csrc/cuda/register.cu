// CUDA runtime: registration of the CUDA backend (its allocator, copies and every kernel family) into the kernel
// registry, when a device is present.
#include "core/cuda_runtime.h"
#include "cuda/runtime.cuh"

namespace pydl {
namespace cuda {

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
  register_softmax(t);
  register_dropout(t);
  register_embedding(t);
  register_recurrent(t);  // gate kernels; the per-step GEMMs use register_gemm's kernel
}

}  // namespace cuda
}  // namespace pydl

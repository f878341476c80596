#include "core/dispatch.h"

namespace pydl {
namespace cpu { void register_kernels(KernelTable& t); }
#ifdef PYDL_WITH_CUDA
namespace cuda { void register_kernels(KernelTable& t); }
#endif

KernelTable& kernel_table(DeviceType t) {
  static KernelTable tables[kNumDeviceTypes];
  static bool init = [] {
    cpu::register_kernels(tables[static_cast<int>(DeviceType::CPU)]);
#ifdef PYDL_WITH_CUDA
    cuda::register_kernels(tables[static_cast<int>(DeviceType::CUDA)]);
#endif
    return true;
  }();
  (void)init;
  return tables[static_cast<int>(t)];
}

}  // namespace pydl

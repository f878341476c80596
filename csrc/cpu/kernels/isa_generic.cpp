// The baseline x86-64 (SSE2) build of the elementwise loops and the GEMM micro-kernel (compile flags set in CMakeLists.txt).
#include <type_traits>
#include <utility>
#include "cpu/isa_table.h"

namespace {
constexpr int kLanesF32 = 4;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/elementwise_loops.h"
#include "cpu/gemm/gemm_microkernel.h"
}  // namespace

namespace pydl {
namespace cpu {

void fill_isa_generic(IsaKernels& k) {
  fill_elementwise(k);
  k.softmax_rows_f32 = softmax_rows_f32;
  k.gemm[0] = GemmKernel{4, 8, 128, 256, 2048, gemm_ukr<float, 4, 2, 4>,
                         gemm_ukr_direct_a<float, 4, 2, 4>, gemm_rows<float, 4>};
  k.gemm[1] = GemmKernel{4, 4, 128, 256, 2048, gemm_ukr<double, 4, 2, 2>,
                         gemm_ukr_direct_a<double, 4, 2, 2>, gemm_rows<double, 2>};
}

}  // namespace cpu
}  // namespace pydl

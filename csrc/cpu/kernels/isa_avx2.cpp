// The AVX2 + FMA build of the elementwise loops and the GEMM micro-kernel (compile flags set in CMakeLists.txt).
#include <type_traits>
#include <utility>
#include "cpu/isa_table.h"

namespace {
constexpr int kLanesF32 = 8;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/elementwise_loops.h"
#include "cpu/gemm/gemm_microkernel.h"
}  // namespace

namespace pydl {
namespace cpu {

void fill_isa_avx2(IsaKernels& k) {
  fill_elementwise(k);
  k.softmax_rows_f32 = softmax_rows_f32;
  k.gemm[0] = GemmKernel{6, 16, 144, 256, 3072, gemm_ukr<float, 6, 2, 8>,
                         gemm_ukr_direct_a<float, 6, 2, 8>, gemm_rows<float, 8>};
  k.gemm[1] = GemmKernel{6, 8, 144, 256, 2048, gemm_ukr<double, 6, 2, 4>,
                         gemm_ukr_direct_a<double, 6, 2, 4>, gemm_rows<double, 4>};
}

}  // namespace cpu
}  // namespace pydl

// The AVX-512F build of the elementwise loops and the GEMM micro-kernel (compile flags set in CMakeLists.txt).
#include <type_traits>
#include <utility>
#include "cpu/isa_table.h"

namespace {
constexpr int kLanesF32 = 16;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/elementwise_loops.h"
#include "cpu/gemm/gemm_microkernel.h"
}  // namespace

namespace pydl {
namespace cpu {

void fill_isa_avx512(IsaKernels& k) {
  fill_elementwise(k);
  k.softmax_rows_f32 = softmax_rows_f32;
  k.gemm[0] = GemmKernel{12, 32, 192, 256, 4096, gemm_ukr<float, 12, 2, 16>,
                         gemm_ukr_direct_a<float, 12, 2, 16>, gemm_rows<float, 16>};
  k.gemm[1] = GemmKernel{12, 16, 192, 256, 2048, gemm_ukr<double, 12, 2, 8>,
                         gemm_ukr_direct_a<double, 12, 2, 8>, gemm_rows<double, 8>};
}

}  // namespace cpu
}  // namespace pydl

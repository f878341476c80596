// The baseline x86-64 (SSE2) build of the elementwise loops and the GEMM micro-kernel (compile flags set in CMakeLists.txt).
#include <type_traits>
#include <utility>
#include "cpu/isa_kernels.h"

namespace {
constexpr int kLanesF32 = 4;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/elementwise_loops.h"
#include "cpu/gemm/gemm_microkernel.h"
}  // namespace

namespace pydl {
namespace cpu {

// GEMM tile: kGemmMr rows x kGemmNv vectors of C in registers; blocks of A (kGemmMc x kGemmKc) stay in L2 and
// panels of B (kGemmKc x kGemmNc) in L3.
constexpr int kLanesF64 = kLanesF32 / 2;
constexpr int kGemmMr = 4, kGemmNv = 2;
constexpr int64_t kGemmMc = 128, kGemmKc = 256, kGemmNcF32 = 2048, kGemmNcF64 = 2048;

void fill_elementwise_gemm_generic(IsaKernels& k) {
  fill_elementwise(k);
  k.softmax_rows_f32 = softmax_rows_f32;
  k.gemm[0] = GemmKernel{kGemmMr, kGemmNv * kLanesF32, kGemmMc, kGemmKc, kGemmNcF32,
                         gemm_ukr<float, kGemmMr, kGemmNv, kLanesF32>,
                         gemm_ukr_direct_a<float, kGemmMr, kGemmNv, kLanesF32>, gemm_rows<float, kLanesF32>};
  k.gemm[1] = GemmKernel{kGemmMr, kGemmNv * kLanesF64, kGemmMc, kGemmKc, kGemmNcF64,
                         gemm_ukr<double, kGemmMr, kGemmNv, kLanesF64>,
                         gemm_ukr_direct_a<double, kGemmMr, kGemmNv, kLanesF64>, gemm_rows<double, kLanesF64>};
}

}  // namespace cpu
}  // namespace pydl

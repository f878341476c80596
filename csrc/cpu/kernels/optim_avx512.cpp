// The AVX-512 build of the optimizer update loops (flags, with -ffp-contract=off, set in CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include "cpu/optim_isa.h"

namespace {
#include "cpu/kernels/optim_loops.h"
}  // namespace

namespace pydl {
namespace cpu {

void fill_optim_avx512(OptimKernels& k) {
  k.loop[0] = optim_loop<float>;
  k.loop[1] = optim_loop<double>;
}

}  // namespace cpu
}  // namespace pydl

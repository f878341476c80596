// Optimizer update loops that each SIMD level compiles from csrc/cpu/kernels/optim_loops.h (plain functions over
// raw pointers, like conv_isa.h; OptimKernels is a member of cpu/isa_kernels.h's IsaKernels): optim.cpp keeps the
// threading and the gradient-norm clipping, a loop updates the elements [lo, hi) of one contiguous parameter, its
// gradient and its slots. The per-ISA files are compiled with -ffp-contract=off: the arithmetic stays the rule's,
// operation by operation, so NumPy doing the same float32 ops agrees bit for bit at every SIMD level.
#pragma once
#include <cstdint>
#include "core/optim_kind.h"

namespace pydl {
namespace cpu {

struct OptimLoopArgs {
  OptimKind rule;
  bool nesterov, amsgrad;
  bool scale, clip;  // multiply the gradient by `factor`; clip it to [-clipvalue, clipvalue]
  void* p;
  const void* g;
  void* a;  // slots, null when the rule has fewer
  void* b;
  void* c;
  double factor, clipvalue, lr, eps, beta1, beta2, c1, c2, c3, c4, c5;
};
using OptimLoop = void (*)(const OptimLoopArgs& s, int64_t lo, int64_t hi);

struct OptimKernels {
  OptimLoop loop[2] = {};  // [float32, float64]
};

void fill_optim_generic(OptimKernels& k);
void fill_optim_avx2(OptimKernels& k);
void fill_optim_avx512(OptimKernels& k);

}  // namespace cpu
}  // namespace pydl

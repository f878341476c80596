// The recurrent cells' fused gate loops, compiled per SIMD level from csrc/cpu/kernels/recurrent_loops.h (plain
// functions over raw pointers, like optim_isa.h): cpu/recurrent.cpp splits the batch rows over threads, a loop
// runs one time step (activations and state update, or their gradients) for rows [b0, b1).
#pragma once
#include <cstdint>
#include "core/recurrent.h"

namespace pydl {
namespace cpu {

using RnnRowLoop = void (*)(const RnnStep& s, int64_t b0, int64_t b1);

struct RnnKernels {
  RnnRowLoop forward[2] = {};   // [float32, float64]
  RnnRowLoop backward[2] = {};
};

void fill_rnn_generic(RnnKernels& k);
void fill_rnn_avx2(RnnKernels& k);
void fill_rnn_avx512(RnnKernels& k);

}  // namespace cpu
}  // namespace pydl

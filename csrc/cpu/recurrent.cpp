// CPU recurrent gate kernels: one time step of a cell over all batch rows. The loops are compiled per SIMD level
// (cpu/recurrent_isa.h, the `rnn` part of each level's cpu/isa_kernels.h table); here the rows are split over
// threads. Each row's arithmetic does not depend on the split, so results are the same at any thread count.
#include <algorithm>
#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "cpu/register.h"
#include "cpu/isa_kernels.h"

namespace pydl {
namespace cpu {
namespace {

int64_t row_grain(const RnnStep& s) {
  const int64_t gates = s.cell == RnnCell::Simple ? 1 : s.cell == RnnCell::LSTM ? 4 : 3;
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, gates * s.units));  // ~16k values per task
}

void rnn_step(const RnnStep& s) {
  const RnnRowLoop loop = isa_kernels().rnn.forward[s.f64 ? 1 : 0];
  parallel_for(0, s.batch, row_grain(s), [&](int64_t lo, int64_t hi) { loop(s, lo, hi); });
}

void rnn_step_backward(const RnnStep& s) {
  const RnnRowLoop loop = isa_kernels().rnn.backward[s.f64 ? 1 : 0];
  parallel_for(0, s.batch, row_grain(s), [&](int64_t lo, int64_t hi) { loop(s, lo, hi); });
}

}  // namespace

void register_recurrent(KernelTable& t) {
  t.rnn_step = rnn_step;
  t.rnn_step_backward = rnn_step_backward;
}

}  // namespace cpu
}  // namespace pydl

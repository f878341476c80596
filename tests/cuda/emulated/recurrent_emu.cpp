// Recurrent gate kernels of csrc/cuda/recurrent_kernels.cu, emulated on the CPU (one CUDA thread per row and unit),
// against the CPU loops of csrc/cpu/kernels/recurrent_loops.h on the same float64 buffers: every cell, phase and
// activation, with and without a sequence mask and recurrent-dropout multipliers, forward and backward.
#include "shim.h"
#include <random>
#include "core/recurrent.h"
#include "cuda/math.cuh"
namespace pydl { namespace cuda {
namespace emu {
#include "recurrent_section.inc"  // extracted by test_emulated_kernels.py
}
}}
namespace cpuref {
constexpr int kLanesF32 = 4;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/recurrent_loops.h"
}
using pydl::RnnAct;
using pydl::RnnCell;
using pydl::RnnStep;
int fails = 0;

// Every buffer lives in one arena at a fixed offset, so the CPU copy and the emulated copy compare as a whole.
struct Arena {
  std::vector<double> v;
  char* at(int64_t off) { return reinterpret_cast<char*>(v.data() + off); }
};

RnnStep make(Arena& a, RnnCell cell, RnnAct act, RnnAct rec, int phase, int64_t B, int64_t U, bool mask, bool rmask) {
  const int64_t G = cell == RnnCell::Simple ? 1 : cell == RnnCell::LSTM ? 4 : 3, GU = G * U;
  int64_t off = 0;
  a.v.assign(B * (2 * GU + 1 + 8 * U + 3 * GU + 3 * U + 3) + 2 * GU + 64, 0.0);  // every buffer below
  auto take = [&](int64_t n) { const int64_t o = off; off += n; return a.at(o); };
  RnnStep s;
  s.cell = cell; s.act = act; s.rec_act = rec; s.phase = phase; s.f64 = true; s.batch = B; s.units = U;
  s.gates = take(B * (GU + 1)); s.ld_gates = GU + 1;  // padded rows: strides are honoured
  s.rec = take(B * GU); s.ld_rec = GU;
  s.rec_bias = take(GU);
  s.extra = take(B * U); s.ld_extra = U;
  s.h_prev = take(B * 2 * U); s.c_prev = s.h_prev + U * 8; s.ld_prev = 2 * U;
  s.hm = take(B * U); s.ld_hm = U;
  s.h = take(B * 2 * U); s.c = s.h + U * 8; s.ld_out = 2 * U;
  s.dy_h = take(B * 2 * U); s.dy_c = s.dy_h + U * 8; s.ld_dy = 2 * U;
  s.dh_direct = take(B * U); s.dh_gemm = take(B * U); s.dc = take(B * U);
  s.dgates = take(B * GU); s.ld_dgates = GU;
  s.drec = take(B * GU); s.ld_drec = GU;
  if (rmask) s.rmask = take(B * U);
  char* m = take(B * 3);
  if (mask) { s.mask = m; s.mask_ld = 3; }
  if (off > int64_t(a.v.size())) std::abort();
  a.v.resize(off);
  return s;
}

RnnStep rebase(RnnStep s, Arena& from, Arena& to) {
  auto mv = [&](auto& p) {
    if (p) p = reinterpret_cast<std::remove_reference_t<decltype(p)>>(
        to.at((reinterpret_cast<const double*>(p) - from.v.data())));
  };
  mv(s.mask); mv(s.rmask); mv(s.gates); mv(s.rec); mv(s.rec_bias); mv(s.extra); mv(s.h_prev); mv(s.c_prev);
  mv(s.hm); mv(s.h); mv(s.c); mv(s.dy_h); mv(s.dy_c); mv(s.dh_direct); mv(s.dh_gemm); mv(s.dc); mv(s.dgates);
  mv(s.drec);
  return s;
}

int main() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-2, 2);
  const RnnCell cells[] = {RnnCell::Simple, RnnCell::LSTM, RnnCell::GRU, RnnCell::GRUResetAfter};
  const RnnAct acts[] = {RnnAct::Tanh, RnnAct::Relu, RnnAct::Linear};
  const RnnAct recs[] = {RnnAct::Sigmoid, RnnAct::HardSigmoid};
  int cases = 0;
  for (RnnCell cell : cells)
    for (RnnAct act : acts)
      for (RnnAct rec : recs)
        for (int flags = 0; flags < 4; ++flags)
          for (int backward = 0; backward < 2; ++backward)
            for (int phase = -1; phase <= (cell == RnnCell::GRU ? 1 : 0); ++phase) {
              const int64_t B = 3, U = 37;
              Arena a, b;
              RnnStep s = make(a, cell, act, rec, phase, B, U, flags & 1, flags & 2);
              for (auto& x : a.v) x = u(rng);
              if (s.mask) for (int64_t r = 0; r < B; ++r) const_cast<double*>(reinterpret_cast<const double*>(s.mask))[r * 3] = r == 1 ? 0 : 1;
              // gate values as forward left them (activations in range) for backward
              if (backward) for (int64_t i = 0; i < B * s.ld_gates; ++i) {
                double& g = reinterpret_cast<double*>(s.gates)[i];
                g = (g + 2) / 4;
              }
              b.v = a.v;
              RnnStep t = rebase(s, a, b);
              if (backward) cpuref::rnn_backward_rows<double>(s, 0, B);
              else cpuref::rnn_forward_rows<double>(s, 0, B);
              using namespace pydl::cuda::emu;
              const unsigned blocks = unsigned((B * U + kThreads - 1) / kThreads);
              emulate(dim3(blocks), dim3(kThreads), [&] {
                if (backward) rnn_step_kernel<double, true>(t);
                else rnn_step_kernel<double, false>(t);
              });
              ++cases;
              for (size_t i = 0; i < a.v.size(); ++i)
                if (std::fabs(a.v[i] - b.v[i]) > 1e-12 * (1 + std::fabs(a.v[i]))) {
                  if (fails < 10)
                    std::printf("cell %d act %d rec %d flags %d bwd %d phase %d: [%zu] cpu %g emu %g\n", int(cell),
                                int(act), int(rec), flags, backward, phase, i, a.v[i], b.v[i]);
                  ++fails;
                  break;
                }
            }
  std::printf("cases: %d fails: %d\n", cases, fails);
  return fails != 0;
}

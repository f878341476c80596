// What a recurrent cell's fused gate kernel needs for one time step (ops/recurrent.cpp runs the time loop and the
// GEMMs; the kernel does the activations and the state update of every batch row in one pass). Plain pointers and
// row strides (in elements) so the per-ISA loops can read it without the op layer's headers.
#pragma once
#include <cstdint>

namespace pydl {

// Gate layouts follow Keras: LSTM (i, f, c, o), GRU (z, r, h); SimpleRNN has one gate.
enum class RnnCell : int { Simple, LSTM, GRU, GRUResetAfter };
// Activations whose derivative follows from their output (what backward reads back from forward).
enum class RnnAct : int { Linear, Tanh, Sigmoid, HardSigmoid, Relu };

// Included by files compiled with AVX flags: plain data only (no inline functions, which the linker could share
// with the generic path). Row b of a buffer starts at ptr + b * ld. Phases: -1 = forward "prep" (hm = h_prev * rmask) / backward "combine"
// (dh_direct += dh_gemm * rmask); 0 = the step (GRU without reset_after: the z, r half); 1 = GRU's h half.
struct RnnStep {
  RnnCell cell = RnnCell::LSTM;
  RnnAct act = RnnAct::Tanh, rec_act = RnnAct::Sigmoid;
  int phase = 0;
  bool f64 = false;  // float64 data, else float32
  int64_t batch = 0, units = 0;
  const char* mask = nullptr;  // mask[b * mask_ld] != 0: the step is taken; else the state is carried over
  int64_t mask_ld = 0;
  const char* rmask = nullptr;  // (batch, units) recurrent-dropout multipliers, or null
  // forward
  char* gates = nullptr; int64_t ld_gates = 0;       // G*U pre-activations in, activations out
  const char* rec = nullptr; int64_t ld_rec = 0;     // GRUResetAfter: h_prev @ U (G*U) for this step
  const char* rec_bias = nullptr;                    // GRUResetAfter: the recurrent bias (G*U) or null
  char* extra = nullptr; int64_t ld_extra = 0;       // GRU: r * hm, or (GRUResetAfter) the recurrent h part
  const char* h_prev = nullptr; const char* c_prev = nullptr; int64_t ld_prev = 0;
  char* hm = nullptr; int64_t ld_hm = 0;             // the recurrent GEMM's input: h_prev (* rmask)
  char* h = nullptr; char* c = nullptr; int64_t ld_out = 0;
  // backward (dh = dy_h + dh_direct + dh_gemm * rmask; dc = dy_c + dc)
  const char* dy_h = nullptr; const char* dy_c = nullptr; int64_t ld_dy = 0;
  char* dh_direct = nullptr; char* dh_gemm = nullptr; char* dc = nullptr;  // (batch, units) contiguous
  char* dgates = nullptr; int64_t ld_dgates = 0;     // gradient of the input-path pre-activations (overwrites)
  char* drec = nullptr; int64_t ld_drec = 0;         // GRUResetAfter: gradient of h_prev @ U + b_rec (overwrites)
};

}  // namespace pydl

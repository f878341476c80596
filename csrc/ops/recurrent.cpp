// SimpleRNN, LSTM and GRU over a whole sequence in one op. The input projection of every step is one GEMM
// (x (T*B, F) @ kernel + bias, written into the gate buffer); each step adds h_prev @ recurrent_kernel with one
// GEMM and runs one fused gate kernel (activations + state update). The gate buffer keeps the activations and
// the output keeps every state, which is all that backpropagation through time reads. Its gradient runs the
// steps in reverse (one gate-gradient kernel and one GEMM per step, two for GRU without reset_after), then gets
// the kernels' gradients as one GEMM each over all steps. The per-step buffers (gates, their gradient, hm, extra)
// are time-major, (T, B, .): one step's rows are one contiguous block for its GEMM and gate kernel.
#include "ops/recurrent.h"
#include "autograd/node.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

RnnAct parse_rnn_activation(const std::string& name, const char* op, const char* what) {
  if (name.empty() || name == "linear") return RnnAct::Linear;
  if (name == "tanh") return RnnAct::Tanh;
  if (name == "sigmoid") return RnnAct::Sigmoid;
  if (name == "hard_sigmoid") return RnnAct::HardSigmoid;
  if (name == "relu") return RnnAct::Relu;
  throw ValueError(str_cat(op, ": unsupported ", what, " '", name,
                           "'; expected 'tanh', 'sigmoid', 'hard_sigmoid', 'relu' or 'linear'"));
}

namespace {

const char* cell_op(RnnCell c) {
  return c == RnnCell::Simple ? "simple_rnn" : c == RnnCell::LSTM ? "lstm" : "gru";
}
int64_t cell_gates(RnnCell c) { return c == RnnCell::Simple ? 1 : c == RnnCell::LSTM ? 4 : 3; }

void check_operand(const char* op, const char* what, const Tensor& t, const Tensor& x, const Shape& expect) {
  if (!t.defined()) return;
  check_same_device(x, t, op);
  PYDL_CHECK(t.dtype() == x.dtype(), DTypeError, op, ": ", what, " has dtype ", dtype_name(t.dtype()),
             " but the input is ", dtype_name(x.dtype()));
  PYDL_CHECK(t.shape() == expect, ShapeError, op, ": ", what, " of shape ", shape_str(t.shape()), " does not match ",
             shape_str(expect), " (from input ", shape_str(x.shape()), ")");
}

Tensor data_of(const Tensor& t) { return t.defined() ? contiguous(detach(t)) : Tensor(); }
char* ptr(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

// Everything the time loops read, contiguous and detached.
struct RnnData {
  RnnCell cell;
  RnnAct act, rec_act;
  bool go_backwards;
  DType dt;
  int64_t B, T, F, U, G, S;
  Tensor x, w, r, b, rb, h0, c0, mask, rmask;  // x time-major (T, B, F)
  Tensor gates, y, hm, extra;  // saved by forward
  int64_t ts(int64_t s) const { return go_backwards ? T - 1 - s : s; }
  int64_t esz() const { return itemsize(dt); }
};

using GemmFn = decltype(KernelTable::gemm);

// c (m x n) = a (m x k) @ op(b) + beta * c with row strides in elements.
void gemm(GemmFn fn, const RnnData& d, bool trans_b, int64_t m, int64_t n, int64_t k, const char* a, int64_t lda,
          const char* b, int64_t ldb, double beta, char* c, int64_t ldc) {
  fn(d.dt, false, trans_b, m, n, k, 1.0, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);
}

RnnStep base_step(const RnnData& d, int64_t s) {
  RnnStep st;
  st.cell = d.cell; st.act = d.act; st.rec_act = d.rec_act;
  st.f64 = d.dt == DType::Float64;
  st.batch = d.B; st.units = d.U;
  const int64_t e = d.esz(), t = d.ts(s), U = d.U, GU = d.G * d.U, SU = d.S * U;
  if (d.mask.defined()) { st.mask = ptr(d.mask) + t * e; st.mask_ld = d.T; }
  st.rmask = ptr(d.rmask);
  st.gates = ptr(d.gates) + t * d.B * GU * e; st.ld_gates = GU;
  if (d.extra.defined()) { st.extra = ptr(d.extra) + t * d.B * U * e; st.ld_extra = U; }
  if (s == 0) {
    st.h_prev = ptr(d.h0); st.c_prev = ptr(d.c0); st.ld_prev = U;
  } else {
    st.h_prev = ptr(d.y) + (s - 1) * SU * e; st.c_prev = st.h_prev + U * e; st.ld_prev = d.T * SU;
  }
  st.hm = ptr(d.hm) + t * d.B * U * e; st.ld_hm = U;
  st.h = ptr(d.y) + s * SU * e; st.c = st.h + U * e; st.ld_out = d.T * SU;
  st.rec_bias = ptr(d.rb);
  return st;
}

void run_forward(RnnData& d, Tensor& rec_scratch) {
  const auto step = PYDL_KERNEL(rnn_step, d.x.device(), cell_op(d.cell));
  const GemmFn gfn = PYDL_KERNEL(gemm, d.x.device(), cell_op(d.cell));
  const int64_t e = d.esz(), U = d.U, GU = d.G * U;
  // Input projection of all steps at once; the bias first, so the GEMM accumulates onto it.
  if (d.b.defined()) PYDL_KERNEL(copy, d.x.device(), cell_op(d.cell))(reshape(d.gates, {d.T * d.B, GU}),
                                                                       broadcast_view(d.b, {d.T * d.B, GU}));
  gemm(gfn, d, false, d.T * d.B, GU, d.F, ptr(d.x), d.F, ptr(d.w), GU, d.b.defined() ? 1.0 : 0.0, ptr(d.gates), GU);
  for (int64_t s = 0; s < d.T; ++s) {
    RnnStep st = base_step(d, s);
    st.phase = -1;
    step(st);  // hm = h_prev (* rmask)
    st.phase = 0;
    switch (d.cell) {
      case RnnCell::Simple:
      case RnnCell::LSTM:
        gemm(gfn, d, false, d.B, GU, U, st.hm, st.ld_hm, ptr(d.r), GU, 1.0, st.gates, st.ld_gates);
        step(st);
        break;
      case RnnCell::GRUResetAfter:
        gemm(gfn, d, false, d.B, GU, U, st.hm, st.ld_hm, ptr(d.r), GU, 0.0, ptr(rec_scratch), GU);
        st.rec = ptr(rec_scratch); st.ld_rec = GU;
        step(st);
        break;
      case RnnCell::GRU:
        gemm(gfn, d, false, d.B, 2 * U, U, st.hm, st.ld_hm, ptr(d.r), GU, 1.0, st.gates, st.ld_gates);
        step(st);  // z, r and extra = r * hm
        gemm(gfn, d, false, d.B, U, U, st.extra, st.ld_extra, ptr(d.r) + 2 * U * e, GU, 1.0, st.gates + 2 * U * e,
             st.ld_gates);
        st.phase = 1;
        step(st);
        break;
    }
  }
}

Tensor flat(const Tensor& t, int64_t cols) { return reshape(t, {t.numel() / cols, cols}); }

// The column sums of a (rows, cols) matrix as a (1 x rows) @ (rows x cols) GEMM: a sum over leading axes would
// first copy the matrix transposed, which costs more than all of BPTT's other passes over it.
Tensor column_sums(const Tensor& m) {
  return reshape(matmul(ones({1, m.shape()[0]}, m.dtype(), m.device()), m), {m.shape()[1]});
}

// Backpropagation through time: returns {dx, dw, dr, db, drb, dh0, dc0} (undefined where not asked for).
Grads run_backward(const RnnData& d, const Tensor& dy, const std::vector<bool>& want) {
  const auto step = PYDL_KERNEL(rnn_step_backward, dy.device(), cell_op(d.cell));
  const GemmFn gfn = PYDL_KERNEL(gemm, dy.device(), cell_op(d.cell));
  const int64_t e = d.esz(), U = d.U, GU = d.G * U, SU = d.S * U;
  const Device dev = dy.device();
  Tensor dz = empty({d.T, d.B, GU}, d.dt, dev);
  Tensor dr = d.cell == RnnCell::GRUResetAfter ? empty({d.T, d.B, GU}, d.dt, dev) : Tensor();
  // dh = dz @ recurrent_kernel^T reads a transposed copy made once: a row-major operand packs by plain copies.
  const Tensor rt = contiguous(transpose(d.r, 0, 1));  // (G*U, U)
  Tensor dd = zeros({d.B, U}, d.dt, dev), dg = zeros({d.B, U}, d.dt, dev);
  Tensor dc = d.cell == RnnCell::LSTM ? zeros({d.B, U}, d.dt, dev) : Tensor();
  for (int64_t s = d.T - 1; s >= 0; --s) {
    RnnStep st = base_step(d, s);
    const int64_t t = d.ts(s);
    st.dy_h = ptr(dy) + s * SU * e; st.dy_c = st.dy_h + U * e; st.ld_dy = d.T * SU;
    st.dh_direct = ptr(dd); st.dh_gemm = ptr(dg); st.dc = ptr(dc);
    st.dgates = ptr(dz) + t * d.B * GU * e; st.ld_dgates = GU;
    if (dr.defined()) { st.drec = ptr(dr) + t * d.B * GU * e; st.ld_drec = GU; }
    step(st);
    switch (d.cell) {
      case RnnCell::Simple:
      case RnnCell::LSTM:
        gemm(gfn, d, false, d.B, U, GU, st.dgates, st.ld_dgates, ptr(rt), U, 0.0, ptr(dg), U);
        break;
      case RnnCell::GRUResetAfter:
        gemm(gfn, d, false, d.B, U, GU, st.drec, st.ld_drec, ptr(rt), U, 0.0, ptr(dg), U);
        break;
      case RnnCell::GRU:
        gemm(gfn, d, false, d.B, U, U, st.dgates + 2 * U * e, st.ld_dgates, ptr(rt) + 2 * U * U * e, U, 0.0,
             ptr(dg), U);
        st.phase = 1;
        step(st);  // dr part of dz; dg = d(r * hm) * r
        gemm(gfn, d, false, d.B, U, 2 * U, st.dgates, st.ld_dgates, ptr(rt), U, 1.0, ptr(dg), U);
        break;
    }
  }
  {
    RnnStep st = base_step(d, 0);
    st.phase = -1;
    st.dh_direct = ptr(dd); st.dh_gemm = ptr(dg);
    step(st);  // dd += dg * rmask: the gradient of h0
  }
  Grads g(7);
  const Tensor dz2 = flat(dz, GU);
  if (want[0]) g[0] = contiguous(transpose(reshape(matmul(dz2, transpose(d.w, 0, 1)), {d.T, d.B, d.F}), 0, 1));
  if (want[1]) g[1] = matmul(transpose(flat(d.x, d.F), 0, 1), dz2);
  if (want[2]) {
    const Tensor hm2 = transpose(flat(d.hm, U), 0, 1);
    if (d.cell == RnnCell::GRU) {
      const Tensor e2 = transpose(flat(d.extra, U), 0, 1);
      g[2] = concatenate({matmul(hm2, narrow(dz2, 1, 0, 2 * U)), matmul(e2, narrow(dz2, 1, 2 * U, U))}, 1);
    } else {
      g[2] = matmul(hm2, dr.defined() ? flat(dr, GU) : dz2);
    }
  }
  if (want[3]) g[3] = column_sums(dz2);
  if (want[4]) g[4] = column_sums(flat(dr, GU));
  if (want[5]) g[5] = dd;
  if (want[6]) g[6] = dc;
  return g;
}

}  // namespace

Tensor rnn(const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
           const Tensor& recurrent_bias, const Tensor& h0, const Tensor& c0, const Tensor& mask, const Tensor& rmask,
           RnnCell cell, RnnAct act, RnnAct rec_act, bool go_backwards) {
  const char* op = cell_op(cell);
  PYDL_KERNEL(rnn_step, x.device(), op);  // a device without recurrent kernels says so first
  PYDL_CHECK(x.dim() == 3, ShapeError, op, ": expected an input of shape (batch, timesteps, features), got shape ",
             shape_str(x.shape()));
  PYDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a float32 or float64 input, got ",
             dtype_name(x.dtype()));
  PYDL_CHECK(recurrent_kernel.dim() == 2, ShapeError, op, ": expected a recurrent kernel of shape (units, ",
             cell_gates(cell), " * units), got shape ", shape_str(recurrent_kernel.shape()));
  RnnData d;
  d.cell = cell; d.act = act; d.rec_act = rec_act; d.go_backwards = go_backwards; d.dt = x.dtype();
  d.B = x.shape()[0]; d.T = x.shape()[1]; d.F = x.shape()[2];
  d.U = recurrent_kernel.shape()[0]; d.G = cell_gates(cell); d.S = cell == RnnCell::LSTM ? 2 : 1;
  PYDL_CHECK(d.T >= 1, ValueError, op, ": the input needs at least one time step, got shape ", shape_str(x.shape()));
  PYDL_CHECK(d.U >= 1, ShapeError, op, ": the recurrent kernel of shape ", shape_str(recurrent_kernel.shape()),
             " has no units");
  const int64_t GU = d.G * d.U;
  PYDL_CHECK(kernel.defined(), ValueError, op, ": a kernel is required");
  check_operand(op, "recurrent kernel", recurrent_kernel, x, {d.U, GU});
  check_operand(op, "kernel", kernel, x, {d.F, GU});
  check_operand(op, "bias", bias, x, {GU});
  PYDL_CHECK(!recurrent_bias.defined() || cell == RnnCell::GRUResetAfter, ValueError, op,
             ": a recurrent bias is only used by GRU with reset_after=True");
  check_operand(op, "recurrent bias", recurrent_bias, x, {GU});
  check_operand(op, "initial hidden state", h0, x, {d.B, d.U});
  PYDL_CHECK(!c0.defined() || cell == RnnCell::LSTM, ValueError, op, ": only LSTM has a carry state");
  check_operand(op, "initial carry state", c0, x, {d.B, d.U});
  check_operand(op, "recurrent dropout mask", rmask, x, {d.B, d.U});
  if (mask.defined()) {
    check_same_device(x, mask, op);
    PYDL_CHECK(mask.shape() == Shape({d.B, d.T}), ShapeError, op, ": mask of shape ", shape_str(mask.shape()),
               " does not match (batch, timesteps) = ", shape_str({d.B, d.T}));
  }
  d.x = contiguous(transpose(detach(x), 0, 1));  // time-major
  d.w = data_of(kernel); d.r = data_of(recurrent_kernel); d.b = data_of(bias);
  d.rb = data_of(recurrent_bias); d.rmask = data_of(rmask);
  d.mask = mask.defined() ? contiguous(cast(detach(mask), d.dt)) : Tensor();
  d.h0 = h0.defined() ? data_of(h0) : zeros({d.B, d.U}, d.dt, x.device());
  if (cell == RnnCell::LSTM) d.c0 = c0.defined() ? data_of(c0) : zeros({d.B, d.U}, d.dt, x.device());
  d.gates = empty({d.T, d.B, GU}, d.dt, x.device());
  d.y = empty({d.B, d.T, d.S * d.U}, d.dt, x.device());
  d.hm = empty({d.T, d.B, d.U}, d.dt, x.device());
  if (cell == RnnCell::GRU || cell == RnnCell::GRUResetAfter) d.extra = empty({d.T, d.B, d.U}, d.dt, x.device());
  Tensor rec = cell == RnnCell::GRUResetAfter ? empty({d.B, GU}, d.dt, x.device()) : Tensor();
  if (d.B > 0) run_forward(d, rec);
  Tensor y = d.y;
  if (needs_grad({&x, &kernel, &recurrent_kernel, &bias, &recurrent_bias, &h0, &c0})) {
    const std::vector<bool> want = {x.requires_grad(), kernel.requires_grad(), recurrent_kernel.requires_grad(),
                                    bias.defined() && bias.requires_grad(),
                                    recurrent_bias.defined() && recurrent_bias.requires_grad(),
                                    h0.defined() && h0.requires_grad(), c0.defined() && c0.requires_grad()};
    // Saved without autograd state; the version check catches a later in-place write to any of them.
    struct Saved { SavedTensor x, w, r, b, rb, h0, c0, mask, rmask, gates, y, hm, extra; };
    auto sv = std::make_shared<Saved>(Saved{SavedTensor(d.x), SavedTensor(d.w), SavedTensor(d.r), SavedTensor(d.b),
                                            SavedTensor(d.rb), SavedTensor(d.h0), SavedTensor(d.c0),
                                            SavedTensor(d.mask), SavedTensor(d.rmask), SavedTensor(d.gates),
                                            SavedTensor(d.y), SavedTensor(d.hm), SavedTensor(d.extra)});
    RnnData meta = d;
    meta.x = meta.w = meta.r = meta.b = meta.rb = meta.h0 = meta.c0 = Tensor();
    meta.mask = meta.rmask = meta.gates = meta.y = meta.hm = meta.extra = Tensor();
    record(y, cell == RnnCell::Simple ? "SimpleRnnBackward" : cell == RnnCell::LSTM ? "LstmBackward" : "GruBackward",
           {x, kernel, recurrent_kernel, bias, recurrent_bias, h0, c0}, [sv, meta, want](const Tensor& g_in) {
             RnnData dd = meta;
             auto get = [](const SavedTensor& t) { return t.defined() ? t.get() : Tensor(); };
             dd.x = get(sv->x); dd.w = get(sv->w); dd.r = get(sv->r); dd.b = get(sv->b); dd.rb = get(sv->rb);
             dd.h0 = get(sv->h0); dd.c0 = get(sv->c0); dd.mask = get(sv->mask); dd.rmask = get(sv->rmask);
             dd.gates = get(sv->gates); dd.y = get(sv->y); dd.hm = get(sv->hm); dd.extra = get(sv->extra);
             const Tensor dy = contiguous(g_in);
             if (dd.B == 0) {
               Grads g(7);
               const Tensor* src[7] = {&dd.x, &dd.w, &dd.r, &dd.b, &dd.rb, &dd.h0, &dd.c0};
               for (int i = 0; i < 7; ++i)
                 if (want[i]) g[i] = zeros(i == 0 ? Shape{dd.B, dd.T, dd.F} : src[i]->shape(), dd.dt, dy.device());
               return g;
             }
             return run_backward(dd, dy, want);
           });
  }
  return y;
}

}  // namespace ops
}  // namespace pydl

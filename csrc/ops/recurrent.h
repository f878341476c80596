// Recurrent layers' op (recurrent.cpp): the whole sequence forward in one call, backpropagation through time in
// its gradient. Kept apart from ops.h so the recurrent family has one header of its own.
#pragma once
#include <string>
#include "core/recurrent.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

// "linear"/"" , "tanh", "sigmoid", "hard_sigmoid", "relu"; anything else is a ValueError naming `what`.
RnnAct parse_rnn_activation(const std::string& name, const char* op, const char* what);

// x (batch, T, features); kernel (features, G*U); recurrent_kernel (U, G*U); bias (G*U) or undefined;
// recurrent_bias (G*U) only for GRUResetAfter; h0, c0 (batch, U) or undefined (zeros; c0 for LSTM only);
// mask (batch, T) of any dtype (non-zero: step taken; else the state and output are carried over, as Keras);
// rmask (batch, U) recurrent-dropout multipliers applied to h_prev before the recurrent GEMM.
// Returns (batch, T, S*U) with S = 2 for LSTM ([h_t, c_t]) else 1: step s processed input step T-1-s when
// go_backwards. Differentiable in x, the kernels, the biases, h0 and c0.
Tensor rnn(const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
           const Tensor& recurrent_bias, const Tensor& h0, const Tensor& c0, const Tensor& mask, const Tensor& rmask,
           RnnCell cell, RnnAct act, RnnAct rec_act, bool go_backwards);

}  // namespace ops
}  // namespace pydl

// Binding of the recurrent op (pydl._C._rnn); pydl/rnn_ops.py normalises the Keras-style arguments first.
#include "bindings/common.h"
#include "ops/recurrent.h"

namespace pydl {
namespace bind {

using Tensors = plan::Tensors;
namespace {

Tensor opt(const py::object& o) { return o.is_none() ? Tensor() : o.cast<Tensor>(); }

RnnCell parse_cell(const std::string& c) {
  if (c == "simple_rnn") return RnnCell::Simple;
  if (c == "lstm") return RnnCell::LSTM;
  if (c == "gru") return RnnCell::GRU;
  if (c == "gru_reset_after") return RnnCell::GRUResetAfter;
  throw ValueError(str_cat("rnn: unknown cell '", c, "'; expected 'simple_rnn', 'lstm', 'gru' or 'gru_reset_after'"));
}

}  // namespace

void bind_rnn(py::module_& m) {
  m.def("_rnn", [](const std::string& cell, const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel,
                   py::object bias, py::object recurrent_bias, py::object h0, py::object c0, py::object mask,
                   py::object rmask, const std::string& activation, const std::string& recurrent_activation,
                   bool go_backwards) {
    const RnnCell c = parse_cell(cell);
    const char* op = c == RnnCell::Simple ? "simple_rnn" : c == RnnCell::LSTM ? "lstm" : "gru";
    const RnnAct act = ops::parse_rnn_activation(activation, op, "activation");
    const RnnAct ract = ops::parse_rnn_activation(recurrent_activation, op, "recurrent_activation");
    return op_call(op, {x, kernel, recurrent_kernel, opt(bias), opt(recurrent_bias), opt(h0), opt(c0), opt(mask), opt(rmask)},
                   [c, act, ract, go_backwards](const Tensors& t) {
                     return ops::rnn(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], c, act, ract, go_backwards);
                   });
  });
}

}  // namespace bind
}  // namespace pydl

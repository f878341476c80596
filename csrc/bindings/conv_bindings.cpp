// Bindings of the convolution and pooling ops (pydl._C._conv2d, ...). pydl/ops.py normalises the Keras-style
// arguments (ints or pairs, None) before calling these; each releases the GIL around the op.
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

using Tensors = plan::Tensors;
namespace {

using ops::Pair;

Tensor optional_tensor(const py::object& o) { return o.is_none() ? Tensor() : o.cast<Tensor>(); }

}  // namespace

void bind_conv(py::module_& m) {
  m.def("_conv2d", [](const Tensor& x, const Tensor& w, py::object b, Pair strides, const std::string& padding,
                      Pair dilation, const std::string& activation) {
    const ops::Padding pad = ops::parse_padding(padding, "conv2d", false);
    return op_call("conv2d", {x, w, optional_tensor(b)}, [strides, pad, dilation, activation](const Tensors& t) {
      return ops::conv2d(t[0], t[1], t[2], strides, pad, dilation, activation);
    });
  });
  m.def("_conv1d", [](const Tensor& x, const Tensor& w, py::object b, int64_t stride, const std::string& padding,
                      int64_t dilation, const std::string& activation) {
    const ops::Padding pad = ops::parse_padding(padding, "conv1d", true);
    return op_call("conv1d", {x, w, optional_tensor(b)}, [stride, pad, dilation, activation](const Tensors& t) {
      return ops::conv1d(t[0], t[1], t[2], stride, pad, dilation, activation);
    });
  });
  m.def("_conv2d_transpose", [](const Tensor& x, const Tensor& w, py::object b, Pair strides,
                                const std::string& padding, Pair output_padding, Pair dilation) {
    const ops::Padding pad = ops::parse_padding(padding, "conv2d_transpose", false);
    return op_call("conv2d_transpose", {x, w, optional_tensor(b)},
                   [strides, pad, output_padding, dilation](const Tensors& t) {
                     return ops::conv2d_transpose(t[0], t[1], t[2], strides, pad, output_padding, dilation);
                   });
  });
  py::enum_<PoolKind>(m, "PoolKind", "What a pooling window computes.")
      .value("Max", PoolKind::Max).value("Avg", PoolKind::Avg);
  m.def("_pool2d", [](const Tensor& x, PoolKind kind, Pair pool, Pair strides, const std::string& padding) {
    const char* op = kind == PoolKind::Max ? "max_pool2d" : "avg_pool2d";
    const ops::Padding pad = ops::parse_padding(padding, op, false);
    return op_call(op, {x}, [kind, pool, strides, pad](const Tensors& t) { return ops::pool2d(t[0], kind, pool, strides, pad); });
  });
  m.def("_pool1d", [](const Tensor& x, PoolKind kind, int64_t pool, int64_t stride, const std::string& padding) {
    const char* op = kind == PoolKind::Max ? "max_pool1d" : "avg_pool1d";
    const ops::Padding pad = ops::parse_padding(padding, op, false);
    return op_call(op, {x}, [kind, pool, stride, pad](const Tensors& t) { return ops::pool1d(t[0], kind, pool, stride, pad); });
  });
  m.def("_global_pool", [](const Tensor& x, PoolKind kind, int dims, bool keepdims) {
    return op_call("global_pool", {x}, [kind, dims, keepdims](const Tensors& t) { return ops::global_pool(t[0], kind, dims, keepdims); });
  });
  m.def("conv_output_length", [](int64_t length, int64_t kernel, const std::string& padding, int64_t stride,
                                 int64_t dilation) {
    return ops::conv_output_length(length, kernel, ops::parse_padding(padding, "conv_output_length", true), stride,
                                   dilation);
  }, py::arg("length"), py::arg("kernel"), py::arg("padding"), py::arg("stride"), py::arg("dilation") = 1);
  m.def("conv_transpose_output_length", [](int64_t length, int64_t kernel, const std::string& padding,
                                           int64_t stride, int64_t dilation, int64_t output_padding) {
    return ops::conv_output_length(length, kernel, ops::parse_padding(padding, "conv_transpose_output_length", false),
                                   stride, dilation, output_padding, true);
  }, py::arg("length"), py::arg("kernel"), py::arg("padding"), py::arg("stride"), py::arg("dilation") = 1,
     py::arg("output_padding") = -1);
  m.def("_upsample2d", [](const Tensor& x, Pair size) {
    return op_call("upsample2d", {x}, [size](const Tensors& t) { return ops::upsample2d(t[0], size); });
  });
  m.def("_zero_pad2d", [](const Tensor& x, Pair rows, Pair cols) {
    return op_call("zero_pad2d", {x}, [rows, cols](const Tensors& t) { return ops::zero_pad2d(t[0], rows, cols); });
  });
}

}  // namespace bind
}  // namespace pydl

// Direct convolution (conv_direct.cpp, conv_weight.cpp): the paths of cpu/conv.cpp that need no im2col buffer,
// built on the per-ISA micro-kernels of cpu/conv_isa.h.
#pragma once
#include <functional>
#include "core/dispatch.h"
#include "cpu/isa_kernels.h"

namespace pydl {
namespace cpu {

// How a channel dimension is cut into register tiles of nr = nv * lanes channels.
struct ConvTiling {
  int mr = 0, nr = 0;
  int64_t ntiles = 0;
  const ConvUkr* ukr = nullptr;  // null when `exact` was asked and no tile width divides the channels
};
// exact: nr must divide `channels` (kernels that read rows of that width unpadded).
ConvTiling conv_tiling(DType dt, int64_t channels, bool exact);

// Contiguous tensors as in KernelTable::conv2d / conv2d_backward_data / conv2d_backward_weight.
void conv_forward_direct(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g,
                         bool relu);
// Backward-data tiles run over input channels: worth it unless they are only a fraction of a vector.
bool conv_backward_data_direct_pays(const WindowGeometry& g, DType dt);
void conv_backward_data_direct(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g);
// The same pass with the kernel packed once, then run on any run of images: fn(dx, dy, count) writes dx of `count`
// images from their dy (raw pointers at the first image, of w's dtype). Each image's dx is the same whatever the
// runs, so a caller may feed dy a few images at a time (the fused relu backward).
using ConvImagesFn = std::function<void(void* dx, const void* dy, int64_t count)>;
ConvImagesFn conv_backward_data_direct_images(const Tensor& w, const WindowGeometry& g);
// Returns false (and does nothing) when the filters are not a whole number of vectors.
bool conv_backward_weight_direct(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                                 const WindowGeometry& g);
// The same gradients of conv2d with a fused relu (y its output): each slot masks dy * (y > 0) a group of images at a
// time into a small buffer, sums it while it is still in cache and, when `data` is set, first hands it to data (dx
// pointing at the group's first image). The same sums as conv_backward_weight_direct on the masked dy.
bool conv_relu_backward_weight_direct(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                                      const Tensor& y, const Tensor& dx, const ConvImagesFn& data,
                                      const WindowGeometry& g);

}  // namespace cpu
}  // namespace pydl

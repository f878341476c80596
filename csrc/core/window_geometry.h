// Types the windowed kernels (convolution, pooling) share with the op layer; no other includes, so the CUDA
// emulation tests (tests/cuda/emulated) compile the real definition.
#pragma once
#include <cstdint>

namespace pydl {

// Geometry of a 2-D sliding window over NHWC data, shared by convolution and pooling (1-D ops use h = oh = kh = 1).
// Positions before pad_top/pad_left and past the input's end read as absent (zeros for conv, skipped for pooling).
struct WindowGeometry {
  int64_t n = 0, h = 0, w = 0, c = 0;   // input (batch, height, width, channels)
  int64_t oh = 0, ow = 0, oc = 0;       // output height, width, channels (conv: filters; pooling: c)
  int64_t kh = 1, kw = 1;               // window
  int64_t sh = 1, sw = 1;               // strides
  int64_t dh = 1, dw = 1;               // dilation
  int64_t pad_top = 0, pad_left = 0;    // implicit rows/cols before the input; those after follow from oh, ow
};
enum class PoolKind : int { Max, Avg };

}  // namespace pydl

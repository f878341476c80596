// Dropout as one op: a keep mask drawn by the kernel (no float uniforms materialised), out = keep ? x / (1 - rate)
// : 0, and a backward pass that applies the same saved mask to the gradient.
#include "autograd/node.h"
#include "core/random_draw.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

Tensor dropout(const Tensor& x_in, double rate) {
  const char* name = "dropout";
  check_float(x_in, name);
  PYDL_CHECK(rate >= 0.0 && rate < 1.0, ValueError, name, ": rate must be in [0, 1), got ", rate);
  Tensor x = contiguous(detach(x_in));
  const int64_t n = x.numel();
  const double scale = 1.0 / (1.0 - rate);
  Tensor keep = empty(x.shape(), DType::Bool, x.device());
  Tensor y = empty(x.shape(), x.dtype(), x.device());
  if (n > 0) {
    const RngState st = rng_reserve(static_cast<uint64_t>((n + kDropoutPerBlock - 1) / kDropoutPerBlock));
    PYDL_KERNEL(dropout_mask, x.device(), name)(keep, dropout_threshold(rate), st);
    PYDL_KERNEL(masked_scale, x.device(), name)(y, x, keep, scale);
  }
  if (autograd::needs_grad({&x_in})) {
    autograd::SavedTensor K(keep);
    autograd::record(y, "DropoutBackward", {x_in}, [=](const Tensor& g) {
      Tensor gc = contiguous(g), gx = empty(gc.shape(), gc.dtype(), gc.device());
      if (gx.numel() > 0) PYDL_KERNEL(masked_scale, gx.device(), "dropout")(gx, gc, K.get(), scale);
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

}  // namespace ops
}  // namespace pydl

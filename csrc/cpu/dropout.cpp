// Dropout on the CPU: the keep mask from Philox blocks (eight elements per block, thread-count independent), and
// out = x * (keep * scale), which serves the forward pass and the backward pass alike.
#include <algorithm>
#include "core/random_draw.h"
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

void dropout_mask(const Tensor& keep, uint32_t threshold, RngState st) {
  bool* k = keep.data<bool>();
  const int64_t n = keep.numel(), blocks = (n + kDropoutPerBlock - 1) / kDropoutPerBlock;
  parallel_for(0, blocks, 2048, [&](int64_t lo, int64_t hi) {
    bool v[kDropoutPerBlock];
    for (int64_t b = lo; b < hi; ++b) {
      dropout_keep_block(v, threshold, st.seed, st.counter + static_cast<uint64_t>(b));
      const int64_t i0 = b * kDropoutPerBlock, m = std::min<int64_t>(kDropoutPerBlock, n - i0);
      std::copy(v, v + m, k + i0);
    }
  });
}

template <typename T> void masked_scale_typed(T* out, const T* x, const bool* keep, T scale, int64_t n) {
  parallel_for(0, n, 32768, [&](int64_t lo, int64_t hi) {
    // A multiply by 0 or scale, not a select: no branch on a random mask, and NaNs propagate as in Keras/PyTorch.
    for (int64_t i = lo; i < hi; ++i) out[i] = x[i] * (static_cast<T>(keep[i]) * scale);
  });
}

void masked_scale(const Tensor& out, const Tensor& x, const Tensor& keep, double scale) {
  if (out.dtype() == DType::Float64)
    masked_scale_typed(out.data<double>(), x.data<double>(), keep.data<bool>(), scale, out.numel());
  else
    masked_scale_typed(out.data<float>(), x.data<float>(), keep.data<bool>(), static_cast<float>(scale), out.numel());
}

}  // namespace

void register_dropout(KernelTable& t) {
  t.dropout_mask = dropout_mask;
  t.masked_scale = masked_scale;
}

}  // namespace cpu
}  // namespace pydl

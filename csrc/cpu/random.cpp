// Random fills from the counter-based Philox generator: blocks of values as core/random_draw.h lays them out, so
// values depend on neither the thread count nor the device.
#include <algorithm>
#include "core/random_draw.h"
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

void random(const Tensor& out, RandomKind kind, double a, double b, RngState st) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const int64_t n = out.numel(), p = values_per_block(kind, sizeof(T)), blocks = (n + p - 1) / p;
    parallel_for(0, blocks, 4096, [&](int64_t lo, int64_t hi) {
      T v[4];
      for (int64_t blk = lo; blk < hi; ++blk) {
        draw_block<T>(v, kind, a, b, st.seed, st.counter + static_cast<uint64_t>(blk));
        const int64_t i0 = blk * p, m = std::min<int64_t>(p, n - i0);
        for (int64_t l = 0; l < m; ++l) o[i0 + l] = v[l];
      }
    });
  });
}

}  // namespace

void register_random(KernelTable& t) { t.random = random; }

}  // namespace cpu
}  // namespace pydl

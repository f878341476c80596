// Random fills from the counter-based Philox generator: element i uses counter state.counter + i,
// so values do not depend on the thread count.
#include <cmath>
#include "core/thread_pool.h"
#include "cpu/kernels.h"

namespace pydl {
namespace cpu {
namespace {

template <typename T> T draw(RandomKind kind, double a, double b, uint64_t seed, uint64_t counter) {
  Philox4 r = philox4x32(counter, seed);
  if (kind == RandomKind::Integer) {
    uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(b) - static_cast<int64_t>(a));
    uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
    return static_cast<T>(static_cast<int64_t>(a) + static_cast<int64_t>(bits % range));
  }
  double u1, u2;
  if constexpr (sizeof(T) == 4) { u1 = u01f(r.v[0]); u2 = u01f(r.v[1]); }
  else { u1 = u01d(r.v[0], r.v[1]); u2 = u01d(r.v[2], r.v[3]); }
  if (kind == RandomKind::Uniform) {
    T v = static_cast<T>(a + (b - a) * u1);
    return v < static_cast<T>(b) ? v : static_cast<T>(a);  // rounding must not reach `high`
  }
  // Box-Muller; 1 - u1 lies in (0, 1], so the log is finite.
  double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(6.283185307179586 * u2);
  return static_cast<T>(a + b * z);
}

void random(const Tensor& out, RandomKind kind, double a, double b, RngState st) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    parallel_for(0, out.numel(), 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = draw<T>(kind, a, b, st.seed, st.counter + static_cast<uint64_t>(i));
    });
  });
}

}  // namespace

void register_random(KernelTable& t) { t.random = random; }

}  // namespace cpu
}  // namespace pydl

// A persistent std::thread pool (no OpenMP: libgomp hangs forked children). Rebuilt lazily in a child after fork.
#pragma once
#include <cstdint>
#include <functional>

namespace pydl {

void set_num_threads(int n);
int get_num_threads();

// Runs f(lo, hi) over [begin, end) split into at most num_threads pieces of at least `grain` items.
// Results must not depend on how the range is split (reductions use fixed chunks of their own).
// Runs inline when the range is small, when called from inside a pool task, or when the pool is busy.
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

// Small ranges call f directly, without building a std::function (small ops run at high rates).
template <typename F> inline void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& f) {
  if (end - begin <= grain) {
    if (end > begin) f(begin, end);
    return;
  }
  parallel_for_impl(begin, end, grain, std::function<void(int64_t, int64_t)>(std::forward<F>(f)));
}

}  // namespace pydl

// CPU optimizer updates: one pass over a contiguous parameter that reads its gradient and updates the parameter
// and the optimizer's slots in place. The loops are compiled per SIMD level (cpu/optim_isa.h); here the gradient-norm
// clipping factor is computed and the elements are split over threads (each element's arithmetic does not depend
// on the split, so results are the same at any thread count).
#include <algorithm>
#include <cmath>
#include <vector>
#include "core/cpu_features.h"
#include "core/optim.h"
#include "core/thread_pool.h"
#include "cpu/isa_kernels.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

// A plain SGD update (no slots) is a few microseconds of streaming: under 128K elements the calling thread does it,
// as splitting it moves half of a layer's weights into the other core's cache just before the next forward pass
// reads them all (at batch 2 on 2 threads that made a step of the book's shallow net 1.6x slower than on 1). Rules
// with slots (momentum, Adam, ...) do several times the work per element and still gain from a split at 32K.
constexpr int64_t kGrainPlain = 131072, kGrainSlots = 32768;
constexpr int64_t kNormChunk = 4096;

// Sum of squares in double over fixed chunks added in a fixed order (same value at any thread count).
template <typename T> double sum_squares(const T* g, int64_t n) {
  const int64_t chunks = (n + kNormChunk - 1) / kNormChunk;
  std::vector<double> part(chunks, 0.0);
  parallel_for(0, chunks, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      double s = 0;
      for (int64_t i = c * kNormChunk, e = std::min(n, i + kNormChunk); i < e; ++i) s += double(g[i]) * double(g[i]);
      part[c] = s;
    }
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

template <typename T> void update(const OptimStep& s) {
  const int64_t n = s.param.numel();
  const T* gr = s.grad.data<T>();
  OptimLoopArgs args{};
  args.rule = s.kind;
  args.nesterov = s.nesterov;
  args.amsgrad = s.amsgrad;
  args.factor = 1.0;
  if (s.clipnorm > 0) {
    const double norm = std::sqrt(sum_squares(gr, n));
    if (norm > s.clipnorm) { args.scale = true; args.factor = s.clipnorm / norm; }
  }
  args.clip = s.clipvalue > 0;
  args.clipvalue = s.clipvalue;
  args.p = s.param.data<T>();
  args.g = gr;
  args.a = s.slot0.defined() ? s.slot0.data<T>() : nullptr;
  args.b = s.slot1.defined() ? s.slot1.data<T>() : nullptr;
  args.c = s.slot2.defined() ? s.slot2.data<T>() : nullptr;
  args.lr = s.lr; args.eps = s.eps; args.beta1 = s.beta1; args.beta2 = s.beta2;
  args.c1 = s.c1; args.c2 = s.c2; args.c3 = s.c3; args.c4 = s.c4; args.c5 = s.c5;
  const OptimLoop loop = isa_kernels().optim.loop[sizeof(T) == 8 ? 1 : 0];
  parallel_for(0, n, args.a ? kGrainSlots : kGrainPlain, [&](int64_t lo, int64_t hi) { loop(args, lo, hi); });
}

void optim_update(const OptimStep& s) {
  if (s.param.dtype() == DType::Float32) update<float>(s);
  else update<double>(s);
}

}  // namespace

void register_optim(KernelTable& t) { t.optim_update = optim_update; }

}  // namespace cpu
}  // namespace pydl

// Gather/scatter kernels of csrc/cuda/index_kernels.cu, emulated on the CPU: index_select, both index_add paths
// (one thread per column; grouped by destination) bit-exact against sequential accumulation, gather, scatter_add.
#include "shim.h"
#include <random>
#include <map>
namespace pydl { namespace cuda {
constexpr int kMaxDims = 12;
namespace emu {
#include "index_section.inc"  // extracted by test_emulated_kernels.py
}}}
using namespace pydl::cuda;
using namespace pydl::cuda::emu;
int fails = 0;
int main() {
  std::mt19937 rng(9);
  for (int rep = 0; rep < 40; ++rep) {
    int64_t outer = 1 + rng() % 3, n = 1 + rng() % 7, inner = 1 + rng() % 5, n_idx = 1 + rng() % 20;
    std::vector<int64_t> idx(n_idx);
    for (auto& v : idx) v = rng() % n;
    std::vector<double> in(outer * n * inner), out(outer * n_idx * inner), src(outer * n_idx * inner);
    for (auto& v : in) v = rng() % 100;
    for (auto& v : src) v = rng() % 100 / 8.0;
    emulate(dim3(2), dim3(kThreads), [&] { index_select_kernel<double>(out.data(), in.data(), idx.data(), outer, n_idx, n, inner); });
    for (int64_t o = 0; o < outer; ++o) for (int64_t j = 0; j < n_idx; ++j) for (int64_t i = 0; i < inner; ++i)
      if (out[(o * n_idx + j) * inner + i] != in[(o * n + idx[j]) * inner + i]) { printf("select mismatch\n"); ++fails; }
    // index_add both ways vs sequential reference
    std::vector<double> ref(outer * n * inner, 1.0), a1(ref), a2(ref);
    for (int64_t o = 0; o < outer; ++o) for (int64_t j = 0; j < n_idx; ++j) for (int64_t i = 0; i < inner; ++i)
      ref[(o * n + idx[j]) * inner + i] += src[(o * n_idx + j) * inner + i];
    emulate(dim3(2), dim3(kThreads), [&] { index_add_columns<double>(a1.data(), src.data(), idx.data(), outer, n_idx, n, inner); });
    std::vector<int64_t> order(n_idx); for (int64_t j = 0; j < n_idx; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return idx[x] < idx[y]; });
    std::vector<int64_t> rows, starts;
    for (int64_t k = 0; k < n_idx; ++k) if (k == 0 || idx[order[k]] != idx[order[k - 1]]) { rows.push_back(idx[order[k]]); starts.push_back(k); }
    starts.push_back(n_idx);
    int64_t groups = rows.size();
    emulate(dim3(2), dim3(kThreads), [&] { index_add_grouped<double>(a2.data(), src.data(), rows.data(), starts.data(), order.data(), groups, outer, n_idx, n, inner); });
    if (a1 != ref) { printf("index_add columns mismatch\n"); ++fails; }
    if (a2 != ref) { printf("index_add grouped mismatch\n"); ++fails; }
    // gather / scatter_add along axis 1 of a 3-D (outer, n, inner) tensor with index (outer2<=outer, n_idx, inner2<=inner)
    int64_t o2 = 1 + rng() % outer, i2 = 1 + rng() % inner;
    std::vector<int64_t> gidx(o2 * n_idx * i2);
    for (auto& v : gidx) v = rng() % n;
    AxisGeom g{}; g.nd = 3; g.axis = 1;
    int64_t isz[3] = {o2, n_idx, i2}, dsz[3] = {outer, n, inner};
    int64_t is = 1, ds = 1;
    for (int d = 2; d >= 0; --d) { g.size[d] = isz[d]; g.istride[d] = is; g.dstride[d] = ds; is *= isz[d]; ds *= dsz[d]; }
    std::vector<double> gout(gidx.size()), gsrc(gidx.size());
    for (auto& v : gsrc) v = rng() % 50 / 4.0;
    emulate(dim3(2), dim3(kThreads), [&] { gather_kernel<double>(gout.data(), in.data(), gidx.data(), g, (int64_t)gidx.size()); });
    std::vector<double> sref(in.size(), 0.5), sacc(sref);
    for (int64_t a = 0; a < o2; ++a) for (int64_t j = 0; j < n_idx; ++j) for (int64_t c = 0; c < i2; ++c) {
      int64_t t = (a * n_idx + j) * i2 + c;
      if (gout[t] != in[(a * n + gidx[t]) * inner + c]) { printf("gather mismatch\n"); ++fails; }
      sref[(a * n + gidx[t]) * inner + c] += gsrc[t];
    }
    emulate(dim3(2), dim3(kThreads), [&] { scatter_add_kernel<double>(sacc.data(), gsrc.data(), gidx.data(), g, o2 * i2); });
    if (sacc != sref) { printf("scatter_add mismatch\n"); ++fails; }
  }
  printf("fails: %d\n", fails);
  return fails != 0;
}

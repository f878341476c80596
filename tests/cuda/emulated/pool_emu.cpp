// Pooling kernels of csrc/cuda/pool_kernels.cu, emulated on the CPU against the loops of csrc/cpu/pool.cpp: max
// (first maximum wins, a NaN replaces the running value, argmax ih * w + iw) and average (TF count) forward, and
// the backward gathers against the CPU's scatter, over random windows, strides and paddings. Exact comparisons:
// values are small integers (many ties), and the gathers add in the CPU's (oh, ow) order.
#include "shim.h"
#include "core/window_geometry.h"  // the real one (no other includes)
#include <random>
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dmul_rn(double a, double b) { return a * b; }
namespace pydl { namespace cuda {
namespace emu {
using std::max;
using std::min;
#include "pool_section.inc"  // extracted by test_emulated_kernels.py
}}}
using namespace pydl::cuda::emu;
using pydl::WindowGeometry;
int fails = 0, checked = 0;

bool same(double a, double b) { return a == b || (a != a && b != b); }

int main() {
  std::mt19937 rng(3);
  for (int rep = 0; rep < 80; ++rep) {
    WindowGeometry g;
    g.n = 1 + rng() % 2; g.h = 1 + rng() % 8; g.w = 1 + rng() % 8; g.c = 1 + rng() % 3;
    g.kh = 1 + rng() % 4; g.kw = 1 + rng() % 4; g.sh = 1 + rng() % 3; g.sw = 1 + rng() % 3;
    g.pad_top = rng() % g.kh; g.pad_left = rng() % g.kw;
    const int64_t pb = rng() % g.kh, pr = rng() % g.kw;
    if (g.h + g.pad_top + pb < g.kh || g.w + g.pad_left + pr < g.kw) continue;
    g.oh = (g.h + g.pad_top + pb - g.kh) / g.sh + 1; g.ow = (g.w + g.pad_left + pr - g.kw) / g.sw + 1;
    g.oc = g.c;
    ++checked;
    const int64_t C = g.c, total = g.n * g.oh * g.ow * C;
    std::vector<double> x(g.n * g.h * g.w * C), dy(total);
    for (auto& v : x) v = double(rng() % 4);
    if (rep % 4 == 0) x[rng() % x.size()] = NAN;
    for (auto& v : dy) v = double(int(rng() % 9) - 4) / 4.0;
    const PGeo pg = to_pgeo(g);
    for (int avg = 0; avg < 2; ++avg) {
      // reference (csrc/cpu/pool.cpp)
      std::vector<double> yref(total), dxref(x.size(), 0.0);
      std::vector<int32_t> aref(total);
      for (int64_t n = 0; n < g.n; ++n) for (int64_t oh = 0; oh < g.oh; ++oh) for (int64_t ow = 0; ow < g.ow; ++ow) {
        const int64_t rlo = std::max<int64_t>(oh * g.sh - g.pad_top, 0), rhi = std::min(oh * g.sh - g.pad_top + g.kh, g.h);
        const int64_t clo = std::max<int64_t>(ow * g.sw - g.pad_left, 0), chi = std::min(ow * g.sw - g.pad_left + g.kw, g.w);
        const int64_t count = (rhi - rlo) * (chi - clo);
        for (int64_t c = 0; c < C; ++c) {
          const int64_t o = ((n * g.oh + oh) * g.ow + ow) * C + c;
          double v = x[((n * g.h + rlo) * g.w + clo) * C + c];
          int32_t a = int32_t(rlo * g.w + clo);
          for (int64_t ih = rlo; ih < rhi; ++ih)
            for (int64_t iw = (ih == rlo ? clo + 1 : clo); iw < chi; ++iw) {
              const double u = x[((n * g.h + ih) * g.w + iw) * C + c];
              if (avg) v += u;
              else if (u > v || u != u) { v = u; a = int32_t(ih * g.w + iw); }
            }
          if (avg) v *= 1.0 / double(count);
          yref[o] = v;
          aref[o] = a;
          if (!avg) dxref[(n * g.h * g.w + a) * C + c] += dy[o];
          else
            for (int64_t ih = rlo; ih < rhi; ++ih)
              for (int64_t iw = clo; iw < chi; ++iw) dxref[((n * g.h + ih) * g.w + iw) * C + c] += dy[o] * (1.0 / double(count));
        }
      }
      std::vector<double> y(total, -7.0), dx(x.size(), -7.0);
      std::vector<int32_t> arg(total, -7);
      emulate(dim3(2), dim3(64), [&] { pool_forward_kernel<double>(y.data(), avg ? nullptr : arg.data(), x.data(), avg, pg); });
      for (int64_t e = 0; e < total; ++e)
        if (!same(y[e], yref[e]) || (!avg && arg[e] != aref[e])) { printf("pool forward mismatch (avg=%d) rep %d\n", avg, rep); ++fails; break; }
      emulate(dim3(2), dim3(64), [&] { pool_backward_kernel<double>(dx.data(), dy.data(), avg ? nullptr : aref.data(), avg, pg); });
      for (size_t e = 0; e < dx.size(); ++e)
        if (!same(dx[e], dxref[e])) { printf("pool backward mismatch (avg=%d) rep %d at %zu: %g vs %g\n", avg, rep, e, dx[e], dxref[e]); ++fails; break; }
    }
  }
  printf("checked %d geometries\n", checked);
  if (checked < 20) ++fails;
  printf("fails: %d\n", fails);
  return fails != 0;
}

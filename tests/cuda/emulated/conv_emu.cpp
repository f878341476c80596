// im2col / col2im (gather) kernels of csrc/cuda/conv_kernels.cu, emulated on the CPU: im2col + a plain matmul must
// equal a direct convolution, and dcols = dy w^T gathered by col2im must equal the scattered adjoint, over random
// geometries (strides, dilation, padding before and after, chunked rows / images). Integer-valued doubles: exact.
#include "shim.h"
#include "core/window_geometry.h"  // the real one (no other includes)
#include <random>
namespace pydl { namespace cuda {
namespace emu {
using std::max;
using std::min;
#include "conv_section.inc"  // extracted by test_emulated_kernels.py
}}}
using namespace pydl::cuda::emu;
using pydl::WindowGeometry;
int fails = 0, checked = 0;
int main() {
  std::mt19937 rng(5);
  for (int rep = 0; rep < 60; ++rep) {
    WindowGeometry g;
    g.n = 1 + rng() % 3; g.h = 1 + rng() % 8; g.w = 1 + rng() % 8; g.c = 1 + rng() % 4; g.oc = 1 + rng() % 3;
    g.kh = 1 + rng() % 3; g.kw = 1 + rng() % 3; g.sh = 1 + rng() % 3; g.sw = 1 + rng() % 3;
    g.dh = 1 + rng() % 2; g.dw = 1 + rng() % 2;
    const int64_t spanh = g.dh * (g.kh - 1) + 1, spanw = g.dw * (g.kw - 1) + 1;
    g.pad_top = rng() % spanh; g.pad_left = rng() % spanw;
    const int64_t pb = rng() % spanh, pr = rng() % spanw;
    if (g.h + g.pad_top + pb < spanh || g.w + g.pad_left + pr < spanw) continue;
    g.oh = (g.h + g.pad_top + pb - spanh) / g.sh + 1; g.ow = (g.w + g.pad_left + pr - spanw) / g.sw + 1;
    const int64_t K = g.kh * g.kw * g.c, O = g.oc, P = g.oh * g.ow, M = g.n * P;
    std::vector<double> x(g.n * g.h * g.w * g.c), w(K * O), dy(M * O);
    for (auto& v : x) v = double(int(rng() % 9) - 4);
    for (auto& v : w) v = double(int(rng() % 7) - 3);
    for (auto& v : dy) v = double(int(rng() % 7) - 3);
    auto xin = [&](int64_t n, int64_t ih, int64_t iw, int64_t c) -> int64_t {
      return (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) ? -1 : ((n * g.h + ih) * g.w + iw) * g.c + c;
    };
    // reference forward and backward-data
    std::vector<double> yref(M * O, 0.0), dxref(x.size(), 0.0);
    for (int64_t n = 0; n < g.n; ++n) for (int64_t oh = 0; oh < g.oh; ++oh) for (int64_t ow = 0; ow < g.ow; ++ow)
      for (int64_t i = 0; i < g.kh; ++i) for (int64_t j = 0; j < g.kw; ++j) for (int64_t c = 0; c < g.c; ++c) {
        const int64_t xi = xin(n, oh * g.sh - g.pad_top + i * g.dh, ow * g.sw - g.pad_left + j * g.dw, c);
        if (xi < 0) continue;
        for (int64_t o = 0; o < O; ++o) {
          const int64_t r = (n * g.oh + oh) * g.ow + ow, k = (i * g.kw + j) * g.c + c;
          yref[r * O + o] += x[xi] * w[k * O + o];
          dxref[xi] += dy[r * O + o] * w[k * O + o];
        }
      }
    const Geo geo = to_geo(g);
    ++checked;
    // im2col in chunks of R rows, then cols @ w
    // (channel pairs: the 16-byte-vector form of the kernels, taken when c is even)
    const bool pairs = g.c % 2 == 0 && rng() % 2;
    const int64_t R = 1 + rng() % M;
    std::vector<double> cols(M * K, -99.0), y(M * O, 0.0);
    for (int64_t r0 = 0; r0 < M; r0 += R) {
      const int64_t rows = std::min(R, M - r0);
      emulate(dim3(2), dim3(64), [&] {
        if (pairs) im2col_kernel<double, 2>(cols.data() + r0 * K, x.data(), geo, r0, rows);
        else im2col_kernel<double, 1>(cols.data() + r0 * K, x.data(), geo, r0, rows);
      });
    }
    for (int64_t r = 0; r < M; ++r) for (int64_t o = 0; o < O; ++o) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += cols[r * K + k] * w[k * O + o];
      y[r * O + o] = s;
    }
    if (y != yref) { printf("conv forward (im2col, pairs=%d) mismatch at rep %d\n", pairs, rep); ++fails; }
    // dcols = dy w^T, col2im gather per chunk of images
    std::vector<double> dcols(M * K), dx(x.size(), -99.0);
    for (int64_t r = 0; r < M; ++r) for (int64_t k = 0; k < K; ++k) {
      double s = 0;
      for (int64_t o = 0; o < O; ++o) s += dy[r * O + o] * w[k * O + o];
      dcols[r * K + k] = s;
    }
    const int64_t nb = 1 + rng() % g.n;
    for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
      const int64_t ni = std::min(nb, g.n - n0);
      emulate(dim3(2), dim3(64), [&] {
        if (pairs) col2im_gather_kernel<double, 2>(dx.data(), dcols.data() + n0 * P * K, geo, n0, ni);
        else col2im_gather_kernel<double, 1>(dx.data(), dcols.data() + n0 * P * K, geo, n0, ni);
      });
    }
    if (dx != dxref) { printf("conv backward data (col2im, pairs=%d) mismatch at rep %d\n", pairs, rep); ++fails; }
    // bias + relu epilogue
    std::vector<double> b(O), ye(yref);
    for (auto& v : b) v = double(int(rng() % 5) - 2);
    emulate(dim3(2), dim3(64), [&] { bias_act_kernel<double>(ye.data(), b.data(), M * O, O, true); });
    for (int64_t e = 0; e < M * O; ++e) {
      const double v = yref[e] + b[e % O];
      if (ye[e] != (v < 0 ? 0.0 : v)) { printf("bias/relu mismatch\n"); ++fails; break; }
    }
  }
  printf("checked %d geometries\n", checked);
  if (checked < 20) ++fails;
  printf("fails: %d\n", fails);
  return fails != 0;
}

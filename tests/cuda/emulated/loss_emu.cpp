// Softmax cross-entropy kernels of csrc/cuda/loss_kernels.cu, emulated on the CPU (one warp per row, strided lanes
// and xor shuffles): probs, per-row loss (dense and sparse targets), the out-of-range label flag, and both backward
// kernels, against the loops of csrc/cpu/loss.cpp (to rounding: the lanes sum in another order).
#include "shim.h"
#include <mutex>
#include <random>
#include "core/dispatch.h"
#include "cuda/math.cuh"
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {  // emulation: a mutex is enough
  static std::mutex mu;
  std::lock_guard<std::mutex> lk(mu);
  const unsigned long long old = *p;
  if (v < old) *p = v;
  return old;
}
namespace pydl { namespace cuda {
namespace emu {
#include "loss_section.inc"  // extracted by test_emulated_kernels.py
}
}}
using namespace pydl::cuda::emu;
int fails = 0;

bool close(double a, double b) { return std::fabs(a - b) <= 1e-12 * (1 + std::fabs(b)); }

int main() {
  std::mt19937 rng(4);
  const int64_t shapes[][2] = {{1, 1}, {3, 5}, {9, 33}, {2, 100}, {17, 7}};
  for (auto& sh : shapes) {
    const int64_t rows = sh[0], cols = sh[1];
    std::vector<double> z(rows * cols), t(rows * cols), gl(rows);
    std::vector<int64_t> idx(rows);
    std::uniform_real_distribution<double> u(-3, 3);
    for (auto& v : z) v = u(rng);
    for (auto& v : t) v = (u(rng) + 3) / 6;
    for (auto& v : gl) v = u(rng);
    for (auto& v : idx) v = rng() % cols;
    for (int sparse = 0; sparse < 2; ++sparse) {
      // reference (csrc/cpu/loss.cpp)
      std::vector<double> pref(rows * cols), lref(rows), gref(rows * cols);
      for (int64_t r = 0; r < rows; ++r) {
        const double* zr = &z[r * cols];
        double mx = zr[0];
        for (int64_t j = 1; j < cols; ++j) mx = zr[j] > mx ? zr[j] : mx;
        double sum = 0;
        for (int64_t j = 0; j < cols; ++j) sum += (pref[r * cols + j] = std::exp(zr[j] - mx));
        for (int64_t j = 0; j < cols; ++j) pref[r * cols + j] *= 1.0 / sum;
        const double lse = mx + std::log(sum);
        double ts = 0, tz = 0;
        for (int64_t j = 0; j < cols; ++j) { ts += t[r * cols + j]; tz += t[r * cols + j] * zr[j]; }
        lref[r] = sparse ? lse - zr[idx[r]] : lse * ts - tz;
        for (int64_t j = 0; j < cols; ++j)
          gref[r * cols + j] = sparse ? pref[r * cols + j] * gl[r] - (j == idx[r] ? gl[r] : 0.0)
                                      : (pref[r * cols + j] * ts - t[r * cols + j]) * gl[r];
      }
      std::vector<double> p(rows * cols), l(rows), g(rows * cols);
      unsigned long long bad = kNoRow;
      const unsigned blocks = unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock);
      emulate(dim3(blocks), dim3(kThreads), [&] {
        if (sparse) xent_kernel<double, true>(l.data(), p.data(), z.data(), nullptr, idx.data(), rows, cols, &bad);
        else xent_kernel<double, false>(l.data(), p.data(), z.data(), t.data(), nullptr, rows, cols, nullptr);
      });
      emulate(dim3(sparse ? 2 : blocks), dim3(kThreads), [&] {
        if (sparse) xent_backward_sparse_kernel<double>(g.data(), gl.data(), p.data(), idx.data(), rows, cols);
        else xent_backward_dense_kernel<double>(g.data(), gl.data(), p.data(), t.data(), rows, cols);
      });
      if (bad != kNoRow) { printf("spurious bad-label flag\n"); ++fails; }
      for (int64_t e = 0; e < rows * cols; ++e)
        if (!close(p[e], pref[e]) || !close(g[e], gref[e])) { printf("probs/grad mismatch sparse=%d\n", sparse); ++fails; break; }
      for (int64_t r = 0; r < rows; ++r)
        if (!close(l[r], lref[r])) { printf("loss mismatch sparse=%d row %lld: %g vs %g\n", sparse, (long long)r, l[r], lref[r]); ++fails; break; }
    }
    // an out-of-range label: the first bad row is flagged
    if (rows > 2) {
      idx[2] = cols; idx[rows - 1] = -1;
      std::vector<double> p(rows * cols), l(rows);
      unsigned long long bad = kNoRow;
      emulate(dim3(unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock)), dim3(kThreads), [&] {
        xent_kernel<double, true>(l.data(), p.data(), z.data(), nullptr, idx.data(), rows, cols, &bad);
      });
      if (bad != 2) { printf("bad label row %llu, expected 2\n", bad); ++fails; }
    }
  }
  printf("fails: %d\n", fails);
  return fails != 0;
}

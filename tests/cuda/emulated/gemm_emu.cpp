// GEMM kernel of csrc/cuda/gemm_kernels.cu, emulated on the CPU: every tile shape, transpose pair, leading-dimension
// padding (vector and scalar paths), base offset, batch (with a broadcast B), beta = 0 (C poisoned with NaN: must
// not be read) and beta != 0, against a float64 reference; also checks that C's padding columns stay untouched.
#include "shim.h"
#include <random>
namespace emu {
#include "gemm_section.inc"  // the kernels section of gemm_kernels.cu, extracted by test_emulated_kernels.py
}
using namespace emu;

template <typename T, int BM, int BN, int BK, int TM, int TN, bool TA, bool TB>
bool run_case(int64_t m, int64_t n, int64_t k, int64_t batch, int pad_a, int pad_b, int pad_c, int off, double beta,
              bool bcast_b, std::mt19937& rng) {
  std::normal_distribution<double> nd;
  // storage: A is (m x k) or, when TA, (k x m); leading dims padded by pad_*; batch stride = rows * ld (+ 0)
  const int64_t ar = TA ? k : m, ac = TA ? m : k, br = TB ? n : k, bc = TB ? k : n;
  const int64_t lda = ac + pad_a, ldb = bc + pad_b, ldc = n + pad_c;
  const int64_t sa = ar * lda, sb = bcast_b ? 0 : br * ldb, sc = m * ldc;
  std::vector<T> A(off + sa * batch), B(off + std::max<int64_t>(sb, br * ldb) * batch), C(off + sc * batch);
  for (auto& v : A) v = (T)nd(rng);
  for (auto& v : B) v = (T)nd(rng);
  for (auto& v : C) v = (T)nd(rng);
  std::vector<T> C0 = C;
  GemmParams<T> p{};
  p.m = m; p.n = n; p.k = k; p.batch = batch;
  p.a = A.data() + off; p.lda = lda; p.sa = sa;
  p.b = B.data() + off; p.ldb = ldb; p.sb = sb;
  p.c = C.data() + off; p.ldc = ldc; p.sc = sc;
  p.alpha = (T)1.5; p.beta = (T)beta; p.beta_zero = beta == 0;
  auto al = [](const void* ptr, int64_t ld, int64_t s, int e) { return reinterpret_cast<uintptr_t>(ptr) % (e * sizeof(T)) == 0 && ld % e == 0 && s % e == 0; };
  p.vec_a = al(p.a, lda, sa, 16 / sizeof(T));
  p.vec_b = al(p.b, ldb, sb, 16 / sizeof(T));
  p.vec_c = al(p.c, ldc, sc, TN / 2);
  // Poison C when beta == 0: the kernel must not read it.
  if (beta == 0) for (auto& v : C) v = std::numeric_limits<T>::quiet_NaN();
  dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM, batch);
  emulate(grid, dim3((BM / TM) * (BN / TN)), [&] { gemm_kernel<T, BM, BN, BK, TM, TN, 1, TA, TB>(p); });
  double maxerr = 0;
  for (int64_t bz = 0; bz < batch; ++bz)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q) {
          double a = TA ? A[off + bz * sa + q * lda + i] : A[off + bz * sa + i * lda + q];
          double b = TB ? B[off + bz * sb + j * ldb + q] : B[off + bz * sb + q * ldb + j];
          acc += a * b;
        }
        double ref = 1.5 * acc + (beta == 0 ? 0.0 : beta * C0[off + bz * sc + i * ldc + j]);
        double got = C[off + bz * sc + i * ldc + j];
        maxerr = std::max(maxerr, std::abs(got - ref) / (1 + std::abs(ref)));
        if (!(std::abs(got - ref) <= 1e-3 * (1 + std::abs(ref)))) {
          printf("MISMATCH T=%zu BM=%d BN=%d TA=%d TB=%d m=%ld n=%ld k=%ld b=%ld pads=%d,%d,%d off=%d beta=%g at (%ld,%ld,%ld): got %g ref %g\n",
                 sizeof(T), BM, BN, TA, TB, m, n, k, batch, pad_a, pad_b, pad_c, off, beta, bz, i, j, got, ref);
          return false;
        }
      }
  // Padding columns of C untouched
  for (int64_t bz = 0; bz < batch; ++bz)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = n; j < ldc && bz * sc + i * ldc + j < sc * batch; ++j) {
        T got = C[off + bz * sc + i * ldc + j], want = beta == 0 ? std::numeric_limits<T>::quiet_NaN() : C0[off + bz * sc + i * ldc + j];
        if (!(got == want || (std::isnan(got) && std::isnan(want)))) { printf("PAD WRITTEN at %ld %ld %ld\n", bz, i, j); return false; }
      }
  return true;
}

template <typename T, int BM, int BN, int BK, int TM, int TN>
int sweep(std::mt19937& rng, int cases) {
  int fails = 0;
  std::uniform_int_distribution<int> dim(1, 2 * BM + 5), kd(0, 40), pad(0, 5), offd(0, 3);
  for (int c = 0; c < cases; ++c) {
    int64_t m = dim(rng), n = dim(rng) * BN / BM + 1, k = kd(rng), b = 1 + c % 2;
    int pa = c % 3 == 0 ? 0 : pad(rng), pb = c % 3 == 0 ? 0 : pad(rng), pc = c % 3 == 0 ? 0 : pad(rng);
    int off = c % 4 == 0 ? offd(rng) : 0;
    double beta = c % 2 ? 0.0 : 0.5;
    bool bc = c % 5 == 0;
    if (c % 3 == 0) { m = m / 4 * 4 + 4; n = n / 4 * 4 + 4; k = k / 4 * 4 + 8; }
    fails += !run_case<T, BM, BN, BK, TM, TN, false, false>(m, n, k, b, pa, pb, pc, off, beta, bc, rng);
    fails += !run_case<T, BM, BN, BK, TM, TN, false, true>(m, n, k, b, pa, pb, pc, off, beta, bc, rng);
    fails += !run_case<T, BM, BN, BK, TM, TN, true, false>(m, n, k, b, pa, pb, pc, off, beta, bc, rng);
    fails += !run_case<T, BM, BN, BK, TM, TN, true, true>(m, n, k, b, pa, pb, pc, off, beta, bc, rng);
  }
  return fails;
}

// Split-K epilogue: C = alpha * (part[0] + part[1] + part[2]) + beta * C over C's m x n, padding columns untouched.
int check_sum_splits(std::mt19937& rng) {
  int fails = 0;
  for (int bz = 0; bz < 2; ++bz) {
    const double beta = bz ? 0.5 : 0.0;
    const int64_t S = 3, m = 5, n = 7, ldc = 9;
    std::vector<double> part(S * m * n), C(m * ldc), ref(m * ldc);
    for (auto& v : part) v = double(int(rng() % 9) - 4);
    for (int64_t e = 0; e < m * ldc; ++e) C[e] = ref[e] = double(e % 5);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const int64_t e = i * n + j;
        const double sum = (part[e] + part[m * n + e]) + part[2 * m * n + e];
        ref[i * ldc + j] = beta == 0 ? 1.5 * sum : 1.5 * sum + beta * C[i * ldc + j];
      }
    emulate(dim3(2), dim3(16), [&] { gemm_sum_splits_kernel<double>(C.data(), ldc, part.data(), S, m, n, 1.5, beta, beta == 0); });
    if (C != ref) { printf("gemm_sum_splits mismatch (beta=%g)\n", beta); ++fails; }
  }
  return fails;
}

int main() {
  std::mt19937 rng(1);
  int fails = check_sum_splits(rng);
  fails += sweep<float, 32, 32, 8, 2, 2>(rng, 12);
  fails += sweep<float, 64, 64, 8, 4, 4>(rng, 8);
  fails += sweep<float, 128, 64, 8, 8, 8>(rng, 5);
  fails += sweep<float, 128, 128, 8, 8, 8>(rng, 5);
  fails += sweep<double, 64, 64, 8, 4, 4>(rng, 6);
  fails += sweep<double, 32, 32, 8, 2, 2>(rng, 6);
  printf("fails: %d\n", fails);
  return fails != 0;
}

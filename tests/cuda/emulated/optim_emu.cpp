// Optimizer update kernels of csrc/cuda/optim_kernels.cu, emulated on the CPU: the clipnorm reduction (two passes
// of block trees) and every rule (SGD plain / momentum / Nesterov, Adagrad, Adadelta, RMSprop, Adam with and without
// AMSGrad, Nadam) with clipnorm and clipvalue, against the formulas of csrc/cpu/optim.cpp written out as loops.
#include "shim.h"
#include <random>
#include "ops/ops.h"
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
namespace pydl { namespace cuda {
namespace emu {
using std::min;
#include "optim_section.inc"  // extracted by test_emulated_kernels.py
}
}}
using namespace pydl;
using namespace pydl::cuda::emu;
int fails = 0;

bool close(double a, double b) { return std::fabs(a - b) <= 1e-12 * (1 + std::fabs(b)); }

int main() {
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(-1, 1);
  const int64_t n = 5000;  // two norm chunks
  std::vector<double> g(n);
  for (auto& v : g) v = u(rng);
  double ss = 0;
  for (double v : g) ss += v * v;
  const unsigned parts = unsigned((n + kNormChunk - 1) / kNormChunk);
  std::vector<double> ws(parts + 1);
  emulate(dim3(parts), dim3(kThreads), [&] { sumsq_partial_kernel<double>(ws.data() + 1, g.data(), n); });
  emulate(dim3(1), dim3(kThreads), [&] { sumsq_final_kernel(ws.data(), ws.data() + 1, parts); });
  if (!close(ws[0], std::sqrt(ss))) { printf("clipnorm norm %g vs %g\n", ws[0], std::sqrt(ss)); ++fails; }

  struct Case { OptimKind kind; int variant; double clipnorm, clipvalue; };
  const Case cases[] = {{OptimKind::SGD, 0, 0, 0}, {OptimKind::SGD, 1, 0, 0}, {OptimKind::SGD, 2, 1.5, 0},
                        {OptimKind::Adagrad, 0, 0, 0.3}, {OptimKind::Adadelta, 0, 0, 0}, {OptimKind::RMSprop, 0, 2.0, 0},
                        {OptimKind::Adam, 0, 0, 0}, {OptimKind::Adam, 1, 0, 0.5}, {OptimKind::Nadam, 0, 0, 0}};
  for (const Case& cs : cases) {
    Scalars<double> s;
    s.lr = 0.01; s.eps = 1e-7; s.b1 = 0.9; s.b2 = 0.999; s.one_b1 = 1 - 0.9; s.one_b2 = 1 - 0.999;
    s.c1 = 0.7; s.c2 = 0.6; s.c3 = 0.01; s.c4 = 0.2; s.c5 = 0.8; s.cv = cs.clipvalue; s.clip = cs.clipvalue > 0;
    s.clipnorm = cs.clipnorm;
    std::vector<double> p(n), a(n), b(n), c(n);
    for (auto& v : p) v = u(rng);
    for (auto& v : a) v = std::fabs(u(rng));
    for (auto& v : b) v = std::fabs(u(rng));
    for (auto& v : c) v = std::fabs(u(rng));
    std::vector<double> P(p), A(a), B(b), C(c);
    const double factor = cs.clipnorm > 0 && std::sqrt(ss) > cs.clipnorm ? cs.clipnorm / std::sqrt(ss) : 1.0;
    for (int64_t i = 0; i < n; ++i) {  // csrc/cpu/optim.cpp
      double gi = g[i] * factor;
      if (s.clip) gi = std::min(std::max(gi, -s.cv), s.cv);
      switch (cs.kind) {
        case OptimKind::SGD:
          if (cs.variant == 0) P[i] = P[i] - s.lr * gi;
          else if (cs.variant == 1) { A[i] = s.b1 * A[i] - s.lr * gi; P[i] = P[i] + s.b1 * A[i] - s.lr * gi; }
          else { A[i] = s.b1 * A[i] - s.lr * gi; P[i] = P[i] + A[i]; }
          break;
        case OptimKind::Adagrad: A[i] = A[i] + gi * gi; P[i] = P[i] - s.lr * gi / (std::sqrt(A[i]) + s.eps); break;
        case OptimKind::Adadelta: {
          A[i] = s.b1 * A[i] + s.one_b1 * gi * gi;
          const double upd = gi * std::sqrt(B[i] + s.eps) / std::sqrt(A[i] + s.eps);
          P[i] = P[i] - s.lr * upd;
          B[i] = s.b1 * B[i] + s.one_b1 * upd * upd;
          break;
        }
        case OptimKind::RMSprop: A[i] = s.b1 * A[i] + s.one_b1 * gi * gi; P[i] = P[i] - s.lr * gi / (std::sqrt(A[i]) + s.eps); break;
        case OptimKind::Adam:
          A[i] = s.b1 * A[i] + s.one_b1 * gi;
          B[i] = s.b2 * B[i] + s.one_b2 * gi * gi;
          if (cs.variant == 1) { C[i] = std::max(C[i], B[i]); P[i] = P[i] - s.lr * A[i] / (std::sqrt(C[i]) + s.eps); }
          else P[i] = P[i] - s.lr * A[i] / (std::sqrt(B[i]) + s.eps);
          break;
        case OptimKind::Nadam: {
          const double gp = gi / s.c1;
          A[i] = s.b1 * A[i] + s.one_b1 * gi;
          const double mp = A[i] / s.c2;
          B[i] = s.b2 * B[i] + s.one_b2 * gi * gi;
          const double vp = B[i] / s.c3;
          P[i] = P[i] - s.lr * (s.c4 * gp + s.c5 * mp) / (std::sqrt(vp) + s.eps);
          break;
        }
      }
    }
    const double* norm = cs.clipnorm > 0 ? ws.data() : nullptr;
    emulate(dim3(2), dim3(64), [&] {
      const int k = static_cast<int>(cs.kind);
      double *pp = p.data(), *ap = a.data(), *bp = b.data(), *cp = c.data();
      const double* gp = g.data();
      if (k == 0 && cs.variant == 0) update_kernel<0, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 0 && cs.variant == 1) update_kernel<0, 1, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 0) update_kernel<0, 2, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 1) update_kernel<1, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 2) update_kernel<2, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 3) update_kernel<3, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 4 && cs.variant == 1) update_kernel<4, 1, double>(n, pp, gp, ap, bp, cp, norm, s);
      else if (k == 4) update_kernel<4, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
      else update_kernel<5, 0, double>(n, pp, gp, ap, bp, cp, norm, s);
    });
    for (int64_t i = 0; i < n; ++i)
      if (!close(p[i], P[i]) || !close(a[i], A[i]) || !close(b[i], B[i]) || !close(c[i], C[i])) {
        printf("rule %d variant %d mismatch at %lld: p %g vs %g\n", int(cs.kind), cs.variant, (long long)i, p[i], P[i]);
        ++fails;
        break;
      }
  }
  printf("fails: %d\n", fails);
  return fails != 0;
}

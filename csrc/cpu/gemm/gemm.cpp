// BLIS-style GEMM driver: pack B (kc x nc) and A (mc x kc) into aligned panels, then sweep the per-ISA register
// tile over them. Threads split the (A block, B panel group) grid. Small problems and few rows skip packing.
#include <cstdlib>
#include <cstring>
#include "core/thread_pool.h"
#include "cpu/isa_kernels.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

// Packing buffers are kept per thread and only grow: small GEMMs are called at high rates (a training step
// runs several per layer) and must not pay for an allocation each time.
class ScratchBuffer {
 public:
  ~ScratchBuffer() { std::free(p_); }
  void* get(size_t bytes) {
    if (bytes > size_) {
      std::free(p_);
      size_ = (bytes + 4095) / 4096 * 4096;
      p_ = std::aligned_alloc(64, size_);
      if (!p_) { size_ = 0; throw std::bad_alloc(); }
    }
    return p_;
  }

 private:
  void* p_ = nullptr;
  size_t size_ = 0;
};
thread_local ScratchBuffer t_pack_a, t_pack_b;

template <typename T> struct Mat {
  const T* p; int64_t ld; bool trans;
  T operator()(int64_t i, int64_t j) const { return trans ? p[j * ld + i] : p[i * ld + j]; }
};

template <typename T> void scale_c(T* c, int64_t ldc, int64_t m, int64_t n, T beta) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

// Direct loops for small problems with a transposed B, where packing costs more than it saves (a row-major B goes
// to the per-ISA row kernel instead, see gemm_unpacked_rows).
template <typename T> void gemm_small_bt(Mat<T> A, Mat<T> B, int64_t m, int64_t n, int64_t k, T alpha, T beta, T* c,
                                         int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* crow = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      T s = 0;
      for (int64_t kk = 0; kk < k; ++kk) s += A(i, kk) * B.p[j * B.ld + kk];
      crow[j] = alpha * s + (beta == T(0) ? T(0) : beta * crow[j]);
    }
  }
}

// Packing walks the source along its contiguous dimension (the trans flag is hoisted out of the loops).
template <typename T>
void pack_a(T* dst, Mat<T> A, int64_t i0, int64_t mb, int64_t k0, int64_t kb, int mr) {
  for (int64_t ip = 0; ip < mb; ip += mr) {
    T* panel = dst + ip * kb;
    const int64_t rows = std::min<int64_t>(mr, mb - ip);
    if (!A.trans) {
      // k outer: the panel is written sequentially and the `rows` source lines stay in L1 across 16 k steps.
      const T* src[32];
      for (int64_t i = 0; i < rows; ++i) src[i] = A.p + (i0 + ip + i) * A.ld + k0;
      for (int64_t kk = 0; kk < kb; ++kk)
        for (int64_t i = 0; i < rows; ++i) panel[kk * mr + i] = src[i][kk];
    } else {
      for (int64_t kk = 0; kk < kb; ++kk) {
        const T* src = A.p + (k0 + kk) * A.ld + i0 + ip;
        for (int64_t i = 0; i < rows; ++i) panel[kk * mr + i] = src[i];
      }
    }
    if (rows < mr)
      for (int64_t kk = 0; kk < kb; ++kk)
        for (int64_t i = rows; i < mr; ++i) panel[kk * mr + i] = T(0);
  }
}

template <typename T>
void pack_b_panel(T* panel, Mat<T> B, int64_t k0, int64_t kb, int64_t j0, int64_t cols, int nr) {
  if (!B.trans) {
    for (int64_t kk = 0; kk < kb; ++kk) std::memcpy(panel + kk * nr, B.p + (k0 + kk) * B.ld + j0, cols * sizeof(T));
  } else {
    for (int64_t j = 0; j < cols; ++j) {
      const T* src = B.p + (j0 + j) * B.ld + k0;
      for (int64_t kk = 0; kk < kb; ++kk) panel[kk * nr + j] = src[kk];
    }
  }
  if (cols < nr)
    for (int64_t kk = 0; kk < kb; ++kk)
      for (int64_t j = cols; j < nr; ++j) panel[kk * nr + j] = T(0);
}

// c[rows, jr .. jr + nn) (+)= the A block times one packed B panel: its first `full` rows read from A in place (a
// multiple of mr; zero when A was packed), the rest from the packed block `ap`.
template <typename T>
void panel_tiles(const GemmKernel& kr, Mat<T> A, const T* ap, int64_t i0, int64_t rows, int64_t full, int64_t pc,
                 int64_t kb, const T* bpanel, T* c, int64_t ldc, int64_t jr, int64_t nn, T alpha, T beta) {
  const int mr = kr.mr;
  for (int64_t ir = 0; ir < full; ir += mr)
    kr.ukr_direct_a(kb, A.p + (i0 + ir) * A.ld + pc, A.ld, bpanel, c + (i0 + ir) * ldc + jr, ldc, alpha, beta, nn);
  for (int64_t ir = full; ir < rows; ir += mr)
    kr.ukr(kb, ap + (ir - full) * kb, bpanel, c + (i0 + ir) * ldc + jr, ldc, alpha, beta,
           std::min<int64_t>(mr, rows - ir), nn);
}

// m <= mc (a batch of rows, as in dense layers): one dispatch for the whole product. Each task owns a range of B
// panels and walks every k block itself, packing its own panels (and the small A block), so the threads meet once
// instead of twice per k block. A task's panels are done in chunks of at most nc columns to stay in cache. The
// tiles and their k order are those of one thread, so results do not depend on the thread count.
template <typename T>
void gemm_short_m(const GemmKernel& kr, Mat<T> A, Mat<T> B, int64_t m, int64_t n, int64_t k, T alpha, T beta, T* c,
                  int64_t ldc, int threads) {
  const int mr = kr.mr, nr = kr.nr;
  const int64_t kc = kr.kc, npanels = (n + nr - 1) / nr, chunk = std::max<int64_t>(1, kr.nc / nr);
  const bool direct_a = !A.trans && npanels <= 2;
  const int64_t full = direct_a ? m / mr * mr : 0;  // rows read in place
  const int64_t tasks = std::min<int64_t>(threads, npanels), per_task = (npanels + tasks - 1) / tasks;
  auto task = [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t p_begin = t * per_task, p_end = std::min(npanels, p_begin + per_task);
      for (int64_t q0 = p_begin; q0 < p_end; q0 += chunk) {
        const int64_t q1 = std::min(p_end, q0 + chunk);
        T* bp = static_cast<T*>(t_pack_b.get(sizeof(T) * kc * (q1 - q0) * nr));
        T* ap = static_cast<T*>(t_pack_a.get(sizeof(T) * kr.mc * kc + 64));
        for (int64_t pc = 0; pc < k; pc += kc) {
          const int64_t kb = std::min(kc, k - pc);
          const T beta_eff = pc == 0 ? beta : T(1);
          for (int64_t p = q0; p < q1; ++p)
            pack_b_panel(bp + (p - q0) * kb * nr, B, pc, kb, p * nr, std::min<int64_t>(nr, n - p * nr), nr);
          if (full < m) pack_a(ap, A, full, m - full, pc, kb, mr);
          for (int64_t p = q0; p < q1; ++p)
            panel_tiles(kr, A, ap, 0, m, full, pc, kb, bp + (p - q0) * kb * nr, c, ldc, p * nr,
                        std::min<int64_t>(nr, n - p * nr), alpha, beta_eff);
        }
      }
    }
  };
  if (tasks > 1) parallel_for(0, tasks, 1, task);
  else task(0, tasks);
}

template <typename T>
void gemm_blocked(const GemmKernel& kr, Mat<T> A, Mat<T> B, int64_t m, int64_t n, int64_t k, T alpha, T beta, T* c,
                  int64_t ldc) {
  const int mr = kr.mr, nr = kr.nr;
  const int64_t kc = kr.kc, mc = kr.mc;
  const int64_t nc = std::min<int64_t>(kr.nc, (n + nr - 1) / nr * nr);
  // Threads only where there is enough work to amortise waking them (about 2 MFLOP each).
  const int threads = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(get_num_threads(), 2 * m * n * k / (int64_t(2) << 20))));
  if (m <= mc) return gemm_short_m(kr, A, B, m, n, k, alpha, beta, c, ldc, threads);
  T* bp = static_cast<T*>(t_pack_b.get(sizeof(T) * kc * nc));
  for (int64_t jc = 0; jc < n; jc += nc) {
    const int64_t nb = std::min(nc, n - jc);
    const int64_t npanels = (nb + nr - 1) / nr;
    for (int64_t pc = 0; pc < k; pc += kc) {
      const int64_t kb = std::min(kc, k - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      auto pack_b = [&](int64_t lo, int64_t hi) {
        for (int64_t p = lo; p < hi; ++p)
          pack_b_panel(bp + p * kb * nr, B, pc, kb, jc + p * nr, std::min<int64_t>(nr, nb - p * nr), nr);
      };
      if (threads > 1) parallel_for(0, npanels, 1, pack_b);
      else pack_b(0, npanels);
      // Work grid: A blocks x groups of B panels, enough tasks to keep every thread busy.
      const int64_t mblocks = (m + mc - 1) / mc;
      int64_t groups = 1;
      while (mblocks * groups < threads && groups < npanels) ++groups;
      const int64_t per_group = (npanels + groups - 1) / groups;
      // With few B panels a packed A block would be used only once or twice: read full tiles of A in place.
      const bool direct_a = !A.trans && npanels <= 2;
      auto compute = [&](int64_t lo, int64_t hi) {
        T* ap = static_cast<T*>(t_pack_a.get(sizeof(T) * mc * kb + 64));
        int64_t packed_block = -1;
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t blk = t / groups, grp = t % groups;
          const int64_t ic = blk * mc, mb = std::min(mc, m - ic);
          const int64_t full = direct_a ? mb / mr * mr : 0;  // rows handled in place
          if (packed_block != blk && full < mb) { pack_a(ap, A, ic + full, mb - full, pc, kb, mr); packed_block = blk; }
          const int64_t p_end = std::min(npanels, (grp + 1) * per_group);
          for (int64_t p = grp * per_group; p < p_end; ++p)
            panel_tiles(kr, A, ap, ic, mb, full, pc, kb, bp + p * kb * nr, c, ldc, jc + p * nr,
                        std::min<int64_t>(nr, nb - p * nr), alpha, beta_eff);
        }
      };
      if (threads > 1) parallel_for(0, mblocks * groups, 1, compute);
      else compute(0, mblocks * groups);
    }
  }
}

// A row-major B read in place by the per-ISA row kernel: for m < mr (packing would pad m up to mr) and for small
// problems. Threads split the columns in blocks of a fixed width (a multiple of every ISA's column step), so each
// element's sum is the same at any thread count.
template <typename T>
void gemm_unpacked_rows(const GemmKernel& kr, Mat<T> A, Mat<T> B, int64_t m, int64_t n, int64_t k, T alpha, T beta, T* c,
                   int64_t ldc) {
  constexpr int64_t kBlock = 256;
  const int64_t a_rs = A.trans ? 1 : A.ld, a_cs = A.trans ? A.ld : 1;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  auto run = [&](int64_t lo, int64_t hi) {
    const int64_t j0 = lo * kBlock, j1 = std::min(n, hi * kBlock);
    kr.rows(m, j1 - j0, k, A.p, a_rs, a_cs, B.p + j0, B.ld, c + j0, ldc, alpha, beta);
  };
  // Threads only where there is enough work to amortise waking them (about 2 MFLOP each).
  const int64_t threads = std::min<int64_t>(get_num_threads(), 2 * m * n * k / (int64_t(2) << 20));
  if (threads > 1 && blocks > 1) parallel_for(0, blocks, std::max<int64_t>(1, blocks / threads), run);
  else run(0, blocks);
}

template <typename T>
void gemm_typed(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha_d, const T* a, int64_t lda, int64_t sa,
                const T* b, int64_t ldb, int64_t sb, double beta_d, T* c, int64_t ldc, int64_t sc, int64_t batch) {
  const T alpha = static_cast<T>(alpha_d), beta = static_cast<T>(beta_d);
  if (m == 0 || n == 0 || batch == 0) return;
  const GemmKernel& kr = isa_kernels().gemm[std::is_same<T, double>::value ? 1 : 0];
  // Direct loops only for tiny or degenerate shapes; everything else goes through the packed micro-kernel.
  const bool small = m * n * k <= 16 * 16 * 16 || n < 4;
  auto one = [&](int64_t bi) {
    T* cb = c + bi * sc;
    if (k == 0) { scale_c(cb, ldc, m, n, beta); return; }
    Mat<T> A{a + bi * sa, lda, ta}, B{b + bi * sb, ldb, tb};
    if (!tb && (small || m < kr.mr)) gemm_unpacked_rows(kr, A, B, m, n, k, alpha, beta, cb, ldc);
    else if (small) gemm_small_bt(A, B, m, n, k, alpha, beta, cb, ldc);
    else gemm_blocked(kr, A, B, m, n, k, alpha, beta, cb, ldc);
  };
  if (batch > 1 && small) {
    parallel_for(0, batch, std::max<int64_t>(1, 32768 / (m * n * (k + 1))), [&](int64_t lo, int64_t hi) {
      for (int64_t bi = lo; bi < hi; ++bi) one(bi);
    });
  } else {
    for (int64_t bi = 0; bi < batch; ++bi) one(bi);
  }
}

void gemm(DType dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const char* a, int64_t lda,
          int64_t sa, const char* b, int64_t ldb, int64_t sb, double beta, char* c, int64_t ldc, int64_t sc,
          int64_t batch) {
  if (dt == DType::Float64)
    gemm_typed<double>(ta, tb, m, n, k, alpha, reinterpret_cast<const double*>(a), lda, sa,
                       reinterpret_cast<const double*>(b), ldb, sb, beta, reinterpret_cast<double*>(c), ldc, sc, batch);
  else
    gemm_typed<float>(ta, tb, m, n, k, alpha, reinterpret_cast<const float*>(a), lda, sa,
                      reinterpret_cast<const float*>(b), ldb, sb, beta, reinterpret_cast<float*>(c), ldc, sc, batch);
}

}  // namespace

void register_gemm(KernelTable& t) { t.gemm = gemm; }

}  // namespace cpu
}  // namespace pydl

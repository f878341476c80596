// Reduction kernels of csrc/cuda/reduce_kernels.cu, emulated on the CPU through the launchers' three paths (lane
// groups, one block per row, rows split across blocks then combined): sums, first-index arg max/min with ties and
// NaN, and max, against plain loops.
#include "shim.h"
#include <random>
#include "core/dispatch.h"
#include "cuda/math.cuh"
#include "cuda/row_softmax.cuh"
namespace pydl { namespace cuda {
namespace emu {
#include "reduce_section.inc"  // extracted by test_emulated_kernels.py
}
}}
using namespace pydl;
using namespace pydl::cuda;
using namespace pydl::cuda::emu;

unsigned blocks_for(int64_t work, int threads) { int64_t need = (work + threads - 1) / threads; return (unsigned)std::max<int64_t>(1, std::min<int64_t>(need, 6)); }

template <typename R, typename In>
void reduce_rows(void* out, const In* x, int64_t rows, int64_t cols, bool index) {
  using V = typename R::V;
  if (cols <= kGroupCols) {
    const int G = row_group_width(cols);
    Sink<R> sink{out, nullptr, 1, index};
    emulate(dim3(blocks_for(rows * G, kThreads)), dim3(kThreads), [&] { reduce_groups<R>(ElemSource<In, R>{x, cols}, sink, rows, cols, G); });
    return;
  }
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
  const unsigned grid_y = (unsigned)std::min<int64_t>(rows, 2);  // small, to exercise the row loop
  if (chunks == 1) {
    Sink<R> sink{out, nullptr, 1, index};
    emulate(dim3(1, grid_y), dim3(kThreads), [&] { reduce_blocks<R>(ElemSource<In, R>{x, cols}, sink, rows, cols); });
    return;
  }
  std::vector<V> partial(rows * chunks);
  Sink<R> first{nullptr, partial.data(), chunks, index};
  emulate(dim3((unsigned)chunks, grid_y), dim3(kThreads), [&] { reduce_blocks<R>(ElemSource<In, R>{x, cols}, first, rows, cols); });
  const int G = row_group_width(chunks);
  Sink<R> fin{out, nullptr, 1, index};
  emulate(dim3(blocks_for(rows * G, kThreads)), dim3(kThreads), [&] { reduce_groups<R>(PartialSource<R>{partial.data(), chunks}, fin, rows, chunks, G); });
}

int fails = 0;
template <typename T> void test_rows(int64_t rows, int64_t cols, std::mt19937& rng, bool nans) {
  std::uniform_int_distribution<int> small(0, 5);
  std::unique_ptr<T[]> xbuf(new T[rows * cols]);
  struct { T* p; size_t n; T* data() { return p; } size_t size() { return n; } T& operator[](size_t i) { return p[i]; } } x{xbuf.get(), size_t(rows * cols)};
  for (size_t i = 0; i < x.size(); ++i) x[i] = (T)small(rng);
  if (nans && std::is_floating_point<T>::value) { x[rng() % x.size()] = NAN; x[rng() % x.size()] = NAN; }
  // sums
  using Acc = typename std::conditional<std::is_floating_point<T>::value, T, int64_t>::type;
  std::vector<Acc> s(rows);
  reduce_rows<SumR<T, Acc>, T>(s.data(), x.data(), rows, cols, false);
  std::vector<int64_t> am(rows), an(rows);
  std::unique_ptr<T[]> mxb(new T[rows]);
  T* mx = mxb.get();
  reduce_rows<ArgR<T, true>, T>(am.data(), x.data(), rows, cols, true);
  reduce_rows<ArgR<T, false>, T>(an.data(), x.data(), rows, cols, true);
  reduce_rows<ArgR<T, true>, T>(mx, x.data(), rows, cols, false);
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x.data() + r * cols;
    double ref = 0; int64_t bmax = 0, bmin = 0;
    for (int64_t j = 0; j < cols; ++j) ref += (double)row[j];
    for (int64_t j = 0; j < cols; ++j) { if (row[j] != row[j]) { bmax = j; break; } if (row[j] > row[bmax]) bmax = j; }
    for (int64_t j = 0; j < cols; ++j) { if (row[j] != row[j]) { bmin = j; break; } if (row[j] < row[bmin]) bmin = j; }
    bool sum_ok = (std::isnan(ref) && std::isnan((double)s[r])) || std::abs((double)s[r] - ref) <= 1e-6 * std::abs(ref) + 1e-9;
    if (!sum_ok || am[r] != bmax || an[r] != bmin || !((double)mx[r] == (double)row[bmax] || (std::isnan((double)mx[r]) && std::isnan((double)row[bmax])))) {
      printf("MISMATCH %s rows=%ld cols=%ld r=%ld sum %g/%g argmax %ld/%ld argmin %ld/%ld max %g/%g\n", typeid(T).name(), rows, cols, r,
             (double)s[r], ref, am[r], bmax, an[r], bmin, (double)mx[r], (double)row[bmax]);
      ++fails; return;
    }
  }
}

int main() {
  std::mt19937 rng(3);
  int64_t shapes[][2] = {{1, 1}, {5, 1}, {7, 3}, {3, 17}, {2, 33}, {9, 1000}, {2, 1025}, {3, 8193}, {2, 30000}};
  for (auto& sh : shapes) {
    test_rows<float>(sh[0], sh[1], rng, false);
    test_rows<float>(sh[0], sh[1], rng, true);
    test_rows<double>(sh[0], sh[1], rng, true);
    test_rows<int32_t>(sh[0], sh[1], rng, false);
    test_rows<uint8_t>(sh[0], sh[1], rng, false);
    test_rows<bool>(sh[0], sh[1], rng, false);
    test_rows<int64_t>(sh[0], sh[1], rng, false);
  }
  printf("fails: %d\n", fails);
  return fails != 0;
}

// Row-softmax kernels of csrc/cuda/softmax_kernels.cu and the fused softmax cross-entropy of loss_kernels.cu,
// emulated on the CPU with the launchers' schedules (a group of <= 32 lanes per row up to kRowGroupCols columns, a
// block per row beyond; grids kept small so the grid-stride row loops run). Driven by test_emulated_kernels.py:
//   softmax_emu OP DTYPE ROWS COLS FLAG IN OUT
// reads OP's inputs from IN (raw arrays, one after another), writes its outputs to OUT; Python checks them
// against NumPy in float64. OP: softmax (FLAG: log), softmax_bwd (log), xent (sparse), xent_bwd (sparse).
#include "shim.h"
#include <fstream>
#include <mutex>
#include <string>
#include "core/dispatch.h"
#include "cuda/math.cuh"
#include "cuda/row_softmax.cuh"
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
namespace emu_softmax {
#include "softmax_section.inc"  // extracted by test_emulated_kernels.py
}
namespace emu_loss {
#include "loss_section.inc"
}
}}
using namespace pydl::cuda;

std::ifstream in_file;
std::ofstream out_file;
template <typename V> std::vector<V> read(int64_t n) {
  std::vector<V> v(n);
  in_file.read(reinterpret_cast<char*>(v.data()), n * sizeof(V));
  if (!in_file) { fprintf(stderr, "short input\n"); exit(2); }
  return v;
}
template <typename V> void write(const std::vector<V>& v) {
  out_file.write(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(V));
}

// The launchers' choice (launch_rows in row_softmax.cuh), with at most 3 blocks.
template <typename F> void launch_rows(int64_t rows, int64_t cols, F kernel) {
  const bool block = cols > kRowGroupCols;
  const int G = block ? 32 : row_group_width(cols);
  const int64_t need = block ? rows : (rows * G + kRowThreads - 1) / kRowThreads;
  const unsigned grid = unsigned(std::max<int64_t>(1, std::min<int64_t>(need, 3)));
  emulate(dim3(grid), dim3(kRowThreads), [&] { kernel(block, G); });
}

template <typename T> void run(const std::string& op, int64_t rows, int64_t cols, bool flag) {
  const int64_t n = rows * cols;
  if (op == "softmax") {
    auto x = read<T>(n);
    std::vector<T> y(n);
    launch_rows(rows, cols, [&](bool block, int G) {
      if (block) emu_softmax::softmax_kernel<T, true>(y.data(), x.data(), rows, cols, flag, G);
      else emu_softmax::softmax_kernel<T, false>(y.data(), x.data(), rows, cols, flag, G);
    });
    write(y);
  } else if (op == "softmax_bwd") {
    auto g = read<T>(n), y = read<T>(n);
    std::vector<T> gi(n);
    launch_rows(rows, cols, [&](bool block, int G) {
      if (block) emu_softmax::softmax_backward_kernel<T, true>(gi.data(), g.data(), y.data(), rows, cols, flag, G);
      else emu_softmax::softmax_backward_kernel<T, false>(gi.data(), g.data(), y.data(), rows, cols, flag, G);
    });
    write(gi);
  } else if (op == "xent") {
    auto z = read<T>(n);
    std::vector<T> t = flag ? std::vector<T>() : read<T>(n);
    std::vector<int64_t> idx = flag ? read<int64_t>(rows) : std::vector<int64_t>();
    std::vector<T> loss(rows), probs(n);
    std::vector<unsigned long long> bad{emu_loss::kNoRow};
    launch_rows(rows, cols, [&](bool block, int G) {
      using namespace emu_loss;
      if (flag && block) xent_kernel<T, true, true>(loss.data(), probs.data(), z.data(), nullptr, idx.data(), rows, cols, bad.data(), G);
      if (flag && !block) xent_kernel<T, true, false>(loss.data(), probs.data(), z.data(), nullptr, idx.data(), rows, cols, bad.data(), G);
      if (!flag && block) xent_kernel<T, false, true>(loss.data(), probs.data(), z.data(), t.data(), nullptr, rows, cols, nullptr, G);
      if (!flag && !block) xent_kernel<T, false, false>(loss.data(), probs.data(), z.data(), t.data(), nullptr, rows, cols, nullptr, G);
    });
    write(loss);
    write(probs);
    write(bad);
  } else if (op == "xent_bwd") {
    auto gl = read<T>(rows), probs = read<T>(n);
    std::vector<T> t = flag ? std::vector<T>() : read<T>(n);
    std::vector<int64_t> idx = flag ? read<int64_t>(rows) : std::vector<int64_t>();
    std::vector<T> gz(n);
    if (flag) {
      emulate(dim3(2), dim3(kRowThreads), [&] {
        emu_loss::xent_backward_sparse_kernel<T>(gz.data(), gl.data(), probs.data(), idx.data(), rows, cols);
      });
    } else {
      launch_rows(rows, cols, [&](bool block, int G) {
        if (block) emu_loss::xent_backward_dense_kernel<T, true>(gz.data(), gl.data(), probs.data(), t.data(), rows, cols, G);
        else emu_loss::xent_backward_dense_kernel<T, false>(gz.data(), gl.data(), probs.data(), t.data(), rows, cols, G);
      });
    }
    write(gz);
  } else {
    fprintf(stderr, "unknown op %s\n", op.c_str());
    exit(2);
  }
}

int main(int argc, char** argv) {
  if (argc != 8) { fprintf(stderr, "usage: OP DTYPE ROWS COLS FLAG IN OUT\n"); return 2; }
  const std::string op = argv[1], dtype = argv[2];
  const int64_t rows = std::atoll(argv[3]), cols = std::atoll(argv[4]);
  const bool flag = std::atoi(argv[5]) != 0;
  in_file.open(argv[6], std::ios::binary);
  out_file.open(argv[7], std::ios::binary);
  if (dtype == "float32") run<float>(op, rows, cols, flag);
  else run<double>(op, rows, cols, flag);
  return out_file.good() ? 0 : 1;
}

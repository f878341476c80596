// Row-softmax kernels of csrc/cuda/softmax_kernels.cu and the fused softmax cross-entropy of loss_kernels.cu,
// emulated on the CPU with the launchers' schedules (a group of <= 32 lanes per row up to kRowGroupCols columns, a
// block per row beyond; 16-byte accesses when the width allows; grids kept small so the grid-stride loops run). Driven by test_emulated_kernels.py:
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

// The launchers' choice (launch_rows in row_softmax.cuh), with at most 3 blocks: kernel(block, vec, G) with
// block and vec as compile-time constants.
template <typename T, typename F> void launch_rows(int64_t rows, int64_t cols, int vec, F kernel) {
  const bool block = cols > kRowGroupCols;
  const int G = block ? 32 : row_group_width(cols / vec);
  const int64_t need = block ? rows : (rows * G + kRowThreads - 1) / kRowThreads;
  const unsigned grid = unsigned(std::max<int64_t>(1, std::min<int64_t>(need, 3)));
  auto with_vec = [&](auto b) {
    if (vec > 1) kernel(b, std::integral_constant<int, 16 / sizeof(T)>{}, G);
    else kernel(b, std::integral_constant<int, 1>{}, G);
  };
  emulate(dim3(grid), dim3(kRowThreads), [&] { if (block) with_vec(std::true_type{}); else with_vec(std::false_type{}); });
}
#define BV decltype(b)::value, decltype(v)::value  // the launch's (block, vec) as template arguments

template <typename T> void run(const std::string& op, int64_t rows, int64_t cols, bool flag) {
  const int64_t n = rows * cols;
  if (op == "softmax") {
    auto x = read<T>(n);
    std::vector<T> y(n);
    launch_rows<T>(rows, cols, row_vec<T>(cols, {y.data(), x.data()}), [&](auto b, auto v, int G) {
      emu_softmax::softmax_kernel<T, BV>(y.data(), x.data(), rows, cols, flag, G);
    });
    write(y);
  } else if (op == "softmax_bwd") {
    auto g = read<T>(n), y = read<T>(n);
    std::vector<T> gi(n);
    launch_rows<T>(rows, cols, row_vec<T>(cols, {gi.data(), g.data(), y.data()}), [&](auto b, auto v, int G) {
      emu_softmax::softmax_backward_kernel<T, BV>(gi.data(), g.data(), y.data(), rows, cols, flag, G);
    });
    write(gi);
  } else if (op == "xent") {
    auto z = read<T>(n);
    std::vector<T> t = flag ? std::vector<T>() : read<T>(n);
    std::vector<int64_t> idx = flag ? read<int64_t>(rows) : std::vector<int64_t>();
    std::vector<T> loss(rows), probs(n);
    std::vector<unsigned long long> bad{emu_loss::kNoRow};
    const int vec = row_vec<T>(cols, {probs.data(), z.data(), flag ? z.data() : t.data()});
    launch_rows<T>(rows, cols, vec, [&](auto b, auto v, int G) {
      if (flag) emu_loss::xent_kernel<T, true, BV>(loss.data(), probs.data(), z.data(), nullptr, idx.data(), rows, cols, bad.data(), G);
      else emu_loss::xent_kernel<T, false, BV>(loss.data(), probs.data(), z.data(), t.data(), nullptr, rows, cols, nullptr, G);
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
      launch_rows<T>(rows, cols, row_vec<T>(cols, {gz.data(), probs.data(), t.data()}), [&](auto b, auto v, int G) {
        emu_loss::xent_backward_dense_kernel<T, BV>(gz.data(), gl.data(), probs.data(), t.data(), rows, cols, G);
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

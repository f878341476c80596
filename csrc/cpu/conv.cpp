// Convolution kernels: the direct paths (conv_direct.cpp, conv_weight.cpp) wherever their register tiles fit, and
// paths on the GEMM for the rest: 1x1 stride-1 layers (the input already is the GEMM operand), backward-data with
// only a few input channels, and kernel gradients whose filters are not a whole number of vectors. The GEMM paths
// see the HWIO kernel as a (K = kh*kw*c, oc) matrix and walk the M = n*oh*ow output pixels in blocks of a fixed
// number of rows, with im2col / col2im through a per-thread workspace (bounded: it never grows with the batch).
// Block and slot counts never depend on the thread count, so results are bit-identical at any thread count.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <vector>
#include "core/thread_pool.h"
#include "cpu/conv_direct.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

// Block rows: about 1 MiB of float32 so a block is still in L2 when the GEMM packs it, at least kMinRows so packing
// the kernel matrix inside each GEMM call stays a small fraction of the work, and at most kMaxRows so small-K
// layers still give every thread several blocks.
constexpr int64_t kBlockElems = int64_t(1) << 18;
constexpr int64_t kMinRows = 192, kMaxRows = 2048;
// Backward-weight sums its blocks into at most kSlots partial results (fewer when they would exceed kSlotElems).
constexpr int64_t kSlots = 8, kSlotElems = int64_t(1) << 22;
// The fused relu backward masks dy in groups of images of about this size (in L2 with the passes' other operands).
constexpr int64_t kMaskBytes = int64_t(512) << 10;

int64_t block_rows(int64_t k) { return std::clamp<int64_t>(kBlockElems / std::max<int64_t>(k, 1), kMinRows, kMaxRows); }

// The im2col buffer of this thread; only grows.
class Workspace {
 public:
  ~Workspace() { std::free(p_); }
  template <typename T> T* get(int64_t elems) {
    const size_t bytes = static_cast<size_t>(elems) * sizeof(T);
    if (bytes > size_) {
      std::free(p_);
      size_ = (bytes + 4095) / 4096 * 4096;
      p_ = std::aligned_alloc(64, size_);
      if (!p_) { size_ = 0; throw std::bad_alloc(); }
    }
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
  size_t size_ = 0;
};
thread_local Workspace t_cols;

bool is_pointwise(const WindowGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 && g.pad_left == 0 && g.oh == g.h &&
         g.ow == g.w;
}

// Blocks in parallel when there are enough to share out; otherwise in turn, each GEMM then using the threads.
void run_blocks(int64_t nblocks, const std::function<void(int64_t)>& fn) {
  if (nblocks >= 2 * get_num_threads()) {
    parallel_for(0, nblocks, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) fn(b);
    });
  } else {
    for (int64_t b = 0; b < nblocks; ++b) fn(b);
  }
}

template <typename T> void copy_n(T* d, const T* s, int64_t n) {
  if (n <= 4) { for (int64_t i = 0; i < n; ++i) d[i] = s[i]; }
  else std::memcpy(d, s, n * sizeof(T));
}

// Walks the windows of output rows r0, r0 + 1, ... of M: tap(offset in cols, offset in x or -1 outside the input,
// length) per (kh, kw) tap, or once per kernel row (kw * c consecutive values) when the row lies inside.
template <typename F>
void for_each_window(const WindowGeometry& g, int64_t r0, int64_t rows, F&& tap) {
  const int64_t C = g.c, K = g.kh * g.kw * C, P = g.oh * g.ow;
  int64_t n = r0 / P, oh = (r0 % P) / g.ow, ow = r0 % g.ow;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t img = n * g.h * g.w * C, ih0 = oh * g.sh - g.pad_top, iw0 = ow * g.sw - g.pad_left;
    const bool row_inside = g.dw == 1 && iw0 >= 0 && iw0 + g.kw <= g.w;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t ih = ih0 + i * g.dh, kofs = r * K + i * g.kw * C;
      if (ih < 0 || ih >= g.h) { tap(kofs, int64_t(-1), g.kw * C); continue; }
      const int64_t xrow = img + ih * g.w * C;
      if (row_inside) { tap(kofs, xrow + iw0 * C, g.kw * C); continue; }
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t iw = iw0 + j * g.dw;
        tap(kofs + j * C, (iw < 0 || iw >= g.w) ? int64_t(-1) : xrow + iw * C, C);
      }
    }
    if (++ow == g.ow) { ow = 0; if (++oh == g.oh) { oh = 0; ++n; } }
  }
}

// cols (rows, K) = the windows of output rows [r0, r0 + rows); taps outside the input are zeros.
template <typename T> void im2col(T* cols, const T* x, const WindowGeometry& g, int64_t r0, int64_t rows) {
  for_each_window(g, r0, rows, [&](int64_t k, int64_t xo, int64_t len) {
    if (xo < 0) std::fill(cols + k, cols + k + len, T(0));
    else copy_n(cols + k, x + xo, len);
  });
}

// dx += the windows of cols scattered back (the adjoint of im2col).
template <typename T> void col2im(T* dx, const T* cols, const WindowGeometry& g, int64_t r0, int64_t rows) {
  for_each_window(g, r0, rows, [&](int64_t k, int64_t xo, int64_t len) {
    if (xo < 0) return;
    T* d = dx + xo;
    const T* s = cols + k;
    for (int64_t i = 0; i < len; ++i) d[i] += s[i];
  });
}

void call_gemm(DType dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda, const void* b,
               int64_t ldb, double beta, void* c, int64_t ldc) {
  kernel_table(DeviceType::CPU).gemm(dt, ta, tb, m, n, k, 1.0, static_cast<const char*>(a), lda, 0,
                                     static_cast<const char*>(b), ldb, 0, beta, static_cast<char*>(c), ldc, 0, 1);
}

template <typename T> void bias_act(T* y, const T* b, int64_t rows, int64_t oc, bool relu) {
  for (int64_t r = 0; r < rows; ++r) {
    T* yr = y + r * oc;
    if (b) for (int64_t j = 0; j < oc; ++j) yr[j] += b[j];
    if (relu) for (int64_t j = 0; j < oc; ++j) yr[j] = yr[j] < T(0) ? T(0) : yr[j];  // NaN stays NaN
  }
}

// 1x1 stride-1 layers: y = x w on the input in place.
template <typename T> void pointwise_forward(T* y, const T* x, const T* w, const T* b, const WindowGeometry& g, bool relu,
                                             DType dt) {
  const int64_t M = g.n * g.oh * g.ow, K = g.c, O = g.oc, R = block_rows(K);
  run_blocks((M + R - 1) / R, [&](int64_t blk) {
    const int64_t r0 = blk * R, rows = std::min(R, M - r0);
    call_gemm(dt, false, false, rows, O, K, x + r0 * K, K, w, O, 0.0, y + r0 * O, O);
    if (b || relu) bias_act(y + r0 * O, b, rows, O, relu);
  });
}

// 1x1 stride-1 layers: dx = dy w^T.
template <typename T> void pointwise_backward_data(T* dx, const T* dy, const T* w, const WindowGeometry& g, DType dt) {
  const int64_t M = g.n * g.oh * g.ow, K = g.c, O = g.oc, R = block_rows(K);
  run_blocks((M + R - 1) / R, [&](int64_t blk) {
    const int64_t r0 = blk * R, rows = std::min(R, M - r0);
    call_gemm(dt, false, true, rows, K, O, dy + r0 * O, O, w, O, 0.0, dx + r0 * K, K);
  });
}

// Few input channels: dcols = dy w^T, scattered back. Tasks own whole images, so the scatters of two threads never
// meet; an image larger than a block is done in several blocks by its task.
template <typename T> void gemm_backward_data(T* dx, const T* dy, const T* w, const WindowGeometry& g, DType dt) {
  const int64_t K = g.kh * g.kw * g.c, O = g.oc, P = g.oh * g.ow, HWC = g.h * g.w * g.c;
  const int64_t R = block_rows(K), per_task = std::max<int64_t>(1, R / std::max<int64_t>(P, 1));
  run_blocks((g.n + per_task - 1) / per_task, [&](int64_t task) {
    const int64_t n0 = task * per_task, n1 = std::min(g.n, n0 + per_task);
    std::fill(dx + n0 * HWC, dx + n1 * HWC, T(0));
    for (int64_t r0 = n0 * P; r0 < n1 * P; r0 += R) {
      const int64_t rows = std::min(R, n1 * P - r0);
      T* cols = t_cols.get<T>(rows * K);
      call_gemm(dt, false, true, rows, K, O, dy + r0 * O, O, w, O, 0.0, cols, K);
      col2im(dx, cols, g, r0, rows);
    }
  });
}

// dw = sum over blocks of cols^T dy. Blocks are dealt to S fixed slots (contiguous block ranges); each slot sums
// its blocks in order into its own partial, and partials are added in slot order: the same sums at any thread count.
template <typename T>
void backward_weight(T* dw, T* db, const T* x, const T* dy, const WindowGeometry& g, DType dt) {
  const int64_t M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, O = g.oc;
  const bool pw = is_pointwise(g);
  const int64_t R = block_rows(K), nblocks = (M + R - 1) / R;
  int64_t S = std::min(nblocks, kSlots);
  while (S > 1 && S * K * O > kSlotElems) --S;
  std::vector<T> partial(static_cast<size_t>((S - 1) * K * O)), db_partial(db ? static_cast<size_t>(S * O) : 0);
  auto slot = [&](int64_t s) {
    T* acc = s == 0 ? dw : partial.data() + (s - 1) * K * O;
    T* dbs = db ? db_partial.data() + s * O : nullptr;
    const int64_t b0 = s * nblocks / S, b1 = (s + 1) * nblocks / S;
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t r0 = blk * R, rows = std::min(R, M - r0);
      const T* cols = x + r0 * K;
      if (!pw) {
        T* ws = t_cols.get<T>(rows * K);
        im2col(ws, x, g, r0, rows);
        cols = ws;
      }
      call_gemm(dt, true, false, K, O, rows, cols, K, dy + r0 * O, O, blk == b0 ? 0.0 : 1.0, acc, O);
      if (dbs) {
        for (int64_t r = 0; r < rows; ++r) {
          const T* d = dy + (r0 + r) * O;
          for (int64_t j = 0; j < O; ++j) dbs[j] += d[j];
        }
      }
    }
  };
  if (S <= 1) slot(0);
  else parallel_for(0, S, 1, [&](int64_t lo, int64_t hi) { for (int64_t s = lo; s < hi; ++s) slot(s); });
  if (S > 1) {
    parallel_for(0, K * O, 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t s = 1; s < S; ++s) {
        const T* p = partial.data() + (s - 1) * K * O;
        for (int64_t i = lo; i < hi; ++i) dw[i] += p[i];
      }
    });
  }
  if (db) {
    for (int64_t j = 0; j < O; ++j) db[j] = db_partial[j];
    for (int64_t s = 1; s < S; ++s)
      for (int64_t j = 0; j < O; ++j) db[j] += db_partial[s * O + j];
  }
}

template <typename T> const T* ptr_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }
template <typename T> T* mut_ptr_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g, UnaryOp act) {
  const bool relu = act == UnaryOp::Relu;
  if (!is_pointwise(g)) return conv_forward_direct(y, x, w, b, g, relu);
  if (x.dtype() == DType::Float64)
    pointwise_forward(y.data<double>(), x.data<double>(), w.data<double>(), ptr_or_null<double>(b), g, relu, x.dtype());
  else
    pointwise_forward(y.data<float>(), x.data<float>(), w.data<float>(), ptr_or_null<float>(b), g, relu, x.dtype());
}

void conv2d_backward_data(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g) {
  const bool pw = is_pointwise(g);
  if (!pw && conv_backward_data_direct_pays(g, dx.dtype())) return conv_backward_data_direct(dx, dy, w, g);
  if (dx.dtype() == DType::Float64) {
    if (pw) pointwise_backward_data(dx.data<double>(), dy.data<double>(), w.data<double>(), g, dx.dtype());
    else gemm_backward_data(dx.data<double>(), dy.data<double>(), w.data<double>(), g, dx.dtype());
  } else {
    if (pw) pointwise_backward_data(dx.data<float>(), dy.data<float>(), w.data<float>(), g, dx.dtype());
    else gemm_backward_data(dx.data<float>(), dy.data<float>(), w.data<float>(), g, dx.dtype());
  }
}

void conv2d_backward_weight(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                            const WindowGeometry& g) {
  if (conv_backward_weight_direct(dw, db, x, dy, g)) return;
  if (dw.dtype() == DType::Float64)
    backward_weight(dw.data<double>(), mut_ptr_or_null<double>(db), x.data<double>(), dy.data<double>(), g, dw.dtype());
  else
    backward_weight(dw.data<float>(), mut_ptr_or_null<float>(db), x.data<float>(), dy.data<float>(), g, dw.dtype());
}

// Gradients through a fused relu without writing the masked dy out: it is formed a few images at a time in a small
// buffer that the direct backward-data and kernel-gradient passes read while it is in cache. Geometries those passes
// do not take are left to the caller (it masks dy itself and calls the kernels above).
bool conv2d_relu_backward(const Tensor& dx, const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& w,
                          const Tensor& dy, const Tensor& y, const WindowGeometry& g) {
  if (g.n == 0 || g.oh == 0 || g.ow == 0 || g.c == 0 || g.oc == 0) return false;
  if (!dw.defined() && db.defined()) return false;
  const DType dt = dy.dtype();
  if (dx.defined() && (is_pointwise(g) || !conv_backward_data_direct_pays(g, dt))) return false;
  if (dw.defined() && !conv_tiling(dt, g.oc, true).ukr) return false;  // no direct kernel gradient
  const ConvImagesFn data = dx.defined() ? conv_backward_data_direct_images(w, g) : ConvImagesFn();
  if (dw.defined()) return conv_relu_backward_weight_direct(dw, db, x, dy, y, dx, data, g);
  if (!dx.defined()) return false;
  // dx only: groups of images of about kMaskBytes of masked dy each, in turn (each pass uses the threads).
  const size_t esz = dt == DType::Float64 ? sizeof(double) : sizeof(float);
  const int64_t image = g.oh * g.ow * g.oc, group = std::max<int64_t>(1, kMaskBytes / (image * int64_t(esz)));
  const ReluMask relu_mask = isa_kernels().conv.relu_mask[dt == DType::Float64 ? 1 : 0];
  void* masked = std::aligned_alloc(64, (static_cast<size_t>(std::min(group, g.n) * image) * esz + 63) / 64 * 64);
  if (!masked) throw std::bad_alloc();
  std::unique_ptr<void, void (*)(void*)> hold(masked, std::free);
  char* mk = static_cast<char*>(masked);
  for (int64_t n = 0; n < g.n; n += group) {
    const int64_t count = std::min(group, g.n - n), len = count * image;
    const char* d = dy.raw_data() + n * image * esz;
    const char* yv = y.raw_data() + n * image * esz;
    parallel_for(0, len, 16384, [&](int64_t lo, int64_t hi) {
      relu_mask(mk + lo * esz, d + lo * esz, yv + lo * esz, hi - lo);
    });
    data(dx.raw_data() + n * g.h * g.w * g.c * esz, masked, count);
  }
  return true;
}

}  // namespace

void register_conv(KernelTable& t) {
  t.conv2d = conv2d;
  t.conv2d_backward_data = conv2d_backward_data;
  t.conv2d_backward_weight = conv2d_backward_weight;
  t.conv2d_relu_backward = conv2d_relu_backward;
}

}  // namespace cpu
}  // namespace pydl

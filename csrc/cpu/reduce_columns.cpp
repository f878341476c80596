// CPU reductions over the leading axis of a contiguous (rows, cols) tensor: out[c] = reduce over r of in[r, c].
// Each input row is read once and folded into a row of accumulators, a loop along the contiguous columns that the
// compiler vectorizes; no transposed copy. The order of every sum is fixed by kBlockRows alone: each block of rows
// is added in order, then the block partials pairwise in a fixed tree, so results are bit-identical at any thread
// count and any column tiling (threads split blocks x column tiles, each writing its own partial).
#include <algorithm>
#include <type_traits>
#include <memory>
#include "core/thread_pool.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

constexpr int64_t kBlockRows = 256;  // rows summed in sequence: bounds the float rounding error (then a log2 tree)
constexpr int64_t kTile = 1024;      // accumulators per pass: stay in L1 (8 KiB for 64-bit ones)

// Accumulator type: integer sums wrap modulo 2^64 as NumPy's do, in the unsigned type (signed overflow is UB).
template <typename O, ReduceOp op, typename = void> struct AccType { using type = O; };
template <typename O, ReduceOp op>
struct AccType<O, op, std::enable_if_t<op == ReduceOp::Sum && std::is_integral<O>::value && !std::is_same<O, bool>::value>> {
  using type = std::make_unsigned_t<O>;
};

// acc[c] = acc[c] op v[c]; NaN wins for Max/Min (like NumPy), so a NaN accumulator stays.
template <ReduceOp op, typename W> inline W combine(W a, W v) {
  if constexpr (op == ReduceOp::Sum) return a + v;
  else if constexpr (op == ReduceOp::Max) return (v > a || v != v) ? v : a;
  else return (v < a || v != v) ? v : a;
}

template <ReduceOp op, typename W, typename O, typename T>
void fold_rows(W* dst, const T* in, int64_t r0, int64_t r1, int64_t cols, int64_t c0, int64_t c1) {
  W acc[kTile];
  for (int64_t t0 = c0; t0 < c1; t0 += kTile) {
    const int64_t n = std::min(kTile, c1 - t0);
    const T* x = in + r0 * cols + t0;
    for (int64_t c = 0; c < n; ++c) acc[c] = static_cast<W>(static_cast<O>(x[c]));
    for (int64_t r = r0 + 1; r < r1; ++r) {
      x += cols;
      for (int64_t c = 0; c < n; ++c) acc[c] = combine<op>(acc[c], static_cast<W>(static_cast<O>(x[c])));
    }
    std::copy(acc, acc + n, dst + t0);
  }
}

template <ReduceOp op, typename O, typename T> void reduce_cols(O* out, const T* in, int64_t rows, int64_t cols) {
  using W = typename AccType<O, op>::type;
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t tiles = (cols + kTile - 1) / kTile;
  const int64_t work = std::min(rows, kBlockRows) * std::min(cols, kTile);
  // partial[b * cols + c]: block b's result for column c (not std::vector: vector<bool> has no data())
  std::unique_ptr<W[]> partial(new W[blocks * cols]);
  parallel_for(0, blocks * tiles, std::max<int64_t>(1, 32768 / work), [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t b = task / tiles, t = task % tiles;
      fold_rows<op, W, O>(partial.get() + b * cols, in, b * kBlockRows, std::min(rows, (b + 1) * kBlockRows), cols,
                          t * kTile, std::min(cols, (t + 1) * kTile));
    }
  });
  parallel_for(0, cols, std::max<int64_t>(1, 32768 / blocks), [&](int64_t lo, int64_t hi) {
    for (int64_t step = 1; step < blocks; step *= 2)
      for (int64_t b = 0; b + step < blocks; b += 2 * step) {
        W* a = partial.get() + b * cols;
        const W* v = partial.get() + (b + step) * cols;
        for (int64_t c = lo; c < hi; ++c) a[c] = combine<op>(a[c], v[c]);
      }
    for (int64_t c = lo; c < hi; ++c) out[c] = static_cast<O>(partial[c]);
  });
}

void reduce_columns(const Tensor& out, const Tensor& in, ReduceOp op, int64_t rows, int64_t cols) {
  visit_dtype(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (op == ReduceOp::Sum) {
      visit_dtype(out.dtype(), [&](auto otag) {
        using O = decltype(otag);
        if constexpr (std::is_same<O, bool>::value) throw DTypeError("sum: bool output");
        else reduce_cols<ReduceOp::Sum, O>(out.data<O>(), in.data<T>(), rows, cols);
      });
    } else if (op == ReduceOp::Max) {
      reduce_cols<ReduceOp::Max, T>(out.data<T>(), in.data<T>(), rows, cols);
    } else if (op == ReduceOp::Min) {
      reduce_cols<ReduceOp::Min, T>(out.data<T>(), in.data<T>(), rows, cols);
    } else {
      throw ValueError("reduce_columns: only sum, max and min");
    }
  });
}

}  // namespace

void register_reduce_columns(KernelTable& t) { t.reduce_columns = reduce_columns; }

}  // namespace cpu
}  // namespace pydl

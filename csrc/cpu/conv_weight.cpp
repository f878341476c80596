// Direct kernel gradient: dw[kh][kw][c][o] = sum over output pixels of x[its window's (kh, kw) pixel][c] * dy[pixel][o],
// with no im2col and no packing. For a kernel row kh the kw * c values a window reads from one input row are
// consecutive, so the micro-kernel (cpu/conv_isa.h) broadcasts them in place while it streams dy rows; pixels of
// one output row are a fixed stride apart in both. Padding is materialised per image in a small per-thread buffer,
// so every tap lies inside. Images are dealt to a fixed number of slots (contiguous ranges) that each sum into their
// own partial gradient; the partials are added in slot order: the same sums at any thread count.
// With few input channels a kernel row is shorter than the tile (3 values for a 3x3 kernel on one channel: a
// quarter of a 12-row tile), so the input rows under each output row of a band are first interleaved column by column
// into a small buffer (zeros for padding), where a whole window is one run of consecutive values.
#include <algorithm>
#include <memory>
#include <vector>
#include "core/thread_pool.h"
#include "cpu/conv_direct.h"

namespace pydl {
namespace cpu {
namespace {

constexpr int64_t kSlots = 4, kSlotElems = int64_t(1) << 21;  // at most 4 partials, 8 MiB of float32 in all
constexpr int64_t kBandBytes = int64_t(512) << 10;            // dy + input rows swept by every tile of a band
constexpr int64_t kFewChannels = 4;                           // fewer input channels: runs may be whole windows

// dst (hp, wp, c) = the image with pad_top rows and pad_left columns of zeros before it, zeros past it.
template <typename T> void pad_image(T* dst, const T* src, const WindowGeometry& g, int64_t hp, int64_t wp) {
  const int64_t C = g.c, c1 = std::min(g.w, wp - g.pad_left);
  for (int64_t r = 0; r < hp; ++r, dst += wp * C) {
    const int64_t ih = r - g.pad_top;
    std::fill(dst, dst + wp * C, T(0));
    if (ih >= 0 && ih < g.h && c1 > 0) std::copy(src + ih * g.w * C, src + (ih * g.w + c1) * C, dst + g.pad_left * C);
  }
}

// buf (rows, ld) = for each output row of [r0, r0 + rows) of images n, n + 1, ... (rows run across images), the
// input rows its kernel rows read, interleaved column by column: buf[j][q][kh][c] = x[ih(kh)][q - pad_left][c]
// (zeros outside the input). With undilated columns, window ow is then kw * kh * c consecutive values from column
// ow * sw, in the order [kw][kh][c].
template <typename T>
void interleave_rows(T* buf, int64_t ld, const T* x, const WindowGeometry& g, int64_t n, int64_t r0, int64_t rows) {
  const int64_t C = g.c, cols = (g.ow - 1) * g.sw + g.kw;
  for (int64_t j = 0; j < rows; ++j) {
    const int64_t img = n + (r0 + j) / g.oh, oh = (r0 + j) % g.oh;
    const T* xi = x + img * g.h * g.w * C;
    T* d = buf + j * ld;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.sh - g.pad_top + kh * g.dh;
      const bool in_rows = ih >= 0 && ih < g.h;
      for (int64_t q = 0; q < cols; ++q) {
        const int64_t iw = q - g.pad_left;
        T* dq = d + (q * g.kh + kh) * C;
        if (in_rows && iw >= 0 && iw < g.w) {
          const T* s = xi + (ih * g.w + iw) * C;
          for (int64_t c = 0; c < C; ++c) dq[c] = s[c];
        } else {
          for (int64_t c = 0; c < C; ++c) dq[c] = T(0);
        }
      }
    }
  }
}

// With y set, dy is the gradient of the relu that follows the convolution: each group of images is masked by
// (y > 0) into a buffer of the slot first, and `data` (when set) gets it too, with dx at the group's first image.
template <typename T>
bool weight_typed(T* dw, T* db, const T* x, const T* dy, const WindowGeometry& g, const T* y = nullptr,
                  T* dx = nullptr, const ConvImagesFn* data = nullptr) {
  const int64_t C = g.c, O = g.oc, K = g.kh * g.kw * C;
  const ConvTiling tl = conv_tiling(sizeof(T) == 8 ? DType::Float64 : DType::Float32, O, true);
  if (!tl.ukr) return false;
  const int64_t nr = tl.nr, mr = tl.mr;
  // A run of the kernel's rows that is consecutive in the input: a whole kernel row (kw * c values), or one tap
  // when columns are dilated.
  int64_t run = g.dw == 1 ? g.kw * C : C;
  // Whole windows as the run when that fills the tiles better (few channels only: the input rows are interleaved
  // first, kh * c values per input column). dw is then summed in the order [kw][kh][c][o] and permuted at the end.
  auto tile_use = [mr](int64_t len) { return double(len) / double((len + mr - 1) / mr * mr); };
  const bool windows = C < kFewChannels && g.dw == 1 && g.kh > 1 && tile_use(K) > tile_use(run);
  if (windows) run = K;
  const int64_t runs = K / run, ktiles = (run + mr - 1) / mr;
  // Interleaved rows, plus mr values of slack: the last window's tiles may read past it (rows >= m are dropped).
  const int64_t il_ld = ((g.ow - 1) * g.sw + g.kw) * g.kh * C + mr;
  const int64_t tiles = runs * ktiles * tl.ntiles;
  // The region of the zero-padded image that windows read; copied only when it leaves the input.
  const int64_t hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1, wp = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const bool copy = !windows && (g.pad_top > 0 || g.pad_left > 0 || hp > g.h || wp > g.w);
  const int64_t row_elems = (copy ? wp : g.w) * C;
  // Output rows per band (across the images of a group): the band's dy and input rows stay in L2 while every
  // tile sweeps them; small images are grouped so that each micro-kernel call still sums many pixels.
  const int64_t row_bytes = (g.ow * O + (windows ? il_ld : g.sh * row_elems)) * static_cast<int64_t>(sizeof(T));
  const int64_t band = std::max<int64_t>(1, kBandBytes / row_bytes);
  const int64_t group = std::max<int64_t>(1, band / g.oh);
  int64_t slots = std::min(g.n, kSlots);
  while (slots > 1 && slots * K * O > kSlotElems) --slots;
  std::unique_ptr<T[]> partial(new T[static_cast<size_t>((slots - 1) * K * O)]);  // every element is written first
  std::vector<T> db_partial(db ? static_cast<size_t>(slots * O) : 0);
  const bool slots_parallel = slots >= get_num_threads();
  const ReluMask relu_mask = isa_kernels().conv.relu_mask[sizeof(T) == 8 ? 1 : 0];

  auto slot = [&](int64_t s) {
    T* acc = s == 0 ? dw : partial.get() + (s - 1) * K * O;
    T* dbs = db ? db_partial.data() + s * O : nullptr;
    std::vector<T> padded(copy ? static_cast<size_t>(std::min(group, g.n) * hp * wp * C) : 0);
    std::vector<T> il(windows ? static_cast<size_t>(band * il_ld) : 0);
    std::vector<int64_t> x_row(band), dy_row(band), in_row(band);
    // The group's masked dy: written and then read by the data pass and every tile while it is in cache.
    std::unique_ptr<T[]> masked(y ? new T[static_cast<size_t>(std::min(group, g.n) * g.oh * g.ow * O)] : nullptr);
    const int64_t n0 = s * g.n / slots, n1 = (s + 1) * g.n / slots;
    for (int64_t n = n0; n < n1; n += group) {
      const int64_t count = std::min(group, n1 - n), rows = count * g.oh;
      if (copy) {
        for (int64_t gi = 0; gi < count; ++gi) pad_image(padded.data() + gi * hp * wp * C, x + (n + gi) * g.h * g.w * C, g, hp, wp);
      }
      const T* src = copy ? padded.data() : x + n * g.h * g.w * C;
      const int64_t src_image = copy ? hp * wp * C : g.h * g.w * C;
      const T* dyg = dy + n * g.oh * g.ow * O;
      if (y) {
        const int64_t len = rows * g.ow * O;
        T* mk = masked.get();
        const T* yg = y + n * g.oh * g.ow * O;
        // Split only when the slots run in turn (inside a slot task this runs inline anyway).
        parallel_for(0, len, slots_parallel ? len : 16384,
                     [&](int64_t lo, int64_t hi) { relu_mask(mk + lo, dyg + lo, yg + lo, hi - lo); });
        if (data && *data) (*data)(dx + n * g.h * g.w * C, mk, count);
        dyg = mk;
      }
      for (int64_t r0 = 0; r0 < rows; r0 += band) {
        const int64_t nb = std::min(band, rows - r0);
        const bool fresh = n == n0 && r0 == 0;
        // Tiles write disjoint parts of acc, each summing its pixels in the same order on any thread.
        for (int64_t j = 0; j < nb; ++j) {  // where each output row of the band starts, in the source and in dy
          const int64_t gi = (r0 + j) / g.oh, oh = (r0 + j) % g.oh;
          x_row[j] = gi * src_image + oh * g.sh * row_elems;
          dy_row[j] = (r0 + j) * g.ow * O;
          in_row[j] = oh * g.sh - g.pad_top;  // input row under kernel row 0 (padding rows are skipped below)
        }
        if (windows) interleave_rows(il.data(), il_ld, x, g, n, r0, nb);
        parallel_for(0, tiles, 1, [&](int64_t lo, int64_t hi) {
          std::vector<const void*> xs(nb), ds(nb);
          for (int64_t t = lo; t < hi; ++t) {
            const int64_t r = t / (ktiles * tl.ntiles), kt = (t / tl.ntiles) % ktiles, ot = t % tl.ntiles;
            const int64_t kh = g.dw == 1 ? r : r / g.kw, kw = g.dw == 1 ? 0 : r % g.kw;
            const int64_t k0 = kt * mr, m = std::min(mr, run - k0);
            const T* xt = src + kh * g.dh * row_elems + kw * g.dw * C + k0;
            int64_t ns = 0;
            if (windows) {  // one segment per output row of the band
              for (; ns < nb; ++ns) {
                xs[ns] = il.data() + ns * il_ld + k0;
                ds[ns] = dyg + dy_row[ns] + ot * nr;
              }
            }
            for (int64_t j = 0; j < nb && !windows; ++j) {
              const int64_t ih = in_row[j] + kh * g.dh;
              if (ih < 0 || ih >= g.h) continue;  // this kernel row reads padding for the whole output row
              xs[ns] = xt + x_row[j];
              ds[ns++] = dyg + dy_row[j] + ot * nr;
            }
            (m == mr || windows ? tl.ukr->dw : tl.ukr->dw_edge)(ns, xs.data(), ds.data(), g.ow,
                                                                g.sw * C * (windows ? g.kh : 1), O,
                                                     acc + (r * run + k0) * O + ot * nr, O, m, !fresh);
          }
        });
      }
      if (dbs) isa_kernels().conv.col_sum[sizeof(T) == 8 ? 1 : 0](dbs, dyg, rows * g.ow, O);
    }
  };
  // Slots in parallel when there are enough for the threads; otherwise in turn, each spreading its tiles.
  if (slots_parallel) parallel_for(0, slots, 1, [&](int64_t lo, int64_t hi) { for (int64_t s = lo; s < hi; ++s) slot(s); });
  else for (int64_t s = 0; s < slots; ++s) slot(s);

  if (slots > 1) {
    parallel_for(0, K * O, 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t s = 1; s < slots; ++s) {
        const T* p = partial.get() + (s - 1) * K * O;
        for (int64_t i = lo; i < hi; ++i) dw[i] += p[i];
      }
    });
  }
  if (windows) {  // [kw][kh][c][o] -> the kernel's [kh][kw][c][o]
    const std::vector<T> t(dw, dw + K * O);
    for (int64_t kh = 0; kh < g.kh; ++kh)
      for (int64_t kw = 0; kw < g.kw; ++kw)
        std::copy_n(t.data() + (kw * g.kh + kh) * C * O, C * O, dw + (kh * g.kw + kw) * C * O);
  }
  if (db) {
    std::copy(db_partial.begin(), db_partial.begin() + O, db);
    for (int64_t s = 1; s < slots; ++s)
      for (int64_t o = 0; o < O; ++o) db[o] += db_partial[s * O + o];
  }
  return true;
}

}  // namespace

bool conv_backward_weight_direct(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                                 const WindowGeometry& g) {
  if (g.n == 0 || g.oh == 0 || g.ow == 0) return false;
  if (dw.dtype() == DType::Float64)
    return weight_typed(dw.data<double>(), db.defined() ? db.data<double>() : nullptr, x.data<double>(),
                        dy.data<double>(), g);
  return weight_typed(dw.data<float>(), db.defined() ? db.data<float>() : nullptr, x.data<float>(), dy.data<float>(), g);
}

bool conv_relu_backward_weight_direct(const Tensor& dw, const Tensor& db, const Tensor& x, const Tensor& dy,
                                      const Tensor& y, const Tensor& dx, const ConvImagesFn& data,
                                      const WindowGeometry& g) {
  if (g.n == 0 || g.oh == 0 || g.ow == 0) return false;
  if (dw.dtype() == DType::Float64)
    return weight_typed(dw.data<double>(), db.defined() ? db.data<double>() : nullptr, x.data<double>(),
                        dy.data<double>(), g, y.data<double>(), dx.defined() ? dx.data<double>() : nullptr, &data);
  return weight_typed(dw.data<float>(), db.defined() ? db.data<float>() : nullptr, x.data<float>(), dy.data<float>(),
                      g, y.data<float>(), dx.defined() ? dx.data<float>() : nullptr, &data);
}

}  // namespace cpu
}  // namespace pydl

// Direct convolution over the per-ISA micro-kernel (cpu/conv_isa.h): forward with bias and relu fused, and
// backward-data, for any stride, dilation and padding. Pixels are read in place through row pointers, so there is no
// im2col buffer; only the kernel matrix is packed, once per call, into zero-padded panels. Output pixels are grouped
// into rectangles whose windows meet the input in the same taps, so padding costs no work and needs no checks, and
// each rectangle is tiled as one flat sequence across rows and images, so short rows waste no tile rows.
// With few input channels (an image's 1 or 3) a tap is a whole kernel row, the kw * c consecutive input values under
// it, so the micro-kernel runs reductions of kw * c rather than of 1-3 (when windows leave the input, groups of images
// are first copied zero-padded into a bounded buffer).
// Every output element is written by one tile in a fixed order of taps: results do not depend on the thread count.
#include "cpu/conv_direct.h"
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>
#include "core/cpu_features.h"
#include "core/thread_pool.h"

namespace pydl {
namespace cpu {

ConvTiling conv_tiling(DType dt, int64_t channels, bool exact) {
  const ConvKernels& k = isa_kernels().conv;
  const int d = dt == DType::Float64 ? 1 : 0, lanes = k.lanes[d];
  const int64_t vecs = (channels + lanes - 1) / lanes;
  int nv = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(vecs, k.max_nv)));
  if (exact) {  // the widest tile that divides the channels
    if (channels % lanes != 0) return {};
    while (vecs % nv != 0) --nv;
  } else if (vecs > k.max_nv) {  // one tile when they fit, else the width wasting fewest lanes
    int64_t best_waste = -1;
    for (int cand = k.max_nv; cand >= 2; --cand) {
      const int64_t waste = (vecs + cand - 1) / cand * cand - vecs;
      if (best_waste < 0 || waste < best_waste) { best_waste = waste; nv = cand; }
    }
  }
  ConvTiling t;
  t.ukr = &k.ukr[d][nv];
  t.mr = t.ukr->mr;
  t.nr = nv * lanes;
  t.ntiles = (channels + t.nr - 1) / t.nr;
  return t;
}

bool conv_backward_data_direct_pays(const WindowGeometry& g, DType dt) {
  return 2 * g.c >= isa_kernels().conv.lanes[dt == DType::Float64 ? 1 : 0];
}

namespace {

constexpr int64_t kFewChannels = 4;                    // fewer input channels: forward taps are kernel rows
constexpr int64_t kPanelBlockElems = int64_t(1) << 16;  // kernel-panel block kept in L2 while tiles sweep it
constexpr int64_t kChunkTiles = 8;                     // tiles per task, revisited for each panel block
constexpr int64_t kPadGroupElems = int64_t(1) << 20;   // zero-padded input copies (few channels) per group of images

template <typename T> class AlignedBuffer {
 public:
  explicit AlignedBuffer(int64_t n) {
    const size_t bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T) + 63) / 64 * 64;
    p_ = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (!p_) throw std::bad_alloc();
    std::memset(static_cast<void*>(p_), 0, bytes);
  }
  ~AlignedBuffer() { std::free(p_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  T* get() const { return p_; }

 private:
  T* p_;
};

// A block of the reduction: taps [t0, t1) of the pass, channels [c0, c1) of each.
struct KBlock { int64_t t0, t1, c0, c1; };

std::vector<KBlock> k_blocks(int64_t ntaps, int64_t channels, int64_t padded_out) {
  const int64_t kmax = std::max<int64_t>(64, kPanelBlockElems / std::max<int64_t>(padded_out, 1));
  std::vector<KBlock> blocks;
  if (channels >= kmax) {  // one tap per block, its channels in near-equal chunks
    const int64_t chunks = (channels + kmax - 1) / kmax;
    for (int64_t t = 0; t < ntaps; ++t)
      for (int64_t q = 0; q < chunks; ++q) blocks.push_back({t, t + 1, q * channels / chunks, (q + 1) * channels / chunks});
  } else {
    const int64_t per = std::max<int64_t>(1, kmax / std::max<int64_t>(channels, 1));
    for (int64_t t = 0; t < ntaps; t += per) blocks.push_back({t, std::min(ntaps, t + per), 0, channels});
  }
  if (blocks.empty()) blocks.push_back({0, 0, 0, channels});  // no taps: the kernel still writes zeros
  return blocks;
}

int64_t floor_mod(int64_t a, int64_t m) { return ((a % m) + m) % m; }

// A grid of output pixels for the micro-kernel. Output pixel (n, r, c) (r < rows, c < cols) is pixel
// (oy0 + r * oys, ox0 + c * oxs) of image n of `out` (out_h, out_w, out_c). It reads the source pixels
// (y0 + r * ys + ty, x0 + c * xs + tx) of image n of `src` (src_h, src_w, src_c) for each kernel row (ty, row id) in
// trows and column (tx, column id) in tcols, kc consecutive values from each, times kernel panel
// row id * id_stride + column id. Panels are [channel tile][panel tap][kc][nr].
struct Grid {
  int64_t n = 0, rows = 0, cols = 0;
  int64_t out_h = 0, out_w = 0, out_c = 0, oy0 = 0, oys = 1, ox0 = 0, oxs = 1;
  int64_t src_h = 0, src_w = 0, src_c = 0, y0 = 0, ys = 1, x0 = 0, xs = 1;
  std::vector<std::pair<int64_t, int64_t>> trows, tcols;
  int64_t id_stride = 1, panel_taps = 0, kc = 0;
};

// A rectangle of a grid whose pixels all read inside the source for exactly the same taps, so no tap is ever
// computed on padding and no pointer needs a bounds check: rows [r0, r1) x cols [c0, c1), for every image.
struct Region {
  const Grid* grid;
  int64_t r0, r1, c0, c1;
  std::vector<int64_t> tap_off, tap_id;  // per tap: source offset from the window origin, kernel panel
  std::vector<KBlock> blocks;
  int64_t pixels, tiles, chunks;
};

// Runs of consecutive positions (rows or columns) that keep the same kernel taps inside [0, size).
struct Run { int64_t begin, end; std::vector<size_t> taps; };
std::vector<Run> tap_runs(int64_t count, int64_t origin, int64_t step, int64_t size,
                          const std::vector<std::pair<int64_t, int64_t>>& taps) {
  std::vector<Run> runs;
  for (int64_t q = 0; q < count; ++q) {
    std::vector<size_t> inside;
    for (size_t t = 0; t < taps.size(); ++t) {
      const int64_t at = origin + q * step + taps[t].first;
      if (at >= 0 && at < size) inside.push_back(t);
    }
    if (!runs.empty() && runs.back().taps == inside) runs.back().end = q + 1;
    else runs.push_back({q, q + 1, std::move(inside)});
  }
  return runs;
}

void add_regions(const Grid& g, int64_t padded_out, std::vector<Region>& out) {
  const std::vector<Run> rr = tap_runs(g.rows, g.y0, g.ys, g.src_h, g.trows);
  const std::vector<Run> cr = tap_runs(g.cols, g.x0, g.xs, g.src_w, g.tcols);
  for (const Run& a : rr)
    for (const Run& b : cr) {
      Region reg{&g, a.begin, a.end, b.begin, b.end, {}, {}, {}, 0, 0, 0};
      for (size_t i : a.taps)
        for (size_t j : b.taps) {
          reg.tap_off.push_back((g.trows[i].first * g.src_w + g.tcols[j].first) * g.src_c);
          reg.tap_id.push_back(g.trows[i].second * g.id_stride + g.tcols[j].second);
        }
      reg.blocks = k_blocks(static_cast<int64_t>(reg.tap_off.size()), g.kc, padded_out);
      reg.pixels = g.n * (a.end - a.begin) * (b.end - b.begin);
      out.push_back(std::move(reg));
    }
}

// Sweeps the micro-kernel over every region of the grids, in tasks of a few tiles (one parallel loop for all).
template <typename T>
void run_grids(const std::vector<Grid>& grids, const T* src, T* out, const ConvTiling& tl, const T* panels,
               const T* bias, bool relu) {
  const int64_t mr = tl.mr, nr = tl.nr;
  std::vector<Region> regions;
  for (const Grid& g : grids) add_regions(g, tl.ntiles * nr, regions);
  std::vector<int64_t> first_chunk;  // prefix sums: the tasks of region k start at first_chunk[k]
  int64_t chunks = 0, max_nt = 1;
  for (Region& reg : regions) {
    reg.tiles = (reg.pixels + mr - 1) / mr;
    reg.chunks = (reg.tiles + kChunkTiles - 1) / kChunkTiles;
    first_chunk.push_back(chunks);
    chunks += reg.chunks;
    for (const KBlock& kb : reg.blocks) max_nt = std::max(max_nt, kb.t1 - kb.t0);
  }
  const ConvMicroKernel ukr = tl.ukr->fn;
  parallel_for(0, chunks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<const void*> a(mr), b(max_nt);
    std::vector<int64_t> rel(max_nt);
    std::vector<void*> crow(mr);
    std::vector<T*> obase(mr);
    for (int64_t chunk = lo; chunk < hi; ++chunk) {
      const size_t k = std::upper_bound(first_chunk.begin(), first_chunk.end(), chunk) - first_chunk.begin() - 1;
      const Region& reg = regions[k];
      const Grid& g = *reg.grid;
      const int64_t rows = reg.r1 - reg.r0, cols = reg.c1 - reg.c0, C = g.src_c;
      const int64_t t0 = (chunk - first_chunk[k]) * kChunkTiles, t1 = std::min(reg.tiles, t0 + kChunkTiles);
      for (size_t bi = 0; bi < reg.blocks.size(); ++bi) {
        const KBlock& kb = reg.blocks[bi];
        const bool first = bi == 0, last = bi + 1 == reg.blocks.size();
        const int64_t nt = kb.t1 - kb.t0, kc = kb.c1 - kb.c0;
        // Pixel pointers address the block's first tap (inside the source for every pixel of the region, unlike the
        // window origin); the other taps are fixed offsets from it.
        const int64_t off0 = nt > 0 ? reg.tap_off[kb.t0] : 0;
        for (int64_t t = 0; t < nt; ++t) rel[t] = reg.tap_off[kb.t0 + t] - off0;
        for (int64_t tile = t0; tile < t1; ++tile) {
          const int64_t p0 = tile * mr, m = std::min(mr, reg.pixels - p0);
          // The tile's pixels, stepped from the first (rows past m repeat the last pixel; their results are dropped).
          int64_t n = p0 / (rows * cols), r = reg.r0 + (p0 / cols) % rows, c = reg.c0 + p0 % cols;
          int64_t sofs = 0;
          T* orow = nullptr;
          for (int64_t i = 0; i < mr; ++i) {
            if (i == 0 || c == reg.c0) {  // a new output row: both offsets from scratch, else one step along it
              sofs = ((n * g.src_h + g.y0 + r * g.ys) * g.src_w + g.x0 + c * g.xs) * C + kb.c0 + off0;
              orow = out + ((n * g.out_h + g.oy0 + r * g.oys) * g.out_w + g.ox0 + c * g.oxs) * g.out_c;
            }
            a[i] = nt > 0 ? src + sofs : src;
            obase[i] = orow;
            if (i + 1 < m) {
              if (++c == reg.c1) {
                c = reg.c0;
                if (++r == reg.r1) { r = reg.r0; ++n; }
              } else {
                sofs += g.xs * C;
                orow += g.oxs * g.out_c;
              }
            }
          }
          for (int64_t ot = 0; ot < tl.ntiles; ++ot) {
            for (int64_t t = 0; t < nt; ++t) b[t] = panels + ((ot * g.panel_taps + reg.tap_id[kb.t0 + t]) * g.kc + kb.c0) * nr;
            for (int64_t i = 0; i < mr; ++i) crow[i] = obase[i] + ot * nr;
            ukr(nt, kc, a.data(), rel.data(), b.data(), crow.data(), m, std::min(nr, g.out_c - ot * nr), !first,
                last && bias ? bias + ot * nr : nullptr, last && relu);
          }
        }
      }
    }
  });
}

template <typename T>
void forward_typed(T* y, const T* x, const T* w, const T* bias, const WindowGeometry& g, bool relu) {
  const int64_t C = g.c, O = g.oc, taps = g.kh * g.kw, K = taps * C;
  const ConvTiling tl = conv_tiling(sizeof(T) == 8 ? DType::Float64 : DType::Float32, O, false);
  const int64_t nr = tl.nr;
  // panels[tile][tap][c][nr] = w[tap][c][tile * nr + j], zero past O
  AlignedBuffer<T> panels(tl.ntiles * K * nr), bias_panels(tl.ntiles * nr);
  for (int64_t tile = 0; tile < tl.ntiles; ++tile) {
    const int64_t o0 = tile * nr, cols = std::min(nr, O - o0);
    for (int64_t k = 0; k < K; ++k) std::memcpy(panels.get() + (tile * K + k) * nr, w + k * O + o0, cols * sizeof(T));
    if (bias) std::memcpy(bias_panels.get() + tile * nr, bias + o0, cols * sizeof(T));
  }
  Grid gr;
  gr.n = g.n; gr.rows = g.oh; gr.cols = g.ow;
  gr.out_h = g.oh; gr.out_w = g.ow; gr.out_c = O;
  gr.src_h = g.h; gr.src_w = g.w; gr.src_c = C;
  gr.y0 = -g.pad_top; gr.ys = g.sh; gr.x0 = -g.pad_left; gr.xs = g.sw;
  for (int64_t kh = 0; kh < g.kh; ++kh) gr.trows.push_back({kh * g.dh, kh});
  if (C < kFewChannels && g.dw == 1) {  // taps are kernel rows of kw * c consecutive values
    const int64_t hp = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1, wp = (g.ow - 1) * g.sw + g.kw;
    gr.tcols.push_back({0, 0});
    gr.kc = g.kw * C;
    gr.panel_taps = g.kh;
    if (g.pad_top > 0 || g.pad_left > 0 || hp > g.h || wp > g.w) {
      // Kernel rows must not leave the input: copy groups of images zero-padded (a bounded buffer) and run each.
      const int64_t group = std::clamp<int64_t>(kPadGroupElems / (hp * wp * C), 1, g.n);
      std::vector<T> padded(static_cast<size_t>(group * hp * wp * C));
      gr.src_h = hp; gr.src_w = wp; gr.y0 = 0; gr.x0 = 0;
      for (int64_t n0 = 0; n0 < g.n; n0 += group) {
        gr.n = std::min(group, g.n - n0);
        std::fill(padded.begin(), padded.end(), T(0));
        for (int64_t n = 0; n < gr.n; ++n)
          for (int64_t ih = 0; ih < g.h; ++ih) {
            const int64_t r = ih + g.pad_top, cols = std::min(g.w, wp - g.pad_left);
            if (r < hp && cols > 0)
              std::copy(x + ((n0 + n) * g.h + ih) * g.w * C, x + (((n0 + n) * g.h + ih) * g.w + cols) * C,
                        padded.data() + ((n * hp + r) * wp + g.pad_left) * C);
          }
        run_grids(std::vector<Grid>{gr}, padded.data(), y + n0 * g.oh * g.ow * O, tl, panels.get(),
                  bias ? bias_panels.get() : nullptr, relu);
      }
      return;
    }
  } else {
    for (int64_t kw = 0; kw < g.kw; ++kw) gr.tcols.push_back({kw * g.dw, kw});
    gr.id_stride = g.kw;
    gr.kc = C;
    gr.panel_taps = taps;
  }
  run_grids(std::vector<Grid>{gr}, x, y, tl, panels.get(), bias ? bias_panels.get() : nullptr, relu);
}

// dx[ih, iw] sums dy[oh, ow] w[kh, kw]^T over the taps with ih = oh * sh - pad_top + kh * dh (and the same for
// columns). Which taps reach a pixel depends on its phase (ih mod sh, iw mod sw), so each phase is its own pass over
// the sub-grid of dx with that phase, where oh = r + (phase + pad - kh * dh) / sh is a plain shift per tap.
// Returns fn(dx, dy, count) for runs of images (see conv_backward_data_direct_images).
template <typename T> ConvImagesFn backward_data_typed(const T* w, const WindowGeometry& g) {
  const int64_t C = g.c, O = g.oc, taps = g.kh * g.kw;
  const ConvTiling tl = conv_tiling(sizeof(T) == 8 ? DType::Float64 : DType::Float32, C, false);
  const int64_t nr = tl.nr;
  // panels[tile][tap][o][nr] = w[tap][tile * nr + j][o], zero past C
  auto panels = std::make_shared<AlignedBuffer<T>>(tl.ntiles * taps * O * nr);
  for (int64_t tile = 0; tile < tl.ntiles; ++tile)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t j = 0; j < std::min(nr, C - tile * nr); ++j) {
        const T* src = w + (t * C + tile * nr + j) * O;
        T* dst = panels->get() + ((tile * taps + t) * O) * nr + j;
        for (int64_t o = 0; o < O; ++o) dst[o * nr] = src[o];
      }
  std::vector<Grid> grids;
  for (int64_t py = 0; py < std::min(g.sh, g.h); ++py)
    for (int64_t px = 0; px < std::min(g.sw, g.w); ++px) {
      Grid gr;
      gr.n = g.n; gr.rows = (g.h - py + g.sh - 1) / g.sh; gr.cols = (g.w - px + g.sw - 1) / g.sw;
      gr.out_h = g.h; gr.out_w = g.w; gr.out_c = C; gr.oy0 = py; gr.oys = g.sh; gr.ox0 = px; gr.oxs = g.sw;
      gr.src_h = g.oh; gr.src_w = g.ow; gr.src_c = gr.kc = O;
      for (int64_t kh = 0; kh < g.kh; ++kh) {
        const int64_t u = py + g.pad_top - kh * g.dh;
        if (floor_mod(u, g.sh) == 0) gr.trows.push_back({u / g.sh, kh});  // exact: u is a multiple of sh
      }
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t v = px + g.pad_left - kw * g.dw;
        if (floor_mod(v, g.sw) == 0) gr.tcols.push_back({v / g.sw, kw});
      }
      gr.id_stride = g.kw;
      gr.panel_taps = taps;
      grids.push_back(std::move(gr));
    }
  return [=](void* dx, const void* dy, int64_t count) {
    std::vector<Grid> run = grids;
    for (Grid& gr : run) gr.n = count;
    run_grids(run, static_cast<const T*>(dy), static_cast<T*>(dx), tl, panels->get(), static_cast<const T*>(nullptr),
              false);
  };
}

}  // namespace

void conv_forward_direct(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, const WindowGeometry& g,
                         bool relu) {
  if (x.dtype() == DType::Float64)
    forward_typed(y.data<double>(), x.data<double>(), w.data<double>(), b.defined() ? b.data<double>() : nullptr, g, relu);
  else
    forward_typed(y.data<float>(), x.data<float>(), w.data<float>(), b.defined() ? b.data<float>() : nullptr, g, relu);
}

ConvImagesFn conv_backward_data_direct_images(const Tensor& w, const WindowGeometry& g) {
  if (w.dtype() == DType::Float64) return backward_data_typed(w.data<double>(), g);
  return backward_data_typed(w.data<float>(), g);
}

void conv_backward_data_direct(const Tensor& dx, const Tensor& dy, const Tensor& w, const WindowGeometry& g) {
  conv_backward_data_direct_images(w, g)(dx.raw_data(), dy.raw_data(), g.n);
}

}  // namespace cpu
}  // namespace pydl

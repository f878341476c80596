// The numbers of one Philox block, shared by the CPU and CUDA kernels so a seed gives the same tensor on both
// devices. A block (one philox4x32 call, 128 random bits) yields several values when they need fewer bits: element
// i of a draw lives in block counter + i / P, lane i % P, with P = values_per_block(kind, sizeof(T)).
#pragma once
#include <cmath>
#include <cstdint>
#include "core/dispatch.h"
#include "core/philox.h"

namespace pydl {

PYDL_HD int values_per_block(RandomKind kind, int elem_size) {
  if (kind == RandomKind::Integer) return 2;  // 64 bits each
  if (kind == RandomKind::Uniform) return elem_size == 4 ? 4 : 2;  // 24 or 53 bits each
  return elem_size == 4 ? 2 : 1;  // Box-Muller takes two uniforms per value
}

// Writes values_per_block(kind, sizeof(T)) values of `kind` drawn from block `block`.
template <typename T>
PYDL_HD void draw_block(T* out, RandomKind kind, double a, double b, uint64_t seed, uint64_t block) {
  const Philox4 r = philox4x32(block, seed);
  if (kind == RandomKind::Integer) {
    const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(b) - static_cast<int64_t>(a));
    for (int l = 0; l < 2; ++l) {
      const uint64_t bits = (static_cast<uint64_t>(r.v[2 * l]) << 32) | r.v[2 * l + 1];
      out[l] = static_cast<T>(static_cast<int64_t>(a) + static_cast<int64_t>(bits % range));
    }
    return;
  }
  constexpr bool f32 = sizeof(T) == 4;
  if (kind == RandomKind::Uniform) {
    const int p = f32 ? 4 : 2;
    for (int l = 0; l < p; ++l) {
      const double u = f32 ? u01f(r.v[l]) : u01d(r.v[2 * l], r.v[2 * l + 1]);
      const T v = static_cast<T>(a + (b - a) * u);
      out[l] = v < static_cast<T>(b) ? v : static_cast<T>(a);  // rounding must not reach `high`
    }
    return;
  }
  // Box-Muller in double; 1 - u1 lies in (0, 1], so the log is finite.
  const int p = f32 ? 2 : 1;
  for (int l = 0; l < p; ++l) {
    const double u1 = f32 ? u01f(r.v[2 * l]) : u01d(r.v[0], r.v[1]);
    const double u2 = f32 ? u01f(r.v[2 * l + 1]) : u01d(r.v[2], r.v[3]);
    const double z = ::sqrt(-2.0 * ::log(1.0 - u1)) * ::cos(6.283185307179586 * u2);
    out[l] = static_cast<T>(a + b * z);
  }
}

}  // namespace pydl

namespace pydl {

// Dropout keeps element i when its 16-bit draw (block counter + i / 8, half-word i % 8) is at least `threshold`
// = round(rate * 65536): rates resolve to 1/65536, and one Philox block serves eight elements.
constexpr int kDropoutPerBlock = 8;
PYDL_HD uint32_t dropout_threshold(double rate) { return static_cast<uint32_t>(rate * 65536.0 + 0.5); }
PYDL_HD void dropout_keep_block(bool* keep, uint32_t threshold, uint64_t seed, uint64_t block) {
  const Philox4 r = philox4x32(block, seed);
  for (int l = 0; l < 4; ++l) {
    keep[2 * l] = (r.v[l] & 0xFFFFu) >= threshold;
    keep[2 * l + 1] = (r.v[l] >> 16) >= threshold;
  }
}

}  // namespace pydl

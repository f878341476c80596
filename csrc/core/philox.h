// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator. Element i of a draw uses counter base+i, so the
// numbers depend only on (seed, position), never on how the work is split across threads or devices.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define PYDL_HD __host__ __device__ __forceinline__
#else
#define PYDL_HD inline
#endif

namespace pydl {

struct Philox4 { uint32_t v[4]; };

PYDL_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

PYDL_HD Philox4 philox4x32(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo32(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = mulhilo32(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1) from 24 (float) or 53 (double) random bits.
PYDL_HD float u01f(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
PYDL_HD double u01d(uint32_t a, uint32_t b) {
  uint64_t x = (static_cast<uint64_t>(a) << 21) ^ (b >> 11);
  return static_cast<double>(x & ((uint64_t(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// The process-wide generator: a seed and the next unused counter. Each draw reserves a block of counters.
struct RngState { uint64_t seed; uint64_t counter; };
void manual_seed(uint64_t seed);
RngState rng_reserve(uint64_t n);  // returns the state for n elements and advances the counter
uint64_t initial_seed();

}  // namespace pydl

#include "core/cpu_features.h"
#include <cpuid.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pydl {

namespace {

// cpuid and xgetbv directly rather than __builtin_cpu_supports: that builtin needs the compiler runtime's CPU model
// (libgcc's or compiler-rt's), and some toolchains (Zig's, used for the manylinux wheels) leave it all zeros, which
// would silently pin every wheel to the generic kernels.
bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

uint64_t os_saved_state() {  // XCR0: which register files the OS saves on a context switch
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

Isa detect() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Generic;
  const bool fma = bit(c, 12), avx = bit(c, 28), osxsave = bit(c, 27);
  if (!(fma && avx && osxsave)) return Isa::Generic;
  const uint64_t xcr0 = os_saved_state();
  if ((xcr0 & 0x6) != 0x6) return Isa::Generic;  // XMM and YMM state
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::Generic;
  if (!bit(b, 5)) return Isa::Generic;  // AVX2
  const bool avx512 = bit(b, 16) && bit(b, 17) && bit(b, 30) && bit(b, 31);  // F, DQ, BW, VL
  if (avx512 && (xcr0 & 0xE0) == 0xE0) return Isa::AVX512;  // opmask and both halves of the ZMM state
  return Isa::AVX2;
}

}  // namespace

Isa best_supported_isa() {
  static const Isa best = detect();
  return best;
}

Isa active_isa() {
  static const Isa active = [] {
    Isa best = best_supported_isa();
    const char* env = std::getenv("PYDL_SIMD");
    if (!env || !*env) return best;
    Isa want = best;
    if (!std::strcmp(env, "generic")) want = Isa::Generic;
    else if (!std::strcmp(env, "avx2")) want = Isa::AVX2;
    else if (!std::strcmp(env, "avx512")) want = Isa::AVX512;
    else std::fprintf(stderr, "pydl: ignoring PYDL_SIMD=%s (expected generic, avx2 or avx512)\n", env);
    if (static_cast<int>(want) > static_cast<int>(best)) {
      std::fprintf(stderr, "pydl: PYDL_SIMD=%s is not supported by this CPU; using %s\n", env, isa_name(best));
      return best;
    }
    return want;
  }();
  return active;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::AVX512: return "avx512";
    case Isa::AVX2: return "avx2";
    default: return "generic";
  }
}

std::vector<std::string> supported_isa_names() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(best_supported_isa()); ++i) out.push_back(isa_name(static_cast<Isa>(i)));
  return out;
}

}  // namespace pydl

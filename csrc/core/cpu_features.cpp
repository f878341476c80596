#include "core/cpu_features.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pydl {

Isa best_supported_isa() {
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
      return Isa::AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::AVX2;
    return Isa::Generic;
  }();
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

// Which SIMD level the CPU kernels use: the best the CPU (and OS) supports, lowered by PYDL_SIMD.
#pragma once
#include <string>
#include <vector>

namespace pydl {

enum class Isa : int { Generic = 0, AVX2 = 1, AVX512 = 2 };
constexpr int kNumIsas = 3;

Isa best_supported_isa();       // from cpuid (includes the OS check on the wide registers)
Isa active_isa();               // the one in use: min(best, PYDL_SIMD)
const char* isa_name(Isa isa);
std::vector<std::string> supported_isa_names();

// A kernel table filled by the active level's fill function (each compiled with that level's flags).
template <typename Table>
Table table_for_active_isa(void (*generic)(Table&), void (*avx2)(Table&), void (*avx512)(Table&)) {
  Table t;
  switch (active_isa()) {
    case Isa::AVX512: avx512(t); break;
    case Isa::AVX2: avx2(t); break;
    default: generic(t); break;
  }
  return t;
}

}  // namespace pydl

// The optimizer rules the fused update kernels know. Plain data only: the per-ISA update loops (compiled with AVX
// flags) include it, so it must stay free of inline functions the linker could share with the generic path.
#pragma once

namespace pydl {

enum class OptimKind : int { SGD, Adagrad, Adadelta, RMSprop, Adam, Nadam };

}  // namespace pydl

// Registration hooks of the CPU kernel families (one per file), called by register_kernels (register.cpp).
#pragma once
#include "core/dispatch.h"

namespace pydl {
namespace cpu {
void register_elementwise(KernelTable& t);
void register_reduce(KernelTable& t);
void register_reduce_columns(KernelTable& t);  // reduce_columns.cpp
void register_gemm(KernelTable& t);
void register_index(KernelTable& t);
void register_random(KernelTable& t);
void register_optim(KernelTable& t);
void register_loss(KernelTable& t);
void register_dropout(KernelTable& t);
void register_conv(KernelTable& t);  // conv.cpp
void register_pool(KernelTable& t);  // pool.cpp
void register_embedding(KernelTable& t);  // embedding.cpp
void register_recurrent(KernelTable& t);  // recurrent.cpp
void register_word2vec(KernelTable& t);  // word2vec.cpp
}  // namespace cpu
}  // namespace pydl

#include "cpu/isa_table.h"
#include "cpu/kernels.h"

namespace pydl {
namespace cpu {

const IsaKernels& isa_kernels() {
  static const IsaKernels table = table_for_active_isa(fill_isa_generic, fill_isa_avx2, fill_isa_avx512);
  return table;
}

void register_kernels(KernelTable& t) {
  register_elementwise(t);
  register_reduce(t);
  register_gemm(t);
  register_index(t);
  register_random(t);
  register_optim(t);
  register_loss(t);
  register_conv(t);
  register_pool(t);
  register_dropout(t);
  register_embedding(t);
  register_recurrent(t);
  register_word2vec(t);
}

}  // namespace cpu
}  // namespace pydl

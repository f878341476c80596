#include "cpu/isa_kernels.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {

namespace {
// A level's whole table, from the parts its translation units fill.
void fill_generic(IsaKernels& k) {
  fill_elementwise_gemm_generic(k);
  fill_conv_generic(k.conv, k.pool);
  fill_optim_generic(k.optim);
  fill_rnn_generic(k.rnn);
}
void fill_avx2(IsaKernels& k) {
  fill_elementwise_gemm_avx2(k);
  fill_conv_avx2(k.conv, k.pool);
  fill_optim_avx2(k.optim);
  fill_rnn_avx2(k.rnn);
}
void fill_avx512(IsaKernels& k) {
  fill_elementwise_gemm_avx512(k);
  fill_conv_avx512(k.conv, k.pool);
  fill_optim_avx512(k.optim);
  fill_rnn_avx512(k.rnn);
}
}  // namespace

const IsaKernels& isa_kernels() {
  static const IsaKernels table = table_for_active_isa(fill_generic, fill_avx2, fill_avx512);
  return table;
}

void register_kernels(KernelTable& t) {
  register_elementwise(t);
  register_reduce(t);
  register_reduce_columns(t);
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

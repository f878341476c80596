// The AVX-512F build of the convolution micro-kernel (compile flags set in CMakeLists.txt).
#include "cpu/conv_isa.h"

namespace {
#include "cpu/kernels/conv_ukr.h"
#include "cpu/kernels/pool_ukr.h"
}  // namespace

namespace pydl {
namespace cpu {

// Register budget: MR x NV accumulators + NV kernel vectors + one broadcast must fit the vector registers
// (32 here), and MR row pointers the general-purpose ones.
void fill_conv_avx512(ConvKernels& k, PoolKernels& pool) {
  k.lanes[0] = 16;
  k.lanes[1] = 8;
  k.max_nv = 4;
  fill_conv_row<float, 16, 12, 12, 8, 6>(k.ukr[0], k.max_nv);
  fill_conv_row<double, 8, 12, 12, 8, 6>(k.ukr[1], k.max_nv);
  pool.max_pool[0] = max_pool_run<float, 16>;
  pool.max_pool[1] = max_pool_run<double, 8>;
  k.col_sum[0] = col_sum<float, 16>;
  k.col_sum[1] = col_sum<double, 8>;
  k.relu_mask[0] = relu_mask<float, 16>;
  k.relu_mask[1] = relu_mask<double, 8>;
}

}  // namespace cpu
}  // namespace pydl

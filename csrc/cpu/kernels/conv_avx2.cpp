// The AVX2 + FMA build of the convolution micro-kernel (compile flags set in CMakeLists.txt).
#include "cpu/conv_isa.h"

namespace {
#include "cpu/kernels/conv_ukr.h"
#include "cpu/kernels/pool_ukr.h"
}  // namespace

namespace pydl {
namespace cpu {

// Register budget: MR x NV accumulators + NV kernel vectors + one broadcast must fit the vector registers
// (16 here), and MR row pointers the general-purpose ones.
void fill_conv_avx2(ConvKernels& k, PoolKernels& pool) {
  k.lanes[0] = 8;
  k.lanes[1] = 4;
  k.max_nv = 2;
  fill_conv_row<float, 8, 8, 6, 1, 1>(k.ukr[0], k.max_nv);
  fill_conv_row<double, 4, 8, 6, 1, 1>(k.ukr[1], k.max_nv);
  pool.max_pool[0] = max_pool_run<float, 8>;
  pool.max_pool[1] = max_pool_run<double, 4>;
  k.col_sum[0] = col_sum<float, 8>;
  k.col_sum[1] = col_sum<double, 4>;
  k.relu_mask[0] = relu_mask<float, 8>;
  k.relu_mask[1] = relu_mask<double, 4>;
}

}  // namespace cpu
}  // namespace pydl

// The generic build of the recurrent gate loops (compile flags set in CMakeLists.txt by the file name).
#include <cstdint>
#include <type_traits>
#include "core/dispatch.h"
#include "cpu/recurrent_isa.h"

namespace {
constexpr int kLanesF32 = 4;
#include "core/elementwise_math.h"
#include "cpu/kernels/vec_math.h"
#include "cpu/kernels/recurrent_loops.h"
}  // namespace

namespace pydl {
namespace cpu {

void fill_rnn_generic(RnnKernels& k) {
  k.forward[0] = rnn_forward_rows<float>;
  k.forward[1] = rnn_forward_rows<double>;
  k.backward[0] = rnn_backward_rows<float>;
  k.backward[1] = rnn_backward_rows<double>;
}

}  // namespace cpu
}  // namespace pydl

// What one fused optimizer update needs (the KernelTable's optim_update slot): a kernel-facing type, so it lives in
// core with WindowGeometry and RnnStep, not in the op layer.
#pragma once
#include "core/optim_kind.h"
#include "core/tensor.h"

namespace pydl {

// One update of `param` from `grad`. Scalars are computed in double by the caller and cast to the parameter's
// dtype once, so a NumPy reference doing the same float32 array arithmetic matches bit for bit.
//   SGD      slot0 velocity (only when beta1 = momentum > 0)
//   Adagrad  slot0 accumulator                  Adadelta slot0 accumulator, slot1 delta accumulator
//   RMSprop  slot0 accumulator (beta1 = rho)    Adam     slot0 m, slot1 v, slot2 vhat (amsgrad)
//   Nadam    slot0 m, slot1 v; c1 = 1 - m_schedule_new, c2 = 1 - m_schedule_next, c3 = 1 - beta_2^t,
//            c4 = 1 - momentum_cache_t, c5 = momentum_cache_t+1
// Adam's lr is already bias-corrected. clipnorm > 0 rescales the gradient to that L2 norm when it is larger;
// clipvalue > 0 then clamps each element to [-clipvalue, clipvalue].
struct OptimStep {
  OptimKind kind = OptimKind::SGD;
  Tensor param, grad, slot0, slot1, slot2;
  double lr = 0.01, beta1 = 0, beta2 = 0, eps = 1e-7;
  double c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
  bool nesterov = false, amsgrad = false;
  double clipnorm = 0, clipvalue = 0;
};

}  // namespace pydl

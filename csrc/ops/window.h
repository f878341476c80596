// Sliding-window shape rules shared by convolution and pooling (Keras / TensorFlow semantics).
#pragma once
#include <algorithm>
#include <cstdint>
#include "ops/ops.h"

namespace pydl {
namespace ops {

struct WindowDim {
  int64_t out = 0;         // output length; < 1 when a 'valid' window does not fit
  int64_t pad_before = 0;  // implicit zeros before the input (any excess of 'same' padding goes after, like TF)
};

// One spatial dim: input length, window k, stride s, dilation d.
inline WindowDim window_dim(int64_t in, int64_t k, int64_t s, int64_t d, Padding p) {
  const int64_t span = d * (k - 1) + 1;  // the dilated window
  switch (p) {
    case Padding::Same: {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((out - 1) * s + span - in, 0);
      return {out, total / 2};
    }
    case Padding::Causal: return {(in - 1) / s + 1, span - 1};
    case Padding::Valid:
    default: return {in >= span ? (in - span) / s + 1 : 0, 0};
  }
}

inline const char* padding_name(Padding p) {
  return p == Padding::Same ? "same" : p == Padding::Causal ? "causal" : "valid";
}

}  // namespace ops
}  // namespace pydl

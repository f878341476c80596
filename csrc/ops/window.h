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

// One spatial dim: input length, window k, stride s, dilation d (all >= 1 but `in`, which is >= 0). Computed in
// 128 bits; throws ValueError naming `op` when the padded input a kernel indexes ((out - 1) * s + span) would not
// fit in int64, so no kernel index can overflow.
inline WindowDim window_dim(int64_t in, int64_t k, int64_t s, int64_t d, Padding p, const char* op = "window") {
  using I = __int128;
  const I span = I(d) * (k - 1) + 1;  // the dilated window
  I out = 0, before = 0;
  switch (p) {
    case Padding::Same:
      out = (I(in) + s - 1) / s;
      before = std::max<I>((out - 1) * s + span - in, 0) / 2;
      break;
    case Padding::Causal: out = in >= 1 ? (I(in) - 1) / s + 1 : 0; before = span - 1; break;
    case Padding::Valid:
    default: out = in >= span ? (in - span) / s + 1 : 0; break;
  }
  const I reach = out >= 1 ? (out - 1) * s + span : span;
  PYDL_CHECK(reach <= INT64_MAX && before <= INT64_MAX, ValueError, op, ": a window of ", k, " with dilation ", d,
             " and stride ", s, " over a length of ", in, " is too large (its indices overflow 64 bits)");
  return {static_cast<int64_t>(out), static_cast<int64_t>(before)};
}

// Keras's deconv_output_length: the length of a transposed convolution's output along one dim (output_padding < 0
// means None). In 128 bits; the caller checks that it fits int64 (and that its forward convolution gives `in` back).
inline __int128 transpose_output_length(int64_t in, int64_t k, int64_t s, int64_t d, Padding p, int64_t output_padding) {
  using I = __int128;
  const I span = I(d) * (k - 1) + 1;
  if (output_padding < 0) return p == Padding::Valid ? I(in) * s + std::max<I>(span - s, 0) : I(in) * s;
  return I(in - 1) * s + span - 2 * (p == Padding::Same ? span / 2 : 0) + output_padding;
}

// Does a window over (rows, cols) give an output? A 'valid' window needs at least one position in each dim;
// 'same' and 'causal' have one output per stride of input, so only a zero-length input gives a zero-length output
// (TensorFlow/Keras: an empty result, not an error).
inline bool window_fits(const WindowDim& rows, const WindowDim& cols, Padding p) {
  return p != Padding::Valid || (rows.out >= 1 && cols.out >= 1);
}

inline const char* padding_name(Padding p) {
  return p == Padding::Same ? "same" : p == Padding::Causal ? "causal" : "valid";
}

}  // namespace ops
}  // namespace pydl

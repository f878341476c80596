// Validation of the word2vec training op: every check names what it received, so the kernel can trust its input.
#include "ops/word2vec.h"

#include <cmath>
#include "core/dispatch.h"
#include "core/errors.h"

namespace pydl {
namespace ops {

namespace {
void check_array(const Tensor& t, const char* name, DType dtype, int64_t dim) {
  PYDL_CHECK(t.device().type == DeviceType::CPU, DeviceError, "word2vec: ", name, " must be on the CPU, got ",
             t.device().str());
  PYDL_CHECK(t.dtype() == dtype, DTypeError, "word2vec: ", name, " must be ", dtype_name(dtype), ", got ",
             dtype_name(t.dtype()));
  PYDL_CHECK(t.dim() == dim, ShapeError, "word2vec: ", name, " must be ", dim, "-D, got shape ",
             shape_str(t.shape()));
  PYDL_CHECK(t.is_contiguous(), ValueError, "word2vec: ", name, " must be contiguous");
}
}  // namespace

int64_t word2vec_train(const Tensor& syn0, const Tensor& syn1neg, const Tensor& ids, const Tensor& offsets,
                       const Tensor& counts, Word2VecJob p) {
  check_array(syn0, "syn0", DType::Float32, 2);
  check_array(syn1neg, "syn1neg", DType::Float32, 2);
  check_array(ids, "ids", DType::Int32, 1);
  check_array(offsets, "offsets", DType::Int64, 1);
  check_array(counts, "counts", DType::Int64, 1);
  check_writable(syn0, "word2vec (syn0)");
  check_writable(syn1neg, "word2vec (syn1neg)");
  PYDL_CHECK(syn0.shape() == syn1neg.shape(), ShapeError, "word2vec: syn0 ", shape_str(syn0.shape()),
             " and syn1neg ", shape_str(syn1neg.shape()), " must have the same shape");
  const int64_t vocab = syn0.shape()[0], dim = syn0.shape()[1];
  PYDL_CHECK(vocab >= 1 && vocab <= INT32_MAX && dim >= 1, ShapeError,
             "word2vec: the vectors must be (vocab, dim) with 1 <= vocab < 2**31 and dim >= 1, got ",
             shape_str(syn0.shape()));
  PYDL_CHECK(counts.shape()[0] == vocab, ShapeError, "word2vec: counts has ", counts.shape()[0],
             " entries for a vocabulary of ", vocab);
  PYDL_CHECK(p.window >= 1, ValueError, "word2vec: window must be >= 1, got ", p.window);
  PYDL_CHECK(p.negative >= 1, ValueError, "word2vec: negative must be >= 1 (only negative sampling is implemented), got ",
             p.negative);
  // Each epoch's chunks of ~10k words get their own random stream, numbered in 32 bits: keep the count in range.
  PYDL_CHECK(p.epochs >= 0 && p.epochs <= (int64_t(1) << 20), ValueError,
             "word2vec: epochs must be in [0, 2**20], got ", p.epochs);
  // two neighbouring chunks hold more than ~10k words between them, so there are at most numel / 5000 + 1
  PYDL_CHECK(ids.numel() / 5000 + 1 <= (int64_t(1) << 32) / (p.epochs + 1), ValueError,
             "word2vec: ", ids.numel(), " words over ", p.epochs, " epochs is more than the 2**32 random streams "
             "allow; train in several calls");
  PYDL_CHECK(p.workers >= 1 && p.workers <= 1024, ValueError, "word2vec: workers must be in [1, 1024], got ", p.workers);
  PYDL_CHECK(std::isfinite(p.sample) && p.sample >= 0, ValueError, "word2vec: sample must be >= 0, got ", p.sample);
  PYDL_CHECK(std::isfinite(p.ns_exponent), ValueError, "word2vec: ns_exponent must be finite, got ", p.ns_exponent);
  PYDL_CHECK(std::isfinite(p.alpha) && p.alpha > 0, ValueError, "word2vec: alpha must be > 0, got ", p.alpha);
  PYDL_CHECK(std::isfinite(p.min_alpha) && p.min_alpha >= 0 && p.min_alpha <= p.alpha, ValueError,
             "word2vec: min_alpha must be in [0, alpha=", p.alpha, "], got ", p.min_alpha);

  const int64_t* c = counts.data<int64_t>();
  int64_t positive = 0;
  for (int64_t w = 0; w < vocab; ++w) {
    PYDL_CHECK(c[w] >= 0, ValueError, "word2vec: counts[", w, "] is negative (", c[w], ")");
    positive += c[w] > 0;
  }
  PYDL_CHECK(positive > 0, ValueError, "word2vec: every count is 0 (nothing to draw negative samples from)");

  const int64_t n_ids = ids.shape()[0], n_off = offsets.shape()[0];
  PYDL_CHECK(n_off >= 1, ShapeError, "word2vec: offsets must have at least one entry (0)");
  const int64_t* off = offsets.data<int64_t>();
  PYDL_CHECK(off[0] == 0, ValueError, "word2vec: offsets[0] must be 0, got ", off[0]);
  for (int64_t s = 1; s < n_off; ++s)
    PYDL_CHECK(off[s] >= off[s - 1], ValueError, "word2vec: offsets must be non-decreasing, but offsets[", s, "] = ",
               off[s], " < offsets[", s - 1, "] = ", off[s - 1]);
  PYDL_CHECK(off[n_off - 1] == n_ids, ValueError, "word2vec: the last offset must be len(ids) = ", n_ids, ", got ",
             off[n_off - 1]);
  const int32_t* id = ids.data<int32_t>();
  for (int64_t i = 0; i < n_ids; ++i)
    PYDL_CHECK(id[i] >= 0 && id[i] < vocab, IndexError, "word2vec: ids[", i, "] = ", id[i],
               " is out of range for a vocabulary of ", vocab);

  p.syn0 = syn0.data<float>();
  p.syn1neg = syn1neg.data<float>();
  p.vocab = vocab;
  p.dim = dim;
  p.ids = id;
  p.n_ids = n_ids;
  p.offsets = off;
  p.n_sentences = n_off - 1;
  p.counts = c;
  PYDL_KERNEL(word2vec_train, syn0.device(), "word2vec_train")(p);
  return p.effective_words;
}

}  // namespace ops
}  // namespace pydl

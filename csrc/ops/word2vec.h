// The word2vec training op: checks the corpus and the matrices, then runs the registered trainer.
#pragma once
#include "core/tensor.h"
#include "core/word2vec.h"

namespace pydl {
namespace ops {

// Trains syn0 and syn1neg ((vocab, dim) contiguous float32 CPU tensors) in place on the corpus `ids` (int32, 1-D),
// cut into sentences by `offsets` (int64, n_sentences + 1 entries, from 0 to len(ids), non-decreasing), with
// `counts` (int64, (vocab,)) the word frequencies. The hyperparameters come from `params` (its pointer fields are
// ignored). Returns the number of words trained on after subsampling, over all epochs.
int64_t word2vec_train(const Tensor& syn0, const Tensor& syn1neg, const Tensor& ids, const Tensor& offsets,
                       const Tensor& counts, Word2VecJob params);

}  // namespace ops
}  // namespace pydl

// What the word2vec trainer needs: plain pointers into arrays the op layer (ops/word2vec.cpp) has checked, and the
// hyperparameters. The CPU kernel (cpu/word2vec.cpp) trains syn0/syn1neg in place.
#pragma once
#include <cstdint>

namespace pydl {

struct Word2VecJob {
  float* syn0 = nullptr;     // (vocab, dim) input ("word") vectors, updated in place
  float* syn1neg = nullptr;  // (vocab, dim) output vectors of negative sampling, updated in place
  int64_t vocab = 0, dim = 0;
  const int32_t* ids = nullptr;  // the corpus: word ids in [0, vocab)
  int64_t n_ids = 0;
  const int64_t* offsets = nullptr;  // sentence s is ids[offsets[s], offsets[s + 1]); offsets[0] = 0, last = n_ids
  int64_t n_sentences = 0;
  const int64_t* counts = nullptr;  // (vocab,) corpus frequency: subsampling and the unigram^ns_exponent table
  bool skip_gram = true;
  bool cbow_mean = true;  // CBOW: average the context vectors (else sum them)
  int64_t window = 5, negative = 5, epochs = 5, workers = 1;
  double sample = 1e-3, ns_exponent = 0.75, alpha = 0.025, min_alpha = 1e-4;
  uint64_t seed = 1;
  // filled by the kernel: words trained on (after subsampling), summed over epochs
  int64_t effective_words = 0;
};

}  // namespace pydl

// CPU word2vec trainer (Mikolov et al. 2013): skip-gram or CBOW with negative sampling, frequent-word subsampling,
// a reduced window drawn per word and a learning rate decaying linearly with the words processed.
//
// The corpus is cut into chunks of whole sentences (pieces of at most kChunkWords of longer ones) of about
// kChunkWords words; `workers` std::threads take (epoch, chunk) tasks in order from an atomic counter and update the
// shared matrices without locks (Hogwild, as word2vec.c and gensim do). The threads live for one call only, so a
// forked child never inherits them. Each task draws its random numbers from its own Philox stream (key = seed,
// counter = task << 32), so the draws do not depend on which thread runs the task: with one worker the result is
// bit-identical for a seed; with several, the order of the racing updates (and the learning rate a task reads)
// varies from run to run.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#include "core/philox.h"
#include "core/word2vec.h"
#include "cpu/register.h"

namespace pydl {
namespace cpu {
namespace {

constexpr int64_t kChunkWords = 10000;  // words per task (gensim's job size; word2vec.c's alpha update period)
constexpr float kMaxExp = 6.0f;         // word2vec.c's clamp: sigmoid is taken as 0 or 1 beyond +-6
constexpr uint64_t kOne = uint64_t(1) << 32;  // probability 1 as a threshold on a uniform uint32

// The random numbers of one task: Philox blocks at counters (task << 32) + 0, 1, 2, ...
class Stream {
 public:
  Stream(uint64_t seed, uint64_t task) : key_(seed), ctr_(task << 32) {}
  uint32_t next() {
    if (left_ == 0) {
      const Philox4 r = philox4x32(ctr_++, key_);
      for (int k = 0; k < 4; ++k) buf_[k] = r.v[k];
      left_ = 4;
    }
    return buf_[--left_];
  }
  uint32_t below(uint64_t n) { return static_cast<uint32_t>((uint64_t(next()) * n) >> 32); }  // in [0, n)

 private:
  uint64_t key_, ctr_;
  uint32_t buf_[4] = {0, 0, 0, 0};
  int left_ = 0;
};

// Walker's alias table over counts^power: a draw is two uniforms and one comparison, whatever the vocabulary size.
struct AliasTable {
  std::vector<uint64_t> keep;  // take slot i when a uniform uint32 < keep[i], else alias[i]
  std::vector<int32_t> alias;

  AliasTable(const int64_t* counts, int64_t n, double power) : keep(n, kOne), alias(n) {
    std::vector<double> p(n);
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += p[i] = counts[i] > 0 ? std::pow(double(counts[i]), power) : 0.0;
    std::vector<int32_t> small, large;
    for (int64_t i = 0; i < n; ++i) {
      p[i] = p[i] * n / total;
      alias[i] = static_cast<int32_t>(i);
      (p[i] < 1.0 ? small : large).push_back(static_cast<int32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const int32_t s = small.back(), l = large.back();
      small.pop_back();
      keep[s] = static_cast<uint64_t>(p[s] * double(kOne));
      alias[s] = l;
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Whatever is left holds probability 1 up to rounding (keep = kOne, alias = itself).
  }
  int32_t draw(Stream& rng) const {
    const uint32_t i = rng.below(keep.size());
    return rng.next() < keep[i] ? static_cast<int32_t>(i) : alias[i];
  }
};

// Plain loops that g++ -O3 vectorizes: 16 independent partial sums (four SSE or two AVX registers) for the dot.
inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += a[i + k] * b[i + k];
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int k = 0; k < 16; ++k) s += acc[k];
  return s;
}
inline void axpy(float a, const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}
inline float sigmoid(float f) {
  return f >= kMaxExp ? 1.0f : f <= -kMaxExp ? 0.0f : 1.0f / (1.0f + std::exp(-f));
}

class Trainer {
 public:
  explicit Trainer(Word2VecJob& job) : job_(job), negatives_(job.counts, job.vocab, job.ns_exponent) {
    plan_chunks();
    subsample_thresholds();
  }

  void run() {
    const int64_t nthreads = std::max<int64_t>(1, std::min<int64_t>(job_.workers, n_tasks()));
    std::vector<std::thread> threads;
    for (int64_t t = 1; t < nthreads; ++t) threads.emplace_back([this] { guarded_worker(); });
    guarded_worker();
    for (auto& th : threads) th.join();
    if (error_) std::rethrow_exception(error_);
    job_.effective_words = effective_.load();
  }

 private:
  int64_t n_tasks() const { return job_.epochs * int64_t(chunk_first_.size() - 1); }

  // Pieces: sentences, the long ones cut every kChunkWords words. Chunks: consecutive pieces up to kChunkWords.
  void plan_chunks() {
    chunk_first_.push_back(0);
    int64_t in_chunk = 0;
    for (int64_t s = 0; s < job_.n_sentences; ++s) {
      for (int64_t b = job_.offsets[s]; b < job_.offsets[s + 1]; b += kChunkWords) {
        const int64_t e = std::min(b + kChunkWords, job_.offsets[s + 1]);
        if (in_chunk > 0 && in_chunk + (e - b) > kChunkWords) {
          chunk_first_.push_back(int64_t(piece_begin_.size()));
          in_chunk = 0;
        }
        piece_begin_.push_back(b);
        piece_end_.push_back(e);
        in_chunk += e - b;
      }
    }
    if (in_chunk > 0) chunk_first_.push_back(int64_t(piece_begin_.size()));
  }

  // gensim's rule: keep a word of count c with probability (sqrt(c / t) + 1) * t / c, t = sample * corpus words.
  void subsample_thresholds() {
    keep_.assign(job_.vocab, kOne);
    if (job_.sample <= 0) return;
    double total = 0;
    for (int64_t w = 0; w < job_.vocab; ++w) total += double(job_.counts[w]);
    const double t = job_.sample * total;
    for (int64_t w = 0; w < job_.vocab; ++w) {
      const double c = double(job_.counts[w]);
      if (c <= 0) continue;
      const double p = (std::sqrt(c / t) + 1.0) * t / c;
      if (p < 1.0) keep_[w] = static_cast<uint64_t>(p * double(kOne));
    }
  }

  void guarded_worker() {
    try {
      worker();
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mu_);
      if (!error_) error_ = std::current_exception();
      next_task_.store(n_tasks());  // the others stop after their current task
    }
  }

  void worker() {
    const int64_t dim = job_.dim, n_chunks = int64_t(chunk_first_.size() - 1);
    std::vector<float> neu1(dim), neu1e(dim);
    std::vector<int32_t> kept(kChunkWords);
    const double total_words = double(job_.epochs) * double(job_.n_ids);
    for (;;) {
      const int64_t task = next_task_.fetch_add(1);
      if (task >= n_tasks()) return;
      const int64_t chunk = task % n_chunks;
      const double progress = double(words_done_.load(std::memory_order_relaxed)) / total_words;
      const float alpha = static_cast<float>(
          std::max(job_.min_alpha, job_.alpha - (job_.alpha - job_.min_alpha) * progress));
      Stream rng(job_.seed, static_cast<uint64_t>(task));
      int64_t raw = 0, eff = 0;
      for (int64_t p = chunk_first_[chunk]; p < chunk_first_[chunk + 1]; ++p) {
        int64_t n = 0;
        for (int64_t i = piece_begin_[p]; i < piece_end_[p]; ++i) {
          const int32_t w = job_.ids[i];
          if (keep_[w] == kOne || rng.next() < keep_[w]) kept[n++] = w;
        }
        raw += piece_end_[p] - piece_begin_[p];
        eff += n;
        train_piece(kept.data(), n, alpha, rng, neu1.data(), neu1e.data());
      }
      words_done_.fetch_add(raw, std::memory_order_relaxed);
      effective_.fetch_add(eff, std::memory_order_relaxed);
    }
  }

  void train_piece(const int32_t* sent, int64_t n, float alpha, Stream& rng, float* neu1, float* neu1e) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t span = job_.window - int64_t(rng.below(uint64_t(job_.window)));  // in [1, window]
      const int64_t lo = std::max<int64_t>(0, i - span), hi = std::min(n, i + span + 1);
      if (job_.skip_gram) {
        for (int64_t j = lo; j < hi; ++j)
          if (j != i) sg_pair(sent[i], sent[j], alpha, rng, neu1e);
      } else {
        cbow(sent, i, lo, hi, alpha, rng, neu1, neu1e);
      }
    }
  }

  // One target and `negative` noise words against the hidden vector h; accumulates h's gradient into neu1e.
  void negative_sampling(int32_t word, const float* h, float alpha, Stream& rng, float* neu1e) {
    const int64_t dim = job_.dim;
    for (int64_t d = 0; d <= job_.negative; ++d) {
      int32_t target = word;
      float label = 1.0f;
      if (d > 0) {
        target = negatives_.draw(rng);
        if (target == word) continue;
        label = 0.0f;
      }
      float* l2 = job_.syn1neg + int64_t(target) * dim;
      const float g = (label - sigmoid(dot(h, l2, dim))) * alpha;
      axpy(g, l2, neu1e, dim);
      axpy(g, h, l2, dim);
    }
  }

  // Skip-gram: the context word's vector predicts the centre word (word2vec.c's orientation).
  void sg_pair(int32_t word, int32_t context, float alpha, Stream& rng, float* neu1e) {
    float* l1 = job_.syn0 + int64_t(context) * job_.dim;
    std::fill(neu1e, neu1e + job_.dim, 0.0f);
    negative_sampling(word, l1, alpha, rng, neu1e);
    axpy(1.0f, neu1e, l1, job_.dim);
  }

  // CBOW: the mean (or sum) of the context vectors predicts the centre word; every context vector gets the error.
  void cbow(const int32_t* sent, int64_t i, int64_t lo, int64_t hi, float alpha, Stream& rng, float* neu1,
            float* neu1e) {
    const int64_t dim = job_.dim;
    if (hi - lo <= 1) return;  // no context
    std::fill(neu1, neu1 + dim, 0.0f);
    std::fill(neu1e, neu1e + dim, 0.0f);
    for (int64_t j = lo; j < hi; ++j)
      if (j != i) axpy(1.0f, job_.syn0 + int64_t(sent[j]) * dim, neu1, dim);
    const float inv = 1.0f / float(hi - lo - 1);
    if (job_.cbow_mean)
      for (int64_t k = 0; k < dim; ++k) neu1[k] *= inv;
    negative_sampling(sent[i], neu1, alpha, rng, neu1e);
    if (!job_.cbow_mean)  // gensim: the error of a summed window is shared out
      for (int64_t k = 0; k < dim; ++k) neu1e[k] *= inv;
    for (int64_t j = lo; j < hi; ++j)
      if (j != i) axpy(1.0f, neu1e, job_.syn0 + int64_t(sent[j]) * dim, dim);
  }

  Word2VecJob& job_;
  AliasTable negatives_;
  std::vector<uint64_t> keep_;
  std::vector<int64_t> piece_begin_, piece_end_, chunk_first_;
  std::atomic<int64_t> next_task_{0}, words_done_{0}, effective_{0};
  std::mutex error_mu_;
  std::exception_ptr error_;
};

void word2vec_train_kernel(Word2VecJob& job) {
  job.effective_words = 0;
  if (job.epochs <= 0 || job.n_ids == 0) return;
  Trainer(job).run();
}

}  // namespace

void register_word2vec(KernelTable& t) { t.word2vec_train = word2vec_train_kernel; }

}  // namespace cpu
}  // namespace pydl

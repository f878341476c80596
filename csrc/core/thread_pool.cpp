#include "core/thread_pool.h"
#include <pthread.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#include "core/errors.h"

namespace pydl {
namespace {

thread_local bool t_inside_pool = false;

// Wake-ups through a condition variable cost tens of microseconds, as much as the small kernels of a training
// step: so an idle worker first spins on the task generation for a while (kSpin) before it sleeps, and the caller
// spins on the pending count before it sleeps. Back-to-back ops then hand work over in well under a microsecond.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until done() or kSpin has passed; true when done() held.
template <typename F> bool spin_until(F&& done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (done()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return false;
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 0; i + 1 < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return size_; }
  std::mutex& busy() { return busy_; }

  // Runs task(i) for i in [0, ntasks) on the workers and the calling thread; rethrows the first error.
  void run(int64_t ntasks, const std::function<void(int64_t)>& task) {
    bool wake;
    {
      std::lock_guard<std::mutex> lk(mu_);
      task_ = &task;
      ntasks_ = ntasks;
      next_.store(0);
      pending_.store(ntasks);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
      wake = sleepers_ > 0;
    }
    if (wake) cv_.notify_all();
    work();
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [this] { return pending_.load() == 0; });
    }
    std::lock_guard<std::mutex> lk(mu_);
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    t_inside_pool = true;
    for (;;) {
      int64_t i = next_.fetch_add(1);
      if (i >= ntasks_) break;
      try {
        (*task_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);  // the caller checks pending_ under mu_ before it sleeps
        done_cv_.notify_all();
      }
    }
    t_inside_pool = false;
  }
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lk(mu_);
        ++sleepers_;
        cv_.wait(lk, [&] { return stop_.load() || (generation_.load() != seen && task_ != nullptr); });
        --sleepers_;
        if (stop_.load()) return;
        seen = generation_.load();
      }
      work();
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mu_, busy_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t)>* task_ = nullptr;  // written under mu_
  int64_t ntasks_ = 0;
  int sleepers_ = 0;                                     // workers blocked in cv_ (under mu_)
  std::atomic<int64_t> next_{0}, pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

// The pool is shared: a thread running a parallel_for keeps the pool it started on alive while another thread,
// after set_num_threads, replaces it; the last user of the old pool destroys it (its workers are idle by then).
// Never destroyed at exit: joining workers from a static destructor could wait on a daemon thread's kernel.
std::mutex g_pool_mu;
std::shared_ptr<ThreadPool>& g_pool = *new std::shared_ptr<ThreadPool>();
int g_num_threads = 0;

int default_threads() {
  if (const char* e = std::getenv("PYDL_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

// A fork waits until no thread holds g_pool_mu (held only briefly) and releases it on both sides. In the child the
// workers do not exist: the parent's pool is forgotten (leaked, never joined); the next use builds a new one.
void before_fork() { g_pool_mu.lock(); }
void after_fork_parent() { g_pool_mu.unlock(); }
void after_fork_child() {
  new (&g_pool) std::shared_ptr<ThreadPool>();  // overwrite without destroying: leaks the parent's pool
  g_pool_mu.unlock();
  t_inside_pool = false;
}
const bool g_atfork = (pthread_atfork(before_fork, after_fork_parent, after_fork_child), true);

std::shared_ptr<ThreadPool> pool() {
  std::lock_guard<std::mutex> lk(g_pool_mu);
  if (g_num_threads == 0) g_num_threads = default_threads();
  if (!g_pool || g_pool->size() != g_num_threads) g_pool = std::make_shared<ThreadPool>(g_num_threads);
  return g_pool;
}

}  // namespace

void set_num_threads(int n) {
  PYDL_CHECK(n >= 1, ValueError, "set_num_threads: expected a positive thread count, got ", n);
  std::lock_guard<std::mutex> lk(g_pool_mu);
  g_num_threads = n;
}

int get_num_threads() {
  std::lock_guard<std::mutex> lk(g_pool_mu);
  if (g_num_threads == 0) g_num_threads = default_threads();
  return g_num_threads;
}

void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  int64_t n = end - begin;
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int threads = get_num_threads();
  int64_t pieces = std::min<int64_t>(threads, (n + grain - 1) / grain);
  if (pieces <= 1 || t_inside_pool) {
    f(begin, end);
    return;
  }
  const std::shared_ptr<ThreadPool> p = pool();  // declared before `busy`, so it outlives the lock
  std::unique_lock<std::mutex> busy(p->busy(), std::try_to_lock);
  if (!busy.owns_lock()) {  // another Python thread is using the pool: do the work here
    f(begin, end);
    return;
  }
  int64_t step = (n + pieces - 1) / pieces;
  p->run(pieces, [&](int64_t i) {
    int64_t lo = begin + i * step, hi = std::min(end, lo + step);
    if (lo < hi) f(lo, hi);
  });
}

}  // namespace pydl

#include <pthread.h>
#include <mutex>
#include <random>
#include "core/philox.h"

namespace pydl {
namespace {
std::mutex g_mu;
RngState g_state{0x5eed5eedULL, 0};
bool g_seeded = false;
// A fork waits until no thread holds g_mu and releases it on both sides: a child must not inherit it locked.
const bool g_atfork = (pthread_atfork([] { g_mu.lock(); }, [] { g_mu.unlock(); }, [] { g_mu.unlock(); }), true);
void ensure_seeded() {
  if (!g_seeded) {  // unseeded runs differ from each other, like NumPy's default_rng()
    g_state.seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    g_seeded = true;
  }
}
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lk(g_mu);
  g_state = RngState{seed, 0};
  g_seeded = true;
}

uint64_t initial_seed() {
  std::lock_guard<std::mutex> lk(g_mu);
  ensure_seeded();
  return g_state.seed;
}

RngState rng_reserve(uint64_t n) {
  std::lock_guard<std::mutex> lk(g_mu);
  ensure_seeded();
  RngState s = g_state;
  g_state.counter += n;
  return s;
}

}  // namespace pydl

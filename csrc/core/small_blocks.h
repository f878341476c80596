// A per-thread cache of small 64-byte-aligned blocks (under 64 KiB), by power-of-two class. A training step frees
// and allocates the same few small sizes every batch; aligned_alloc takes glibc's memalign path for each (no
// per-thread fast path, and a consolidating free), which costs more than the kernel of a tiny op. Bounded: at most
// kPerClass blocks per class and thread (about 2 MiB per thread). A block freed on another thread than the one that
// allocated it simply joins that thread's cache. Used by the CPU allocator only (storage.cpp); off under ASan.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang's spelling of GCC's __SANITIZE_ADDRESS__
#define PYDL_HAS_ASAN 1
#endif
#endif
#ifndef PYDL_HAS_ASAN
#define PYDL_HAS_ASAN 0
#endif

namespace pydl {

class SmallBlocks {
 public:
  static constexpr size_t kMin = 64, kClasses = 10;  // 64 B ... 32 KiB; callers send larger sizes elsewhere
  static constexpr int kPerClass = 32;

  ~SmallBlocks() {
    dead() = true;  // blocks freed during thread teardown after this go straight to free()
    for (size_t c = 0; c < kClasses; ++c)
      for (int i = 0; i < count_[c]; ++i) std::free(blocks_[c][i]);
  }

  void* take(size_t nbytes) {
    const size_t c = size_class(nbytes);
    if (c < kClasses && count_[c] > 0) return blocks_[c][--count_[c]];
    return fresh(c < kClasses ? kMin << c : nbytes);
  }
  void give(void* p, size_t nbytes) {
    const size_t c = size_class(nbytes);
    if (c < kClasses && count_[c] < kPerClass) {
      blocks_[c][count_[c]++] = p;
      return;
    }
    std::free(p);
  }

  // A new 64-byte-aligned block of at least nbytes (aligned_alloc wants a multiple of the alignment, and 0 is none).
  static void* fresh(size_t nbytes) {
    void* p = std::aligned_alloc(64, nbytes == 0 ? 64 : (nbytes + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return p;
  }

  static bool& dead() {
#if defined(__SANITIZE_ADDRESS__) || PYDL_HAS_ASAN
    static thread_local bool d = true;  // under ASan every block is really freed, so a use after free is reported
#else
    static thread_local bool d = false;
#endif  // trivially destructible: readable for the whole life of the thread
    return d;
  }

 private:
  static size_t size_class(size_t nbytes) {
    size_t c = 0;
    while ((kMin << c) < nbytes && c < kClasses) ++c;
    return c;
  }
  void* blocks_[kClasses][kPerClass];
  int count_[kClasses] = {};
};

inline SmallBlocks& small_cache() {
  static thread_local SmallBlocks cache;
  return cache;
}

// Through the calling thread's cache; once that is destroyed (thread teardown), plain aligned_alloc/free.
inline void* small_block_take(size_t nbytes) {
  return SmallBlocks::dead() ? SmallBlocks::fresh(nbytes) : small_cache().take(nbytes);
}
inline void small_block_give(void* p, size_t nbytes) {
  if (SmallBlocks::dead()) return std::free(p);
  small_cache().give(p, nbytes);
}

}  // namespace pydl

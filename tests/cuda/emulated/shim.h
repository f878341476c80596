// Host emulation of the CUDA features pydl's kernels use, so their logic can be checked on a machine without a
// GPU: blocks run one at a time, each CUDA thread is a std::thread, __syncthreads is a block barrier, and warp
// shuffles exchange values through per-warp slots between two warp barriers (a shuffle that some lane of a warp
// skips deadlocks, which the test's timeout reports). __shared__ becomes static: one block at a time.
#pragma once
#include <barrier>
#include <cmath>
#include <math.h>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>
#include <type_traits>
#include <limits>
#include <algorithm>
#include <cstdio>
#include <cstdlib>

struct dim3 { unsigned x = 1, y = 1, z = 1; dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {} };
struct uint3_ { unsigned x = 0, y = 0, z = 0; };
inline thread_local uint3_ threadIdx;
inline thread_local uint3_ blockIdx;
inline dim3 blockDim, gridDim;
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

inline std::barrier<>* g_block_barrier = nullptr;
inline std::vector<std::unique_ptr<std::barrier<>>> g_warp_barriers;
inline uint64_t g_slots[64][32];
inline void __syncthreads() { g_block_barrier->arrive_and_wait(); }

template <typename T> T shfl_impl(T v, int src_lane_fn(int lane, int arg, int width), int arg, int width) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  uint64_t bits = 0;
  static_assert(sizeof(T) <= 8);
  std::memcpy(&bits, &v, sizeof(T));
  g_slots[warp][lane] = bits;
  g_warp_barriers[warp]->arrive_and_wait();
  int src = src_lane_fn(lane, arg, width);
  T r = v;
  if (src >= 0) { uint64_t b = g_slots[warp][src]; std::memcpy(&r, &b, sizeof(T)); }
  g_warp_barriers[warp]->arrive_and_wait();
  return r;
}
inline int down_src(int lane, int off, int width) {
  int base = lane / width * width;
  int s = lane - base + off;
  return s < width ? base + s : -1;
}
inline int xor_src(int lane, int mask, int width) {
  int base = lane / width * width;
  int s = (lane - base) ^ mask;
  return s < width ? base + s : -1;
}
template <typename T> T __shfl_down_sync(unsigned, T v, int off, int width = 32) { return shfl_impl(v, down_src, off, width); }
template <typename T> T __shfl_xor_sync(unsigned, T v, int m, int width = 32) { return shfl_impl(v, xor_src, m, width); }

// Runs body() for every thread of every block of grid (1-D blocks), one block at a time.
template <typename F> void emulate(dim3 grid, dim3 block, F&& body) {
  gridDim = grid; blockDim = block;
  const int threads = block.x;
  std::barrier<> bar(threads);
  g_block_barrier = &bar;
  g_warp_barriers.clear();
  for (int w = 0; w < (threads + 31) / 32; ++w) g_warp_barriers.emplace_back(new std::barrier<>(std::min(32, threads - w * 32)));
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
          ts.emplace_back([&, t] { threadIdx.x = t; blockIdx.x = x; blockIdx.y = y; blockIdx.z = z; body(); });
        for (auto& th : ts) th.join();
      }
}

// The project's thread count and a chunked parallel loop over OpenMP.
//
// Every parallel routine takes an explicit thread count; 0 means the process default, which is the
// ZKLORA_THREADS environment variable if set, else the number of hardware threads. Benchmarks pass 1 and 2
// explicitly to report the speed-up ratio in one run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>

namespace zklora {

// The default number of threads (>= 1).
int default_threads();

// Overrides the default for the rest of the process (n >= 1; 0 restores the environment's value).
void set_default_threads(int n);

// n <= 0 -> default_threads(); otherwise n.
inline int resolve_threads(int n) { return n > 0 ? n : default_threads(); }

// Splits [0, n) into `chunks` contiguous ranges of near-equal size (the first n % chunks get one more).
struct ChunkRange {
  size_t begin;
  size_t end;
};
inline ChunkRange chunk_range(size_t n, size_t chunks, size_t index) {
  const size_t base = n / chunks, extra = n % chunks;
  const size_t begin = index * base + std::min(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

// Calls f(begin, end, chunk) for `chunks` contiguous ranges covering [0, n), on up to `threads` threads.
// Chunks run in parallel, each exactly once. If f throws, the remaining chunks still run (and may throw too)
// and the first exception is rethrown on the calling thread: nothing escapes a parallel region.
template <class F>
void parallel_chunks(size_t n, size_t chunks, int threads, F&& f) {
  if (chunks == 0) return;
  const int t = resolve_threads(threads);
  if (t == 1 || chunks == 1) {
    for (size_t c = 0; c < chunks; ++c) {
      const ChunkRange r = chunk_range(n, chunks, c);
      f(r.begin, r.end, c);
    }
    return;
  }
  std::exception_ptr first;
  std::mutex mu;
#pragma omp parallel for num_threads(t) schedule(dynamic, 1)
  for (size_t c = 0; c < chunks; ++c) {
    const ChunkRange r = chunk_range(n, chunks, c);
    try {
      f(r.begin, r.end, c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

// Grain for loops whose iterations each cost about `work` elementary operations: ~2^15 operations per block.
inline size_t grain_for(size_t work) { return std::max<size_t>(1, (size_t{1} << 15) / std::max<size_t>(work, 1)); }

// Calls f(i) for every i in [0, n) on up to `threads` threads, in contiguous blocks of at least `grain`
// indices: small loops run on the calling thread, where waking the pool would cost more than the work.
template <class F>
void parallel_for(size_t n, int threads, F&& f, size_t grain = 1) {
  const int t = resolve_threads(threads);
  const size_t chunks = std::min<size_t>(n / std::max<size_t>(grain, 1), static_cast<size_t>(t) * 4);
  if (chunks <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  parallel_chunks(n, chunks, t, [&](size_t b, size_t e, size_t) {
    for (size_t i = b; i < e; ++i) f(i);
  });
}

}  // namespace zklora

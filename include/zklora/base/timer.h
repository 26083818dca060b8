// Wall-clock timing and peak memory, for reports and benchmarks.
#pragma once

#include <chrono>

namespace zklora {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Peak resident set size of this process so far, in MiB.
double peak_rss_mb();

}  // namespace zklora

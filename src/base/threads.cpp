#include "zklora/base/threads.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

namespace zklora {
namespace {

int environment_threads() {
  if (const char* s = std::getenv("ZKLORA_THREADS")) {
    try {
      const int n = std::stoi(s);
      if (n >= 1) return n;
    } catch (const std::exception&) {
      // Not a number: fall back to the hardware count, as if unset.
    }
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

std::atomic<int> g_override{0};

}  // namespace

int default_threads() {
  const int o = g_override.load(std::memory_order_relaxed);
  if (o > 0) return o;
  static const int env = environment_threads();
  return env;
}

void set_default_threads(int n) { g_override.store(n > 0 ? n : 0, std::memory_order_relaxed); }

}  // namespace zklora

// The allocation policy (memory.h).
#include "zklora/base/memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace zklora {

void retain_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // -1: never trim (mallopt(3)); INT_MAX would still trim a free top past 2 GB
}

unsigned long long available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  unsigned long long kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

}  // namespace zklora

// The allocation policy (memory.h).
#include "zklora/base/memory.h"

#include <malloc.h>

namespace zklora {

void retain_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // -1: never trim (mallopt(3)); INT_MAX would still trim a free top past 2 GB
}

}  // namespace zklora

// The allocation policy (memory.h).
#include "zklora/base/memory.h"

#include <malloc.h>

#include <climits>

namespace zklora {

void retain_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

}  // namespace zklora

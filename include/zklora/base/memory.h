// The process's allocation policy for the prover's large, short-lived tables.
#pragma once

namespace zklora {

// A proof allocates and frees tables of tens to hundreds of MB per sub-protocol (the range argument's leaves, the
// sumchecks' tables). glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh mapping
// and unmaps it on free, so the kernel zeroes each page again on first touch: on one llama-2-7b-shaped layer a
// quarter of the prover's time went to page faults. This makes malloc take every block from its heap and keep
// what is freed there for the next allocation (M_MMAP_MAX = 0, M_TRIM_THRESHOLD = -1: never trimmed; a threshold of
// INT_MAX still gave back a free top past 2 GB after each 7b-layer proof, and the next proof faulted it in again,
// 2 to 3 s), at no cost in peak memory on those proofs (the freed blocks are reused, not added). glibc falls back
// to a mapping if the heap cannot grow. Call once at the start of the program, before any thread is started.
void retain_freed_memory();

// The memory the system can give without swapping (MemAvailable of /proc/meminfo), in bytes; 0 when unknown.
unsigned long long available_memory_bytes();

}  // namespace zklora

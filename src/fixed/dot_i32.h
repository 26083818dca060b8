// Private to the fixed layer: exact int32 dot products accumulated in int64, with AVX-512 and AVX2 versions
// chosen at run time (vpmuldq on the even and the odd lanes), four output columns per pass over the input row.
// The caller guarantees that every partial sum fits in int64.
#pragma once

#include <cstdint>

namespace zklora::detail {

// out[c] = sum_t a[t] * b[c][t] for c = 0..3.
void dot4_i32(const int32_t* a, const int32_t* const b[4], int64_t k, int64_t out[4]);
int64_t dot_i32(const int32_t* a, const int32_t* b, int64_t k);

}  // namespace zklora::detail

#include "dot_i32.h"

// GCC 12 reports its own AVX-512 intrinsics (_mm512_undefined_epi32 inside them) as (maybe) uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

namespace zklora::detail {
namespace {

void dot4_scalar(const int32_t* a, const int32_t* const b[4], int64_t k, int64_t out[4]) {
  int64_t s[4] = {0, 0, 0, 0};
  for (int64_t t = 0; t < k; ++t) {
    const int64_t x = a[t];
    for (int c = 0; c < 4; ++c) s[c] += x * b[c][t];
  }
  for (int c = 0; c < 4; ++c) out[c] = s[c];
}

__attribute__((target("avx2"))) int64_t hsum256(__m256i v) {
  const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
  const __m128i s = _mm_add_epi64(lo, hi);
  return _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
}

__attribute__((target("avx2"))) void dot4_avx2(const int32_t* a, const int32_t* const b[4], int64_t k,
                                               int64_t out[4]) {
  __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  int64_t t = 0;
  for (; t + 8 <= k; t += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + t));
    const __m256i x_odd = _mm256_srli_epi64(x, 32);
    for (int c = 0; c < 4; ++c) {
      const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[c] + t));
      acc[c] = _mm256_add_epi64(acc[c], _mm256_mul_epi32(x, y));
      acc[c] = _mm256_add_epi64(acc[c], _mm256_mul_epi32(x_odd, _mm256_srli_epi64(y, 32)));
    }
  }
  for (int c = 0; c < 4; ++c) {
    int64_t s = hsum256(acc[c]);
    for (int64_t u = t; u < k; ++u) s += static_cast<int64_t>(a[u]) * b[c][u];
    out[c] = s;
  }
}

__attribute__((target("avx512f"))) void dot4_avx512(const int32_t* a, const int32_t* const b[4], int64_t k,
                                                    int64_t out[4]) {
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  int64_t t = 0;
  for (; t + 16 <= k; t += 16) {
    const __m512i x = _mm512_loadu_si512(a + t);
    const __m512i x_odd = _mm512_srli_epi64(x, 32);
    for (int c = 0; c < 4; ++c) {
      const __m512i y = _mm512_loadu_si512(b[c] + t);
      acc[c] = _mm512_add_epi64(acc[c], _mm512_mul_epi32(x, y));
      acc[c] = _mm512_add_epi64(acc[c], _mm512_mul_epi32(x_odd, _mm512_srli_epi64(y, 32)));
    }
  }
  for (int c = 0; c < 4; ++c) {
    int64_t s = _mm512_reduce_add_epi64(acc[c]);
    for (int64_t u = t; u < k; ++u) s += static_cast<int64_t>(a[u]) * b[c][u];
    out[c] = s;
  }
}

using Dot4 = void (*)(const int32_t*, const int32_t* const*, int64_t, int64_t*);

Dot4 choose() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return dot4_avx512;
  if (__builtin_cpu_supports("avx2")) return dot4_avx2;
  return dot4_scalar;
}

const Dot4 kDot4 = choose();

}  // namespace

void dot4_i32(const int32_t* a, const int32_t* const b[4], int64_t k, int64_t out[4]) { kDot4(a, b, k, out); }

int64_t dot_i32(const int32_t* a, const int32_t* b, int64_t k) {
  const int32_t* bs[4] = {b, b, b, b};
  int64_t out[4];
  kDot4(a, bs, k, out);
  return out[0];
}

}  // namespace zklora::detail

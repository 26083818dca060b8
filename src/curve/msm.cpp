#include "zklora/curve/msm.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "zklora/base/threads.h"

namespace zklora {
namespace {

// Below this many points a sum of single scalar multiplications beats Pippenger's bucket set-up, and blst's
// Pippenger needs at least two points.
constexpr size_t kNaiveBelow = 8;
// Each thread's chunk gets at least this many points, else fewer threads are used.
constexpr size_t kMinChunk = 1024;

// The number of Pippenger passes (tiles) over the points for nbits-bit scalars and window w: ceil(nbits / w),
// plus the carry-only tile that blst's Booth recoding adds when w divides nbits; both are nbits / w + 1.
size_t tile_count(size_t nbits, size_t w) { return nbits / w + 1; }

// Window for n points and nbits-bit scalars: minimizes passes * (n + 2^w), the bucket additions plus the
// bucket integration of every pass. blst's own choice depends on n alone, which wastes a pass (or a whole
// bucket table) on short scalars: with 16-bit scalars one 17-bit window covers everything in a single pass.
size_t choose_window(size_t n, size_t nbits) {
  constexpr size_t kMaxWindow = 18;  // 2^17 buckets of 192 bytes: 25 MB per thread
  size_t best = 1;
  double best_cost = 1e300;
  for (size_t w = 2; w <= kMaxWindow; ++w) {
    const double cost = static_cast<double>(tile_count(nbits, w)) * (static_cast<double>(n) + std::ldexp(1.0, static_cast<int>(w)));
    if (cost < best_cost) best_cost = cost, best = w;
  }
  return best;
}

// Pippenger over contiguous points and contiguous little-endian scalars of nbytes = ceil(nbits / 8) bytes
// each, driven tile by tile through blst_p1s_tile_pippenger so that the window fits the scalar length.
// Tiles run from the top bits down: acc = (acc + tile) * 2^w, then the last tile at bit 0.
G1 pippenger(const G1Affine* points, const uint8_t* scalars, size_t n, size_t nbits) {
  G1 acc;
  if (n == 0) return acc;
  const size_t nbytes = (nbits + 7) / 8;
  if (n < kNaiveBelow) {
    for (size_t i = 0; i < n; ++i) {
      G1 term;
      blst_p1_mult(&term.raw(), &G1::from_affine(points[i]).raw(), scalars + i * nbytes, nbits);
      acc += term;
    }
    return acc;
  }
  const size_t window = choose_window(n, nbits);
  // Buckets in blst's XYZZ form (four Fp coordinates), zeroed here and re-zeroed by blst after each tile.
  std::vector<limb_t> buckets(4 * sizeof(blst_fp) / sizeof(limb_t) << (window - 1), 0);
  const blst_p1_affine* pts[2] = {&points[0].p, nullptr};  // null second entry: contiguous array
  const byte* scs[2] = {scalars, nullptr};
  size_t bit0 = nbits;
  size_t wbits = nbits % window;  // the top tile holds the bits above the last multiple of the window
  G1 tile;
  while ((bit0 -= wbits) != 0) {
    blst_p1s_tile_pippenger(&tile.raw(), pts, n, scs, nbits, buckets.data(), bit0, window);
    acc = (acc + tile).mul_pow2(static_cast<unsigned>(window));
    wbits = window;
  }
  blst_p1s_tile_pippenger(&tile.raw(), pts, n, scs, nbits, buckets.data(), 0, window);
  return acc + tile;
}

// Splits the MSM into chunks across threads and sums the partial results.
G1 pippenger_parallel(const G1Affine* points, const uint8_t* scalars, size_t n, size_t nbits, int threads) {
  const int t = resolve_threads(threads);
  const size_t chunks = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(t), n / kMinChunk));
  const size_t nbytes = (nbits + 7) / 8;
  std::vector<G1> partial(chunks);
  parallel_chunks(n, chunks, t, [&](size_t begin, size_t end, size_t c) {
    partial[c] = pippenger(points + begin, scalars + begin * nbytes, end - begin, nbits);
  });
  G1 acc;
  for (const G1& p : partial) acc += p;
  return acc;
}

void check_sizes(size_t points, size_t scalars) {
  if (points != scalars) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "msm: " + std::to_string(points) + " points but " +
                                                   std::to_string(scalars) + " scalars");
  }
}

template <class Int>
G1 msm_small_impl(std::span<const G1Affine> points, std::span<const Int> values, unsigned bits, int threads,
                  const G1* points_sum) {
  check_sizes(points.size(), values.size());
  if (bits < 1 || bits > 64) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "msm_small: bit width " + std::to_string(bits) + " not in [1, 64]");
  }
  const size_t n = values.size();
  if (n == 0) return G1();
  const i128 half = i128{1} << (bits - 1);
  std::atomic<bool> in_range{true}, negative{false};
  parallel_for(n, threads, [&](size_t i) {
    const i128 v = values[i];
    if (v < -half || v >= half) in_range.store(false, std::memory_order_relaxed);
    if (v < 0) negative.store(true, std::memory_order_relaxed);
  }, grain_for(4));
  if (!in_range.load()) {
    throw ZkError(ErrorCode::OUT_OF_RANGE,
                  "msm_small: a value lies outside the signed " + std::to_string(bits) + "-bit range");
  }
  // Without negative values the scalars are the values, of bits - 1 bits (zero ones skipped by Pippenger);
  // otherwise shifted by 2^(bits-1) into [0, 2^bits).
  const bool shift = negative.load();
  const unsigned nbits = shift ? bits : bits - 1;
  if (nbits == 0) return G1();  // every value is zero
  const size_t nbytes = (nbits + 7) / 8;
  std::vector<uint8_t> encoded(n * nbytes);
  parallel_for(n, threads, [&](size_t i) {
    const uint64_t u = static_cast<uint64_t>(shift ? static_cast<i128>(values[i]) + half : static_cast<i128>(values[i]));
    for (size_t j = 0; j < nbytes; ++j) encoded[i * nbytes + j] = static_cast<uint8_t>(u >> (8 * j));
  }, grain_for(4));
  const G1 unshifted = pippenger_parallel(points.data(), encoded.data(), n, nbits, threads);
  if (!shift) return unshifted;
  G1 sum;
  if (points_sum != nullptr) {
    sum = *points_sum;
  } else {
    const blst_p1_affine* ptrs[2] = {&points[0].p, nullptr};
    blst_p1s_add(&sum.raw(), ptrs, n);
  }
  return unshifted - sum.mul_pow2(bits - 1);
}

}  // namespace

G1 msm(std::span<const G1Affine> points, std::span<const Fr> scalars, int threads) {
  check_sizes(points.size(), scalars.size());
  const size_t n = scalars.size();
  std::vector<uint8_t> encoded(n * Fr::kBytes);
  parallel_for(n, threads, [&](size_t i) {
    blst_scalar s;
    blst_scalar_from_fr(&s, &scalars[i].raw());
    std::copy(s.b, s.b + Fr::kBytes, encoded.begin() + static_cast<ptrdiff_t>(i * Fr::kBytes));
  });
  return pippenger_parallel(points.data(), encoded.data(), n, Fr::kBits, threads);
}

G1 msm_small(std::span<const G1Affine> points, std::span<const int64_t> values, unsigned bits, int threads,
             const G1* points_sum) {
  return msm_small_impl(points, values, bits, threads, points_sum);
}

G1 msm_small(std::span<const G1Affine> points, std::span<const int32_t> values, unsigned bits, int threads,
             const G1* points_sum) {
  return msm_small_impl(points, values, bits, threads, points_sum);
}

unsigned signed_bit_width(std::span<const int64_t> values) {
  unsigned bits = 1;
  for (const int64_t v : values) {
    // v fits in b bits iff -2^(b-1) <= v < 2^(b-1); for v >= 0 that needs bit_width(v) + 1 bits, for v < 0
    // bit_width(~v) + 1 bits (~v = -v - 1).
    const uint64_t m = v < 0 ? ~static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    const unsigned need = static_cast<unsigned>(64 - std::countl_zero(m)) + 1;
    bits = std::max(bits, need);
  }
  return std::min(bits, 64u);
}

}  // namespace zklora

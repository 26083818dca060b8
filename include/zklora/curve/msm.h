// Multi-scalar multiplication sum_i s_i * P_i over G1.
//
// blst's Pippenger is single threaded; msm() splits the points into contiguous chunks, runs Pippenger on each
// chunk on its own thread and adds the partial results.
//
// msm_small() is the short-scalar path for committed tensors of small signed integers: values v_i in
// [-2^(b-1), 2^(b-1)) are shifted to u_i = v_i + 2^(b-1) in [0, 2^b), Pippenger runs on b-bit scalars instead
// of 255-bit ones, and the shift is removed with the precomputed sum of the points:
//   sum_i v_i P_i = sum_i u_i P_i - 2^(b-1) * sum_i P_i.
// When no value is negative (limbs, remainders, multiplicities, zero padding) there is no shift: Pippenger runs
// on the values themselves, b - 1 bits, and skips the zero ones (padding costs nothing).
// A value outside the declared range is a caller error (ZkError OUT_OF_RANGE), never a silently wrong result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"

namespace zklora {

// sum_i scalars[i] * points[i]; the spans must have equal length. threads = 0: default.
G1 msm(std::span<const G1Affine> points, std::span<const Fr> scalars, int threads = 0);

// sum_i values[i] * points[i] for values in [-2^(bits-1), 2^(bits-1)), 1 <= bits <= 64.
// points_sum, if given, must be sum_i points[i] (GeneratorSet::sum()); otherwise it is computed.
G1 msm_small(std::span<const G1Affine> points, std::span<const int64_t> values, unsigned bits, int threads = 0,
             const G1* points_sum = nullptr);
G1 msm_small(std::span<const G1Affine> points, std::span<const int32_t> values, unsigned bits, int threads = 0,
             const G1* points_sum = nullptr);

// The smallest b such that every value lies in [-2^(b-1), 2^(b-1)) (at least 1).
unsigned signed_bit_width(std::span<const int64_t> values);

}  // namespace zklora

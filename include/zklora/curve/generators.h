// Public generators for Pedersen and Hyrax commitments, derived so that nobody knows a discrete logarithm
// between any two of them (transparent setup, DESIGN.md section 2).
//
//   G_i = hash_to_g1("g" || le64(i))   for i = 0, 1, 2, ...   (vector generators)
//   H   = hash_to_g1("h")                                      (blinding generator)
// with hash_to_g1 = RFC 9380 BLS12381G1_XMD:SHA-256_SSWU_RO_ under the domain-separation tag kGeneratorDst.
// The messages differ in length or first byte, so H is none of the G_i. A set of n generators is the prefix
// G_0..G_{n-1}: every size agrees with every other on the indices they share.
//
// generators(n) is cached for the process: the points are derived once (in parallel) and each size's set,
// with the sum of its points (used by the short-scalar MSM), is built once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "zklora/curve/g1.h"

namespace zklora {

inline constexpr std::string_view kGeneratorDst = "ZKLORA-V1-PEDERSEN-GENERATORS_BLS12381G1_XMD:SHA-256_SSWU_RO_";

// G_i and H, computed directly (uncached).
G1 derive_generator(uint64_t index);
G1 derive_blinding_generator();

class GeneratorSet {
 public:
  GeneratorSet(std::vector<G1Affine> points, G1 h);

  size_t size() const { return points_.size(); }
  std::span<const G1Affine> points() const { return points_; }
  const G1Affine& operator[](size_t i) const { return points_[i]; }
  // G_0 + ... + G_{n-1}.
  const G1& sum() const { return sum_; }
  const G1& h() const { return h_; }

 private:
  std::vector<G1Affine> points_;
  G1 sum_;
  G1 h_;
};

// The cached set G_0..G_{n-1} (with H). Thread safe.
std::shared_ptr<const GeneratorSet> generators(size_t n);

}  // namespace zklora

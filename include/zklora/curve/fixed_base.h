// Multiplication of one fixed point by many scalars (the Pedersen generators U and H of every committed value):
// a table of the 32 byte-windows of the base, B_i = 2^(8 i) B, with every multiple j B_i, j < 256, in affine form,
// so that s B = sum_i (byte_i of s) B_i is 32 mixed additions instead of a variable-base multiplication (about a
// quarter of its time). The table holds 8192 points (786 KB) and is built once per base. Every window adds its
// entry, the identity for a zero byte, so the sequence of operations does not depend on the scalar.
#pragma once

#include <vector>

#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"

namespace zklora {

class FixedBaseTable {
 public:
  explicit FixedBaseTable(const G1& base);
  G1 mul(const Fr& s) const;

 private:
  static constexpr size_t kWindows = 32, kEntries = 256;
  std::vector<G1Affine> table_;  // window i, multiple j at i * kEntries + j
};

}  // namespace zklora

// Fixed-base multiplication (curve/fixed_base.h) equals variable-base multiplication for every kind of scalar:
// zero, one, r - 1, scalars with zero bytes (the table's identity entries), and random ones.
#include <gtest/gtest.h>

#include <random>

#include "zklora/curve/fixed_base.h"

namespace zklora {
namespace {

TEST(FixedBase, EqualsVariableBaseMultiplication) {
  const G1 base = G1::generator() * Fr::from_u64(12345);
  const FixedBaseTable table(base);
  std::vector<Fr> scalars = {Fr::zero(), Fr::one(), Fr::zero() - Fr::one(), Fr::from_u64(256),
                             Fr::from_u64(uint64_t{1} << 40), Fr::from_u64(0xff00ff00ff00ff00ull)};
  std::mt19937_64 gen(3);
  for (int i = 0; i < 20; ++i) scalars.push_back(Fr::random(gen));
  for (const Fr& s : scalars) {
    EXPECT_TRUE(table.mul(s) == base * s) << s.to_string();
  }
  EXPECT_TRUE(table.mul(Fr::zero()).is_identity());
}

}  // namespace
}  // namespace zklora

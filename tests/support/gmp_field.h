// Test support: Fr <-> GMP big integers, the independent reference the field is cross-checked against.
#pragma once

#include <gmpxx.h>

#include <array>
#include <cstdint>

#include "zklora/field/fr.h"

namespace zklora::testing {

inline mpz_class to_mpz(const std::array<uint64_t, 4>& limbs) {
  mpz_class z;
  mpz_import(z.get_mpz_t(), limbs.size(), -1, sizeof(uint64_t), 0, 0, limbs.data());
  return z;
}

inline mpz_class to_mpz(const Fr& x) { return to_mpz(x.to_limbs()); }

inline mpz_class modulus_mpz() { return to_mpz(fr_modulus()); }

// x must lie in [0, r).
inline Fr from_mpz(const mpz_class& x) {
  std::array<uint64_t, 4> limbs{};
  size_t count = 0;
  mpz_export(limbs.data(), &count, -1, sizeof(uint64_t), 0, 0, x.get_mpz_t());
  return Fr::from_limbs(limbs).value();
}

inline mpz_class mod_r(const mpz_class& x) {
  mpz_class m;
  mpz_mod(m.get_mpz_t(), x.get_mpz_t(), modulus_mpz().get_mpz_t());
  return m;
}

}  // namespace zklora::testing

// G1: the prime-order subgroup of BLS12-381's curve E(Fp): y^2 = x^3 + 4, order r (the field Fr).
//
// G1 holds a point in Jacobian coordinates (blst_p1) for arithmetic; G1Affine the affine form that MSMs and
// tables consume. Encoding: the 48-byte compressed form of the Zcash/IETF BLS12-381 serialization
// (flag bits: compressed, infinity, sign of y). Decoding checks, in order, and fails with its own code:
//   BAD_LENGTH             not 48 bytes;
//   BAD_POINT_ENCODING     flag bits wrong, x >= p, or a non-canonical infinity;
//   POINT_NOT_ON_CURVE     x^3 + 4 is not a square in Fp;
//   POINT_NOT_IN_SUBGROUP  the point is on the curve but outside the order-r subgroup.
// The identity (infinity) is a valid element and encodes as 0xc0 followed by 47 zero bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "blst.h"
#include "zklora/base/error.h"
#include "zklora/field/fr.h"

namespace zklora {

struct G1Affine {
  blst_p1_affine p{};  // (0, 0) is the identity, as in blst
};

class G1 {
 public:
  static constexpr size_t kBytes = 48;

  G1() : p_{} {}  // identity (Z = 0)

  static G1 identity() { return G1(); }
  static G1 generator();  // the standard generator of G1
  static G1 from_affine(const G1Affine& a);
  // blst_hash_to_g1 (RFC 9380, BLS12381G1_XMD:SHA-256_SSWU_RO_) of msg under domain-separation tag dst.
  static G1 hash_to_curve(std::span<const uint8_t> msg, std::string_view dst);

  G1 operator+(const G1& o) const;
  G1 operator-(const G1& o) const;
  G1 operator-() const;
  G1& operator+=(const G1& o);
  G1& operator-=(const G1& o);
  G1 operator+(const G1Affine& o) const;
  G1 dbl() const;
  G1 operator*(const Fr& s) const;
  // this * 2^k, by k doublings.
  G1 mul_pow2(unsigned k) const;
  // this * h_eff, h_eff = 0xd201000000010001 (RFC 9380's cofactor clearing for G1): maps every point of E(Fp)
  // into G1 and multiplies G1 by an integer prime to r, so h_eff P = 0 iff P has no order-r component.
  G1 mul_cofactor() const;
  bool operator==(const G1& o) const;
  bool operator!=(const G1& o) const { return !(*this == o); }

  bool is_identity() const;
  bool on_curve() const;
  bool in_subgroup() const;

  G1Affine to_affine() const;
  std::array<uint8_t, kBytes> to_bytes() const;
  static Result<G1> from_bytes(std::span<const uint8_t> bytes);

  const blst_p1& raw() const { return p_; }
  blst_p1& raw() { return p_; }

 private:
  blst_p1 p_;
};

// Converts many points to affine form with one shared inversion per chunk.
std::vector<G1Affine> batch_to_affine(std::span<const G1> points, int threads = 0);

}  // namespace zklora

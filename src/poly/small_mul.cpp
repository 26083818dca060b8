// Constants of the small-integer products (small_mul.h).
#include "zklora/poly/small_mul.h"

namespace zklora::small_mul_detail {

const Fr& two_pow_64k(unsigned k) {
  // 2^64 as a field element, then its powers: 2^64 and 2^256 are the two scalings ScaledFr uses.
  static const Fr two64 = Fr::from_u128(u128{1} << 64);
  static const Fr two256 = two64.square().square();
  return k == 1 ? two64 : two256;
}

}  // namespace zklora::small_mul_detail

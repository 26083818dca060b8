#include "zklora/fixed/arith.h"

#include <cmath>
#include <string>

namespace zklora {

u128 isqrt(u128 v) {
  if (v == 0) return 0;
  // A floating-point estimate, then exact integer correction.
  u128 s = static_cast<u128>(std::sqrt(static_cast<long double>(v)));
  while (s * s > v) --s;
  while ((s + 1) * (s + 1) <= v) ++s;
  return s;
}

u128 rsqrt_scaled(u128 v, u128 n) {
  if (v == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "rsqrt of zero");
  u128 r = static_cast<u128>(std::sqrt(static_cast<long double>(n) / static_cast<long double>(v)));
  // r^2 v <= n < (r+1)^2 v, with products that stay below 2^128 for the engine's ranges.
  while (r > 0 && r * r * v > n) --r;
  while ((r + 1) * (r + 1) * v <= n) ++r;
  return r;
}

void throw_out_of_format(const char* what, unsigned bits) {
  throw ZkError(ErrorCode::OUT_OF_RANGE, std::string(what) + " exceeds the fixed-point format (|value| >= 2^" +
                                             std::to_string(bits) + " in integer units)");
}

}  // namespace zklora

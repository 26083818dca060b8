// Fixed-width integer names the project uses beyond <cstdint>.
#pragma once

#include <cstdint>

namespace zklora {

// 128-bit integers: accumulators of fixed-point dot products and conversions to and from the field.
__extension__ using i128 = __int128;
__extension__ using u128 = unsigned __int128;

}  // namespace zklora

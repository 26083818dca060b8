// Fixed-base multiplication by byte windows (fixed_base.h).
#include "zklora/curve/fixed_base.h"

namespace zklora {

FixedBaseTable::FixedBaseTable(const G1& base) {
  std::vector<G1> points(kWindows * kEntries);
  G1 window = base;
  for (size_t i = 0; i < kWindows; ++i) {
    G1* row = points.data() + i * kEntries;
    row[0] = G1::identity();
    for (size_t j = 1; j < kEntries; ++j) row[j] = row[j - 1] + window;
    for (int k = 0; k < 8; ++k) window = window.dbl();
  }
  table_ = batch_to_affine(points);
}

G1 FixedBaseTable::mul(const Fr& s) const {
  const auto bytes = s.to_bytes();  // little-endian
  G1 acc = G1::identity();
  for (size_t i = 0; i < kWindows; ++i) acc = acc + table_[i * kEntries + bytes[i]];
  return acc;
}

}  // namespace zklora

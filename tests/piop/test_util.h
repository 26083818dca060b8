// Helpers shared by the piop tests: random data, both channel modes, proof-stream surgery.
#pragma once

#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "zklora/piop/channel.h"

namespace zklora::testing {

inline std::vector<Fr> random_frs(std::mt19937_64& gen, size_t n) {
  std::vector<Fr> v(n);
  for (Fr& x : v) x = Fr::random(gen);
  return v;
}

inline std::vector<int64_t> random_ints(std::mt19937_64& gen, size_t n, unsigned bits) {
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = static_cast<int64_t>(gen() >> (64 - bits)) - (int64_t{1} << (bits - 1));
  return v;
}

inline const char* mode_name(ChannelMode m) { return m == ChannelMode::CLEAR ? "clear" : "zk"; }

// Adds one to the field element encoded at `offset` (clear-mode streams), keeping the encoding canonical.
inline void bump_fr(std::vector<uint8_t>& bytes, size_t offset) {
  const Fr x = Fr::from_bytes(std::span(bytes).subspan(offset, Fr::kBytes)).value() + Fr::one();
  const auto b = x.to_bytes();
  std::copy(b.begin(), b.end(), bytes.begin() + static_cast<ptrdiff_t>(offset));
}

// Adds the generator to the point encoded at `offset` (zero-knowledge streams), keeping it a valid point.
inline void bump_g1(std::vector<uint8_t>& bytes, size_t offset) {
  const G1 p = G1::from_bytes(std::span(bytes).subspan(offset, G1::kBytes)).value() + G1::generator();
  const auto b = p.to_bytes();
  std::copy(b.begin(), b.end(), bytes.begin() + static_cast<ptrdiff_t>(offset));
}

}  // namespace zklora::testing

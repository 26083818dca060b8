// Pedersen vector and scalar commitments (pedersen.h).
#include "zklora/pcs/pedersen.h"

#include <array>

#include "zklora/curve/fixed_base.h"
#include "zklora/curve/generators.h"
#include "zklora/curve/msm.h"

namespace zklora {
namespace {

template <class Int>
G1 commit_small(std::span<const Int> values, unsigned bits, const Fr& rho, int threads) {
  const auto gens = generators(values.size());
  return msm_small(gens->points(), values, bits, threads, &gens->sum()) + pedersen_blinding_generator() * rho;
}

}  // namespace

const G1& pedersen_value_generator() {
  static const G1 u = [] {
    const std::array<uint8_t, 1> msg{'u'};
    return G1::hash_to_curve(msg, kGeneratorDst);
  }();
  return u;
}

const G1& pedersen_blinding_generator() {
  static const G1 h = generators(0)->h();
  return h;
}

G1 pedersen_commit_scalar(const Fr& v, const Fr& rho) {
  static const FixedBaseTable u(pedersen_value_generator()), h(pedersen_blinding_generator());
  return u.mul(v) + h.mul(rho);
}

G1 pedersen_commit(std::span<const Fr> values, const Fr& rho, int threads) {
  const auto gens = generators(values.size());
  return msm(gens->points(), values, threads) + pedersen_blinding_generator() * rho;
}

G1 pedersen_commit_small(std::span<const int64_t> values, unsigned bits, const Fr& rho, int threads) {
  return commit_small(values, bits, rho, threads);
}

G1 pedersen_commit_small(std::span<const int32_t> values, unsigned bits, const Fr& rho, int threads) {
  return commit_small(values, bits, rho, threads);
}

}  // namespace zklora

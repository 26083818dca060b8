#include "zklora/curve/generators.h"

#include <array>
#include <map>
#include <mutex>

#include "zklora/base/threads.h"

namespace zklora {
namespace {

struct Cache {
  std::mutex mu;
  std::vector<G1Affine> points;  // G_0..G_{k-1}, the longest prefix derived so far
  std::map<size_t, std::shared_ptr<const GeneratorSet>> sets;
};

Cache& cache() {
  static Cache c;
  return c;
}

const G1& blinding_generator() {
  static const G1 h = derive_blinding_generator();
  return h;
}

}  // namespace

G1 derive_generator(uint64_t index) {
  std::array<uint8_t, 9> msg{};
  msg[0] = 'g';
  for (size_t j = 0; j < 8; ++j) msg[1 + j] = static_cast<uint8_t>(index >> (8 * j));
  return G1::hash_to_curve(msg, kGeneratorDst);
}

G1 derive_blinding_generator() {
  const std::array<uint8_t, 1> msg{'h'};
  return G1::hash_to_curve(msg, kGeneratorDst);
}

GeneratorSet::GeneratorSet(std::vector<G1Affine> points, G1 h) : points_(std::move(points)), h_(h) {
  if (!points_.empty()) {
    const blst_p1_affine* ptrs[2] = {&points_[0].p, nullptr};
    blst_p1s_add(&sum_.raw(), ptrs, points_.size());
  }
}

std::shared_ptr<const GeneratorSet> generators(size_t n) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (auto it = c.sets.find(n); it != c.sets.end()) return it->second;
  if (c.points.size() < n) {
    const size_t old = c.points.size();
    std::vector<G1> fresh(n - old);
    parallel_for(fresh.size(), 0, [&](size_t i) { fresh[i] = derive_generator(old + i); });
    const std::vector<G1Affine> affine = batch_to_affine(fresh);
    c.points.insert(c.points.end(), affine.begin(), affine.end());
  }
  auto set = std::make_shared<const GeneratorSet>(
      std::vector<G1Affine>(c.points.begin(), c.points.begin() + static_cast<ptrdiff_t>(n)), blinding_generator());
  c.sets.emplace(n, set);
  return set;
}

}  // namespace zklora

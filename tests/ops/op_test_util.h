// Helpers for tests that compose operations' witnesses (compute) and compare them with the engine.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "zklora/ops/operation.h"
#include "zklora/ops/rescale/rescale_op.h"

namespace zklora::testing {

// n values uniform in [-bound, bound).
inline std::vector<int64_t> random_values(std::mt19937_64& gen, size_t n, int64_t bound) {
  std::uniform_int_distribution<int64_t> d(-bound, bound - 1);
  std::vector<int64_t> out(n);
  for (auto& x : out) x = d(gen);
  return out;
}

// The first output of op on the inputs.
inline OwnedTable run(const Operation& op, std::vector<TableView> in) {
  OpWitness w = op.compute(in, 1);
  return std::move(w.outputs[0]);
}

// round_shift(multiplier exact, shift), as the graph's RescaleOp computes it for a gradient.
inline OwnedTable rescaled(const OwnedTable& exact, std::vector<uint64_t> dims, unsigned shift, int64_t multiplier) {
  return run(RescaleOp(std::move(dims), shift, multiplier, kGradientRange), {exact.view()});
}

}  // namespace zklora::testing

// The contraction of two tensors over their rows, exact (no rounding): the adapter gradients of a LoRA projection
// (docs/fixed_point.md section 4, dB = round_shift(dl^T a, 16), dA = round_shift(da^T y, 16)) before their
// rescaling:
//
//     P[o][j] = sum_r X[r][o] Z[r][j]        X (rows..., m), Z (rows..., k), P (m, k)
//
// A claim on P at (z_o, z_j) is sum_r Xf(r) Zf(r) with Xf = X folded over its columns by eq(z_o) and Zf likewise
// by eq(z_j): one degree-2 sumcheck over the row variables (a plain sum), ending in claims on X at (rho, z_o) and
// on Z at (rho, z_j). Padded rows hold zeros in both operands and add nothing.
// Witness: exact sums in 128 bits (stored as field elements if one exceeds 64 bits).
// Inputs: 0 = X, 1 = Z. Output: P (derived).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class RowContractionOp final : public Operation {
 public:
  // rows: the shared leading dimensions. ZkError INVALID_ARGUMENT for an empty or zero dimension.
  RowContractionOp(std::vector<uint64_t> rows, uint64_t m, uint64_t k);

  std::string_view kind() const override { return "row-contraction"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> rows_;
  uint64_t m_, k_;
  std::vector<uint64_t> with(uint64_t last) const;
};

}  // namespace zklora

// The exact matrix product of a linear layer, before any rescaling (docs/fixed_point.md section 4):
//
//     P = X W^T   (X (T, in), W (out, in): a projection's weight in its (out, in) layout)     transposed_w
//     P = X W     (X (T, n),  W (n, k))                                                        otherwise
//
// P is exact (no rounding): the rounding is a separate operation (rescale/), whose remainder is committed and
// range checked. The claim P~(z_a || z_b) = v is reduced by piop/matmul.h to X~(z_a, j*) and W~(z_b, j*)
// (stored coordinates): one sumcheck over the inner dimension, O(T in + in out) small-integer products.
// Witness: the engine's product, matmul_nt / matmul_nn of fixed/kernels.h with shift 0.
// Inputs: 0 = X, 1 = W.
#pragma once

#include "zklora/ops/operation.h"
#include "zklora/piop/matmul.h"

namespace zklora {

class MatmulOp final : public Operation {
 public:
  // rows T, inner n, cols k; W stored (k, n) when transposed_w.
  MatmulOp(uint64_t rows, uint64_t inner, uint64_t cols, bool transposed_w);

  std::string_view name() const override { return "matmul"; }
  size_t num_inputs() const override { return 2; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<uint64_t> output_dims() const override;
  void absorb(Transcript& t) const override;
  std::vector<InputProverClaim> prove(ProverChannel& ch, std::span<const TensorData> inputs, const TensorData& output,
                                      const ProverClaim& output_claim, int threads) const override;
  Result<std::vector<InputVerifierClaim>> verify(VerifierChannel& ch, const VerifierClaim& output_claim) const override;

 private:
  MatmulShape shape_;
};

}  // namespace zklora

// The exact matrix product of a linear layer, before any rescaling (docs/fixed_point.md section 4):
//
//     P = X W^T   (X (rows..., in), W (out, in): a projection's weight in its (out, in) layout)   transposed_w
//     P = X W     (X (rows..., n),  W (n, k))                                                      otherwise
//
// P is exact (no rounding): the rounding is a separate operation (rescale/), whose remainder is committed and
// range checked. The claims on P are combined into one, P~(z_rows || z_b) = v, which piop/matmul.h reduces to
// X~(z_rows, j*) and W~(z_b, j*) (stored coordinates): one sumcheck over the inner dimension, O(rows in + in out)
// small-integer products. The leading dimensions of X are batch dimensions of the reduction (W is shared).
// Witness: the engine's kernel (fixed/kernels.h, matmul_nt_rows) with shift 0; when an exact value passes 62 bits
// (a backward pass's dout W, say), the sums in 128 bits, stored as field elements.
// Inputs: 0 = X, 1 = W. Output: P (derived).
#pragma once

#include <memory>

#include "zklora/ops/operation.h"
#include "zklora/piop/matmul.h"

namespace zklora {

class MatmulOp final : public Operation {
 public:
  // Y (batch..., m, k) = X (batch..., m, n) times W, W stored (k, n) when w_transposed, shared by the batch.
  explicit MatmulOp(MatmulShape shape);
  // A linear layer: X (rows..., in) times W (out, in) transposed.
  static std::unique_ptr<MatmulOp> linear(std::vector<uint64_t> rows, uint64_t in, uint64_t out);
  // X (rows..., n) times W (n, k) as stored (a backward pass's dout W).
  static std::unique_ptr<MatmulOp> times(std::vector<uint64_t> rows, uint64_t n, uint64_t k);

  std::string_view kind() const override { return "matmul"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  MatmulShape shape_;
  // The kernel's product; ZkError OUT_OF_RANGE past 62 bits.
  OpWitness compute_narrow(const std::vector<int64_t>& x, const TableView& w, int64_t rows, int64_t n, int64_t k) const;
};

}  // namespace zklora

// The exact product of a linear layer (matmul_op.h): a thin operation over piop/matmul.h.
#include "zklora/ops/matmul/matmul_op.h"

namespace zklora {

MatmulOp::MatmulOp(uint64_t rows, uint64_t inner, uint64_t cols, bool transposed_w) {
  shape_.m = rows;
  shape_.n = inner;
  shape_.k = cols;
  shape_.w_transposed = transposed_w;
  if (Status s = shape_.validate(); !s) throw ZkError(s.error());
}

std::vector<std::vector<uint64_t>> MatmulOp::input_dims() const {
  return {{shape_.m, shape_.n}, shape_.w_transposed ? std::vector<uint64_t>{shape_.k, shape_.n}
                                                    : std::vector<uint64_t>{shape_.n, shape_.k}};
}

std::vector<uint64_t> MatmulOp::output_dims() const { return {shape_.m, shape_.k}; }

void MatmulOp::absorb(Transcript& t) const {
  t.domain("op-matmul");
  absorb_dims(t, "shape", std::vector<uint64_t>{shape_.m, shape_.n, shape_.k, shape_.w_transposed ? 1u : 0u});
}

std::vector<InputProverClaim> MatmulOp::prove(ProverChannel& ch, std::span<const TensorData> inputs,
                                              const TensorData& /*output*/, const ProverClaim& output_claim,
                                              int threads) const {
  MatmulProverClaims c = matmul_prove(ch, shape_, inputs[0].data, inputs[1].data, output_claim, threads);
  return {{0, std::move(c.x)}, {1, std::move(c.w)}};
}

Result<std::vector<InputVerifierClaim>> MatmulOp::verify(VerifierChannel& ch, const VerifierClaim& output_claim) const {
  auto c = matmul_verify(ch, shape_, output_claim);
  if (!c) return c.error();
  return std::vector<InputVerifierClaim>{{0, std::move(c.value().x)}, {1, std::move(c.value().w)}};
}

}  // namespace zklora

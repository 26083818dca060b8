// Residual additions (add_op.h).
#include "zklora/ops/add/add_op.h"

#include "zklora/poly/mle.h"

namespace zklora {

void AddOp::absorb(Transcript& t) const {
  t.domain("op-add");
  absorb_dims(t, "dims", dims_);
}

std::vector<InputProverClaim> AddOp::prove(ProverChannel& ch, std::span<const TensorData> inputs,
                                           const TensorData& /*output*/, const ProverClaim& y, int threads) const {
  const ProverValue a = ch.send("add-lhs", mle_evaluate(inputs[0].padded(), y.point, threads));
  return {{0, {y.point, a}}, {1, {y.point, y.value - a}}};
}

Result<std::vector<InputVerifierClaim>> AddOp::verify(VerifierChannel& ch, const VerifierClaim& y) const {
  auto a = ch.receive("add-lhs");
  if (!a) return a.error();
  return std::vector<InputVerifierClaim>{{0, {y.point, a.value()}}, {1, {y.point, y.value - a.value()}}};
}

}  // namespace zklora

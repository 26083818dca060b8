// Residual additions (add_op.h).
#include "zklora/ops/add/add_op.h"

#include "zklora/fixed/arith.h"

namespace zklora {

void AddOp::absorb(Transcript& t) const {
  t.domain("op-add");
  absorb_dims(t, "dims", dims_);
}

OpWitness AddOp::compute(std::span<const TableView> in, int) const {
  std::vector<int64_t> y = view_to_i64(in[0]);
  const std::vector<int64_t> b = view_to_i64(in[1]);
  for (size_t i = 0; i < y.size(); ++i) y[i] = to_i64_checked(static_cast<i128>(y[i]) + b[i], "sum");
  OpWitness out;
  out.outputs.emplace_back(std::move(y));
  return out;
}

void AddOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(TensorRef::output(0));
  if (!y) return;
  const ProverValue a = p.evaluate(TensorRef::input(0), y->point, "add-lhs");
  p.add_claim(TensorRef::input(1), {y->point, y->value - a});
}

Status AddOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(TensorRef::output(0));
  if (!y) return y.error();
  if (!y->has_value()) return {};
  auto a = v.evaluate(TensorRef::input(0), (*y)->point, "add-lhs");
  if (!a) return a.error();
  v.add_claim(TensorRef::input(1), {(*y)->point, (*y)->value - a.value()});
  return {};
}

}  // namespace zklora

// Residual additions (add_op.h).
#include "zklora/ops/add/add_op.h"

#include "zklora/fixed/arith.h"

namespace zklora {

AddOp::AddOp(std::vector<uint64_t> dims, int64_t scale_a) : dims_(std::move(dims)), scale_a_(scale_a) {
  if (scale_a_ == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "add: a zero scale");
}

void AddOp::absorb(Transcript& t) const {
  t.domain("op-add");
  absorb_dims(t, "dims", dims_);
  t.absorb_fr("scale", Fr::from_i64(scale_a_));
}

OpWitness AddOp::compute(std::span<const TableView> in, int) const {
  OpWitness out;
  if (!in[0].is_field() && !in[1].is_field() && scale_a_ == 1) {
    std::vector<int64_t> y = view_to_i64(in[0]);
    const std::vector<int64_t> b = view_to_i64(in[1]);
    bool fits = true;
    for (size_t i = 0; i < y.size() && fits; ++i) fits = !__builtin_add_overflow(y[i], b[i], &y[i]);
    if (fits) {
      out.outputs.emplace_back(std::move(y));
      return out;
    }
  }
  std::vector<i128> y = view_to_i128(in[0]);
  const std::vector<i128> b = view_to_i128(in[1]);
  for (size_t i = 0; i < y.size(); ++i) y[i] = y[i] * scale_a_ + b[i];
  out.outputs.push_back(exact_table(y));
  return out;
}

void AddOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(TensorRef::output(0));
  if (!y) return;
  const ProverValue a = p.evaluate(TensorRef::input(0), y->point, "add-lhs");
  p.add_claim(TensorRef::input(1), {y->point, y->value - Fr::from_i64(scale_a_) * a});
}

Status AddOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(TensorRef::output(0));
  if (!y) return y.error();
  if (!y->has_value()) return {};
  auto a = v.evaluate(TensorRef::input(0), (*y)->point, "add-lhs");
  if (!a) return a.error();
  v.add_claim(TensorRef::input(1), {(*y)->point, (*y)->value - Fr::from_i64(scale_a_) * a.value()});
  return {};
}

}  // namespace zklora

// The batch's target mask from the rows' numbers of targets (target_mask_op.h).
#include "zklora/ops/cross_entropy/target_mask_op.h"

#include <string>

#include "loss_parts.h"
#include "zklora/fixed/arith.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {

using namespace loss_detail;  // Vars, the shift by one position

namespace {

constexpr TensorRef kCounts = TensorRef::input(0), kTargets = TensorRef::output(0);

// The bits of x, most significant first, as a point of `vars` coordinates.
std::vector<Fr> bits_point(uint64_t x, unsigned vars) {
  std::vector<Fr> out(vars);
  for (unsigned i = 0; i < vars; ++i) out[i] = ((x >> (vars - 1 - i)) & 1) ? Fr::one() : Fr::zero();
  return out;
}

// (M1): m^2 - m + lambda (next - next m) over the rows' positions, eq(r, t) times.
SumcheckShape rules_shape(const Vars& v, std::vector<Fr> r, const Fr& lambda) {
  return SumcheckShape::of(v.rows(), std::move(r), 2,
                           {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}, {lambda, {1}}, {-lambda, {1, 0}}});
}

}  // namespace

TargetMaskOp::TargetMaskOp(uint64_t batch, uint64_t seq) : batch_(batch), seq_(seq) {
  if (batch_ == 0 || seq_ < 2) throw ZkError(ErrorCode::INVALID_ARGUMENT, "target mask: need batch >= 1, seq >= 2");
}

void TargetMaskOp::absorb(Transcript& t) const {
  t.domain("op-target-mask");
  t.absorb_u64("batch", batch_);
  t.absorb_u64("seq", seq_);
}

std::vector<int64_t> target_mask(std::span<const int64_t> counts, uint64_t seq) {
  std::vector<int64_t> out(counts.size() * seq, 0);
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] < 0 || static_cast<uint64_t>(counts[b]) >= seq) {
      throw ZkError(ErrorCode::OUT_OF_RANGE, "target mask: row " + std::to_string(b) + " has " +
                                                 std::to_string(counts[b]) + " targets, outside [0, " +
                                                 std::to_string(seq - 1) + "]");
    }
    for (uint64_t s = 0; s < static_cast<uint64_t>(counts[b]); ++s) out[b * seq + s] = 1;
  }
  return out;
}

OpWitness TargetMaskOp::compute(std::span<const TableView> in, int) const {
  OpWitness w;
  w.outputs.emplace_back(target_mask(view_to_i64(in[0]), seq_));
  return w;
}

void TargetMaskOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const Vars v{log2_ceil(batch_), log2_ceil(seq_), 0};
  const size_t nrows = size_t{1} << v.rows(), ns = size_t{1} << v.s;
  const TableView padded = p.tensor(kTargets).padded();
  std::vector<Fr> mask(nrows);
  for (size_t t = 0; t < nrows; ++t) mask[t] = padded.at(t);
  // (M1)
  {
    const Fr lambda = ch.challenge("target-mask-lambda");
    std::vector<Fr> next(nrows);
    for (size_t t = 0; t < nrows; ++t) {
      if (t % ns + 1 < seq_) next[t] = mask[t + 1];
    }
    const SumcheckShape sh = rules_shape(v, ch.challenges("target-mask-point", v.rows()), lambda);
    SumcheckProverResult r = sumcheck_prove(ch, sh, {mask, std::move(next)}, ProverValue::constant(Fr::zero()), threads);
    const ProverValue ne = ch.send("target-mask-next-eval", r.evaluations[1]);
    const ProverValue evs[2] = {p.evaluate(kTargets, r.point, "target-mask-eval"), ne};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    prove_shift(p, kTargets, seq_, v, 0, r.point, ne);
  }
  // (M2)
  const std::vector<Fr> rb = ch.challenges("target-mask-last-row", v.b);
  p.add_claim(kTargets, {concat_points({rb, bits_point(seq_ - 1, v.s)}), ProverValue::constant(Fr::zero())});
  // (M3)
  const std::vector<Fr> zb = ch.challenges("target-mask-row-point", v.b);
  const ProverValue sum = p.evaluate(kTargets, row_division::with_halves(zb, v.s), "target-mask-sum-eval");
  const ProverValue count = p.evaluate(kCounts, zb, "target-count-eval");
  ch.prove_equal("target-count", count, sum * Fr::from_u64(ns));
}

Status TargetMaskOp::verify(OpVerifier& vv) const {
  VerifierChannel& ch = vv.ch();
  const Vars v{log2_ceil(batch_), log2_ceil(seq_), 0};
  const size_t ns = size_t{1} << v.s;
  {
    const Fr lambda = ch.challenge("target-mask-lambda");
    const SumcheckShape sh = rules_shape(v, ch.challenges("target-mask-point", v.rows()), lambda);
    auto r = sumcheck_verify(ch, sh, VerifierValue::constant(Fr::zero()));
    if (!r) return r.error();
    auto ne = ch.receive("target-mask-next-eval");
    if (!ne) return ne.error();
    auto me = vv.evaluate(kTargets, r->point, "target-mask-eval");
    if (!me) return me.error();
    const VerifierValue evs[2] = {me.value(), ne.value()};
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, evs); !st) return st;
    if (Status st = verify_shift(vv, kTargets, seq_, v, r->point, ne.value()); !st) return st;
  }
  const std::vector<Fr> rb = ch.challenges("target-mask-last-row", v.b);
  vv.add_claim(kTargets, {concat_points({rb, bits_point(seq_ - 1, v.s)}), VerifierValue::constant(Fr::zero())});
  const std::vector<Fr> zb = ch.challenges("target-mask-row-point", v.b);
  auto sum = vv.evaluate(kTargets, row_division::with_halves(zb, v.s), "target-mask-sum-eval");
  if (!sum) return sum.error();
  auto count = vv.evaluate(kCounts, zb, "target-count-eval");
  if (!count) return count.error();
  return ch.check_equal("target-count", count.value(), sum.value() * Fr::from_u64(ns), ErrorCode::RELATION_MISMATCH,
                        "a row's number of targets is not its mask's sum");
}

}  // namespace zklora

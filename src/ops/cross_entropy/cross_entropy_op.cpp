// The summed cross-entropy loss with its maximum, exp digits, log decomposition and targets proven
// (cross_entropy_op.h).
#include "zklora/ops/cross_entropy/cross_entropy_op.h"

#include <algorithm>
#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/fixed/tables.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"
#include "loss_parts.h"

namespace zklora {

using namespace loss_detail;  // the operation's tensors and parts (loss_parts.h)

namespace {

constexpr unsigned kLogRemBits = 48;
// log_fixed(S) = LOG[mant] + (k + 15 - exp) LN2.
constexpr int64_t kLogOffset = 15 - static_cast<int64_t>(kFixed.exp);


}  // namespace

namespace loss_detail {

// A claim shift(X)~(rho_b, rho_s, rho_rest) = value for X (b, s, rest) reduces to X at (rho_b, sigma, rho_rest):
// sum over s' of N(rho_s, s') X~(rho_b, s', rho_rest), one sumcheck over s'.
void prove_shift(OpProver& p, TensorRef x, uint64_t seq, const Vars& v, unsigned rest_vars,
                 std::span<const Fr> point, const ProverValue& value) {
  const int threads = p.threads();
  const auto rb = point.subspan(0, v.b), rs = point.subspan(v.b, v.s), rr = point.subspan(v.b + v.s);
  const size_t ns = size_t{1} << v.s, nr = size_t{1} << rest_vars;
  std::vector<Fr> folded = combine_rows(p.tensor(x).padded(), ns * nr, eq_table(rb, Fr::one(), threads), threads);
  std::vector<Fr> of = rest_vars == 0 ? std::move(folded) : combine_cols(folded, nr, eq_table(rr), threads);
  const SumcheckShape sh = SumcheckShape::of(v.s, {}, 2, {{Fr::one(), {0, 1}}});
  SumcheckProverResult r = sumcheck_prove(p.ch(), sh, {shift_weight_table(seq, rs), std::move(of)}, value, threads);
  const ProverValue evs[2] = {ProverValue::constant(shift_weight_eval(seq, rs, r.point)),
                              p.evaluate(x, concat_points({rb, r.point, rr}), "loss-shift-eval")};
  sumcheck_prove_final(p.ch(), sh, r.final_value, evs);
}

Status verify_shift(OpVerifier& vv, TensorRef x, uint64_t seq, const Vars& v, std::span<const Fr> point,
                    const VerifierValue& value) {
  const auto rb = point.subspan(0, v.b), rs = point.subspan(v.b, v.s), rr = point.subspan(v.b + v.s);
  const SumcheckShape sh = SumcheckShape::of(v.s, {}, 2, {{Fr::one(), {0, 1}}});
  auto r = sumcheck_verify(vv.ch(), sh, value);
  if (!r) return r.error();
  auto xe = vv.evaluate(x, concat_points({rb, r->point, rr}), "loss-shift-eval");
  if (!xe) return xe.error();
  const VerifierValue evs[2] = {VerifierValue::constant(shift_weight_eval(seq, rs, r->point)), xe.value()};
  return sumcheck_verify_final(vv.ch(), sh, r->expected, evs);
}

}  // namespace loss_detail

Fr shift_weight_eval(uint64_t seq, std::span<const Fr> a, std::span<const Fr> c) {
  const std::vector<Fr> ea = eq_table(a), ec = eq_table(c);
  Fr out;
  for (uint64_t s = 1; s < seq; ++s) out += ea[s - 1] * ec[s];
  return out;
}

std::vector<Fr> shift_weight_table(uint64_t seq, std::span<const Fr> a) {
  const std::vector<Fr> ea = eq_table(a);
  std::vector<Fr> out(ea.size());
  for (uint64_t s = 1; s < seq; ++s) out[s] = ea[s - 1];
  return out;
}

CrossEntropyOp::CrossEntropyOp(uint64_t batch, uint64_t seq, uint64_t vocab, bool gradient)
    : batch_(batch), seq_(seq), vocab_(vocab), gradient_(gradient) {
  if (batch_ == 0 || seq_ < 2 || vocab_ < 2) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "cross-entropy: need batch >= 1, seq >= 2 and vocab >= 2");
  }
}

std::vector<std::vector<uint64_t>> CrossEntropyOp::input_dims() const { return {dims(), dims(), rows()}; }

unsigned CrossEntropyOp::quotient_bits() const { return 22 + log2_ceil(vocab_); }

std::vector<TensorDecl> CrossEntropyOp::outputs() const {
  std::vector<TensorDecl> out{{"", {1}, {}, false}};
  if (gradient_) {
    out.push_back({"grad", dims(), {}, false});
    out.push_back({"count", {1}, {}, false});
  }
  return out;
}

std::vector<TensorDecl> CrossEntropyOp::helpers() const {
  std::vector<TensorDecl> out{{"max", rows(), kActivationRange, true},
          {"argmax", dims(), {}, true},
          {"gap_lo", dims(), {}, true},
          {"gap_hi", dims(), {}, true},
          {"exp_lo", dims(), {}, true},
          {"exp_hi", dims(), {}, true},
          {"exp_remainder", dims(), RangeSpec{kExp, false}, true},
          {"mantissa", rows(), {}, true},
          {"log", rows(), {}, true},
          {"exponent", rows(), {}, true},
          {"scale", rows(), {}, true},
          {"log_remainder", rows(), RangeSpec{kLogRemBits, false}, true},
          {"exp", dims(), RangeSpec{kExp + 1, false}, false},
          {"log_slack", rows(), RangeSpec{kLogRemBits, false}, false}};
  if (gradient_) {
    const RangeSpec q{quotient_bits(), false};
    out.push_back({"prob", dims(), RangeSpec{kProbBits + 1, false}, true});
    out.push_back({"div_remainder", dims(), q, false});
    out.push_back({"div_slack", dims(), q, false});
  }
  return out;
}

std::vector<LookupDecl> CrossEntropyOp::lookups() const {
  return {{LookupTableId::EXP_LO, {kLo, kElo}},
          {LookupTableId::EXP_HI, {kHi, kEhi}},
          {LookupTableId::LOG, {kMant, kLog}},
          {LookupTableId::POW2, {kK, kPow}}};
}

void CrossEntropyOp::absorb(Transcript& t) const {
  t.domain("op-cross-entropy");
  absorb_dims(t, "dims", dims());
  t.absorb_u64("ln2", static_cast<uint64_t>(ln2_fixed()));
  t.absorb_u64("gradient", gradient_ ? 1 : 0);
}

OpWitness CrossEntropyOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> z = view_to_i64(in[0]), oh = view_to_i64(in[1]), mask = view_to_i64(in[2]);
  const size_t V = vocab_, S = seq_, rows = batch_ * seq_, size = rows * V;
  std::vector<int64_t> mx(rows), arg(size, 0), lo(size), hi(size), elo(size), ehi(size), rem_e(size), e(size),
      mant(rows), logv(rows), k(rows), pw(rows), rem_l(rows), slack(rows);
  const size_t gsize = gradient_ ? size : 0;
  std::vector<int64_t> prob(gsize), rho(gsize), sigma(gsize);
  parallel_for(rows, threads, [&](size_t t) {
    const std::span<const int64_t> zr(z.data() + t * V, V);
    const SoftmaxRow r = softmax_row(zr, std::span<int64_t>(e.data() + t * V, V),
                                     gradient_ ? std::span<int64_t>(prob.data() + t * V, V) : std::span<int64_t>());
    // p = div_round(e 2^16, S): rho = 2^17 e + S - 2 p S in [0, 2S), sigma = 2S - 1 - rho.
    for (size_t v = 0; gradient_ && v < V; ++v) {
      const size_t at = t * V + v;
      rho[at] = static_cast<int64_t>((static_cast<i128>(e[at]) << (kProbBits + 1)) + r.sum -
                                     2 * static_cast<i128>(prob[at]) * r.sum);
      sigma[at] = 2 * r.sum - 1 - rho[at];
    }
    mx[t] = r.max;
    arg[t * V + static_cast<size_t>(std::find(zr.begin(), zr.end(), r.max) - zr.begin())] = 1;
    for (size_t v = 0; v < V; ++v) {
      const size_t at = t * V + v;
      const int64_t gap = r.max - zr[v];
      lo[at] = gap & 0xffff;
      hi[at] = gap >> 16;
      elo[at] = exp_lo_table()[static_cast<size_t>(lo[at])];
      ehi[at] = exp_hi_table()[static_cast<size_t>(hi[at])];
      rem_e[at] = static_cast<int64_t>(static_cast<i128>(elo[at]) * ehi[at] + (i128{1} << (kExp - 1)) -
                                       (static_cast<i128>(e[at]) << kExp));
    }
    const LogParts lp = log_fixed_parts(r.sum);
    mant[t] = lp.mantissa;
    logv[t] = log_table()[static_cast<size_t>(lp.mantissa - kLogMin)];
    k[t] = lp.k;
    pw[t] = int64_t{1} << lp.k;
    rem_l[t] = lp.remainder;
    slack[t] = pw[t] - 1 - rem_l[t];
  }, grain_for(4 * V));
  // The loss as the engine computes it, with the targets the mask and the next row's one-hot name.
  ITensor logits({static_cast<int64_t>(rows), static_cast<int64_t>(V)});
  logits.data = z;
  std::vector<int32_t> targets(rows, -1);
  for (size_t t = 0; t < rows; ++t) {
    if (mask[t] == 0) continue;
    if (t % S + 1 >= S) throw ZkError(ErrorCode::INVALID_ARGUMENT, "cross-entropy: a target on the last row");
    const int64_t* next = oh.data() + (t + 1) * V;
    targets[t] = static_cast<int32_t>(std::find(next, next + V, 1) - next);
  }
  const CrossEntropyOut ce = cross_entropy(logits, targets);
  OpWitness out;
  out.outputs.emplace_back(std::vector<int64_t>{ce.loss_sum});
  if (gradient_) {
    out.outputs.emplace_back(ce.d_logits.data);
    out.outputs.emplace_back(std::vector<int64_t>{ce.count});
  }
  for (auto* x : {&mx, &arg, &lo, &hi, &elo, &ehi, &rem_e, &mant, &logv, &k, &pw, &rem_l, &e, &slack}) {
    out.helpers.emplace_back(std::move(*x));
  }
  if (gradient_) {
    for (auto* x : {&prob, &rho, &sigma}) out.helpers.emplace_back(std::move(*x));
  }
  return out;
}

void CrossEntropyOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const Vars v{log2_ceil(batch_), log2_ceil(seq_), log2_ceil(vocab_)};
  const size_t nrows = size_t{1} << v.rows(), nv = size_t{1} << v.v, nall = nrows * nv;
  const Fr ln2 = Fr::from_i64(ln2_fixed());
  const auto field = [&](TensorRef r, size_t n) { return to_field(p.tensor(r).padded(), n, threads); };
  std::vector<Fr> sums(nrows);
  p.tensor(kE).padded().visit([&](const auto& s) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(s[0])>, Fr>) {
      parallel_for(nrows, threads, [&](size_t r) {
        int64_t acc = 0;
        for (size_t u = 0; u < nv && r * nv + u < s.size(); ++u) acc += s[r * nv + u];
        sums[r] = Fr::from_i64(acc);
      }, grain_for(nv));
    }
  });
  std::vector<ProverClaim> e_claims(p.claims(kE).begin(), p.claims(kE).end());

  // The loss: L = L1 - L2.
  // N = sum_t mask_t = 2^rows mask~(1/2, ..., 1/2): a claim on the mask.
  if (gradient_) {
    for (const ProverClaim& c : p.claims(kCount)) {
      p.add_claim(kMask, {with_halves({}, v.rows()), c.value * Fr::from_u64(nrows).inverse()});
    }
  }
  for (const ProverClaim& c : p.claims(kLoss)) {
    const std::vector<Fr> mask = field(kMask, nrows);
    Fr l1;
    {
      const std::vector<Fr> mx = field(kMax, nrows), lg = field(kLog, nrows), kk = field(kK, nrows);
      for (size_t t = 0; t < nrows; ++t) {
        l1 += mask[t] * (mx[t] + lg[t] + ln2 * kk[t] + ln2 * Fr::from_i64(kLogOffset));
      }
    }
    const ProverValue l1v = ch.send("loss-head-sum", l1);
    const SumcheckShape h1 = SumcheckShape::of(v.rows(), {}, 4,
                                      {{Fr::one(), {0, 1}}, {Fr::one(), {0, 2}}, {ln2, {0, 3}},
                                       {ln2 * Fr::from_i64(kLogOffset), {0}}});
    SumcheckProverResult r1 = sumcheck_prove(ch, h1, {mask, field(kMax, nrows), field(kLog, nrows), field(kK, nrows)},
                                             l1v, threads);
    const ProverValue e1[4] = {p.evaluate(kMask, r1.point, "loss-mask-eval"), p.evaluate(kMax, r1.point, "loss-max-eval"),
                               p.evaluate(kLog, r1.point, "loss-log-eval"), p.evaluate(kK, r1.point, "loss-exponent-eval")};
    sumcheck_prove_final(ch, h1, r1.final_value, e1);
    // L2 = sum mask shift(OH) z
    std::vector<Fr> mask_e(nall), ohn(nall);
    parallel_for(nall, threads, [&](size_t i) { mask_e[i] = mask[i / nv]; }, grain_for(1));
    const std::vector<Fr> oh = field(kOh, nall);
    const size_t ns = size_t{1} << v.s;
    parallel_for(nall, threads, [&](size_t i) {
      const size_t s = (i / nv) % ns;
      if (s + 1 < seq_) ohn[i] = oh[i + nv];
    }, grain_for(1));
    const SumcheckShape h2 = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1, 2}}});
    SumcheckProverResult r2 =
        sumcheck_prove(ch, h2, {std::move(mask_e), std::move(ohn), field(kZ, nall)}, l1v - c.value, threads);
    const ProverValue shifted = ch.send("loss-target-eval", r2.evaluations[1]);
    const ProverValue e2[3] = {p.evaluate(kMask, std::span<const Fr>(r2.point).subspan(0, v.rows()), "loss-mask-eval"),
                               shifted, p.evaluate(kZ, r2.point, "loss-logit-eval")};
    sumcheck_prove_final(ch, h2, r2.final_value, e2);
    prove_shift(p, kOh, seq_, v, v.v, r2.point, shifted);
  }

  // The gaps: lo + 2^16 hi = m - z at a random point.
  {
    const std::vector<Fr> r = ch.challenges("loss-gap-point", v.all());
    const ProverValue lo = p.evaluate(kLo, r, "loss-gap-lo-eval"), hi = p.evaluate(kHi, r, "loss-gap-hi-eval"),
                      z = p.evaluate(kZ, r, "loss-gap-logit-eval"),
                      m = p.evaluate(kMax, std::span<const Fr>(r).subspan(0, v.rows()), "loss-gap-max-eval");
    const Fr sv = selector_eval(std::vector<uint64_t>{vocab_}, std::span<const Fr>(r).subspan(v.rows()));
    ch.prove_zero("loss-gap", m * sv - z - lo - hi * pow2_fr(16));
  }
  // The maximum: sum argmax (lo + 2^16 hi) = 0; argmax boolean; one 1 per real row.
  {
    const std::vector<Fr> arg = field(kArg, nall);
    const SumcheckShape sh = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1}}, {pow2_fr(16), {0, 2}}});
    SumcheckProverResult r =
        sumcheck_prove(ch, sh, {arg, field(kLo, nall), field(kHi, nall)}, ProverValue::constant(Fr::zero()), threads);
    const ProverValue evs[3] = {p.evaluate(kArg, r.point, "loss-argmax-eval"), p.evaluate(kLo, r.point, "loss-lo-at-max"),
                                p.evaluate(kHi, r.point, "loss-hi-at-max")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    const SumcheckShape bs = SumcheckShape::of(v.all(), ch.challenges("loss-bool-point", v.all()), 1,
                                      {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}});
    SumcheckProverResult b = sumcheck_prove(ch, bs, {arg}, ProverValue::constant(Fr::zero()), threads);
    const ProverValue be = p.evaluate(kArg, b.point, "loss-argmax-bool-eval");
    sumcheck_prove_final(ch, bs, b.final_value, std::span(&be, 1));
    const std::vector<Fr> zr = ch.challenges("loss-row-point", v.rows());
    p.add_claim(kArg, {with_halves(zr, v.v), ProverValue::constant(selector_eval(rows(), zr) *
                                                                    Fr::from_u64(nv).inverse())});
  }
  // The log's decomposition: S = mant 2^k + rem_l (zero-check over rows); slack = 2^k - sel - rem_l.
  for (const ProverClaim& c : p.claims(kSlack)) {
    const ProverValue pw = p.evaluate(kPow, c.point, "loss-scale-eval");
    p.add_claim(kRemL, {c.point, pw - selector_eval(rows(), c.point) - c.value});
  }
  std::vector<ProverClaim> s_claims;
  {
    const SumcheckShape sh = SumcheckShape::of(v.rows(), ch.challenges("loss-log-point", v.rows()), 4,
                                      {{Fr::one(), {0}}, {-Fr::one(), {1, 2}}, {-Fr::one(), {3}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh, {sums, field(kMant, nrows), field(kPow, nrows), field(kRemL, nrows)},
        ProverValue::constant(Fr::zero()), threads);
    const ProverValue se = ch.send("loss-sum-eval", r.evaluations[0]);
    const ProverValue evs[4] = {se, p.evaluate(kMant, r.point, "loss-mantissa-eval"),
                                p.evaluate(kPow, r.point, "loss-scale-at-log"),
                                p.evaluate(kRemL, r.point, "loss-log-remainder-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    s_claims.push_back({r.point, se});
  }
  if (gradient_) prove_loss_gradient(p, batch_, seq_, vocab_, v, sums, s_claims, e_claims);
  const Fr inv_nv = Fr::from_u64(nv).inverse();
  for (const ProverClaim& c : s_claims) e_claims.push_back({with_halves(c.point, v.v), c.value * inv_nv});
  // 2^20 e = ELO EHI + 2^19 sel - rem_e
  const ProverClaim ec =
      e_claims.size() == 1 ? e_claims[0] : combine_claims_prove(ch, p.tensor(kE).padded(), v.all(), e_claims, threads);
  const ProverValue rem = p.evaluate(kRemE, ec.point, "loss-exp-remainder");
  const ProverValue target = ec.value * pow2_fr(kExp) + rem - pow2_fr(kExp - 1) * selector_eval(dims(), ec.point);
  const SumcheckShape sh = SumcheckShape::of(v.all(), ec.point, 2, {{Fr::one(), {0, 1}}});
  SumcheckProverResult r = sumcheck_prove(ch, sh, {field(kElo, nall), field(kEhi, nall)}, target, threads);
  const ProverValue evs[2] = {p.evaluate(kElo, r.point, "loss-exp-lo-eval"), p.evaluate(kEhi, r.point, "loss-exp-hi-eval")};
  sumcheck_prove_final(ch, sh, r.final_value, evs);
}

Status CrossEntropyOp::verify(OpVerifier& vv) const {
  VerifierChannel& ch = vv.ch();
  const Vars v{log2_ceil(batch_), log2_ceil(seq_), log2_ceil(vocab_)};
  const size_t nv = size_t{1} << v.v;
  const Fr ln2 = Fr::from_i64(ln2_fixed());
  std::vector<VerifierClaim> e_claims(vv.claims(kE).begin(), vv.claims(kE).end());
  if (gradient_) {
    const Fr inv_rows = Fr::from_u64(uint64_t{1} << v.rows()).inverse();
    for (const VerifierClaim& c : vv.claims(kCount)) vv.add_claim(kMask, {with_halves({}, v.rows()), c.value * inv_rows});
  }
  for (const VerifierClaim& c : vv.claims(kLoss)) {
    auto l1v = ch.receive("loss-head-sum");
    if (!l1v) return l1v.error();
    const SumcheckShape h1 = SumcheckShape::of(v.rows(), {}, 4,
                                      {{Fr::one(), {0, 1}}, {Fr::one(), {0, 2}}, {ln2, {0, 3}},
                                       {ln2 * Fr::from_i64(kLogOffset), {0}}});
    auto r1 = sumcheck_verify(ch, h1, l1v.value());
    if (!r1) return r1.error();
    VerifierValue e1[4];
    const std::pair<TensorRef, const char*> first[4] = {{kMask, "loss-mask-eval"}, {kMax, "loss-max-eval"},
                                                        {kLog, "loss-log-eval"}, {kK, "loss-exponent-eval"}};
    for (size_t k = 0; k < 4; ++k) {
      auto x = vv.evaluate(first[k].first, r1->point, first[k].second);
      if (!x) return x.error();
      e1[k] = x.value();
    }
    if (Status st = sumcheck_verify_final(ch, h1, r1->expected, e1); !st) return st;
    const SumcheckShape h2 = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1, 2}}});
    auto r2 = sumcheck_verify(ch, h2, l1v.value() - c.value);
    if (!r2) return r2.error();
    auto shifted = ch.receive("loss-target-eval");
    if (!shifted) return shifted.error();
    auto me = vv.evaluate(kMask, std::span<const Fr>(r2->point).subspan(0, v.rows()), "loss-mask-eval");
    if (!me) return me.error();
    auto ze = vv.evaluate(kZ, r2->point, "loss-logit-eval");
    if (!ze) return ze.error();
    const VerifierValue e2[3] = {me.value(), shifted.value(), ze.value()};
    if (Status st = sumcheck_verify_final(ch, h2, r2->expected, e2); !st) return st;
    if (Status st = verify_shift(vv, kOh, seq_, v, r2->point, shifted.value()); !st) return st;
  }
  {
    const std::vector<Fr> r = ch.challenges("loss-gap-point", v.all());
    auto lo = vv.evaluate(kLo, r, "loss-gap-lo-eval");
    if (!lo) return lo.error();
    auto hi = vv.evaluate(kHi, r, "loss-gap-hi-eval");
    if (!hi) return hi.error();
    auto z = vv.evaluate(kZ, r, "loss-gap-logit-eval");
    if (!z) return z.error();
    auto m = vv.evaluate(kMax, std::span<const Fr>(r).subspan(0, v.rows()), "loss-gap-max-eval");
    if (!m) return m.error();
    const Fr sv = selector_eval(std::vector<uint64_t>{vocab_}, std::span<const Fr>(r).subspan(v.rows()));
    if (Status st = ch.check_zero("loss-gap", m.value() * sv - z.value() - lo.value() - hi.value() * pow2_fr(16),
                         ErrorCode::RELATION_MISMATCH, "the gap digits are not the row maximum minus the logits"); !st) return st;
  }
  {
    const SumcheckShape sh = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1}}, {pow2_fr(16), {0, 2}}});
    auto r = sumcheck_verify(ch, sh, VerifierValue::constant(Fr::zero()));
    if (!r) return r.error();
    VerifierValue evs[3];
    const std::pair<TensorRef, const char*> at_max[3] = {
        {kArg, "loss-argmax-eval"}, {kLo, "loss-lo-at-max"}, {kHi, "loss-hi-at-max"}};
    for (size_t k = 0; k < 3; ++k) {
      auto x = vv.evaluate(at_max[k].first, r->point, at_max[k].second);
      if (!x) return x.error();
      evs[k] = x.value();
    }
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, evs); !st) return st;
    const SumcheckShape bs = SumcheckShape::of(v.all(), ch.challenges("loss-bool-point", v.all()), 1,
                                      {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}});
    auto b = sumcheck_verify(ch, bs, VerifierValue::constant(Fr::zero()));
    if (!b) return b.error();
    auto be = vv.evaluate(kArg, b->point, "loss-argmax-bool-eval");
    if (!be) return be.error();
    if (Status st = sumcheck_verify_final(ch, bs, b->expected, std::span(&be.value(), 1)); !st) return st;
    const std::vector<Fr> zr = ch.challenges("loss-row-point", v.rows());
    vv.add_claim(kArg, {with_halves(zr, v.v), VerifierValue::constant(selector_eval(rows(), zr) *
                                                                       Fr::from_u64(nv).inverse())});
  }
  for (const VerifierClaim& c : vv.claims(kSlack)) {
    auto pw = vv.evaluate(kPow, c.point, "loss-scale-eval");
    if (!pw) return pw.error();
    vv.add_claim(kRemL, {c.point, pw.value() - selector_eval(rows(), c.point) - c.value});
  }
  std::vector<VerifierClaim> s_claims;
  {
    const SumcheckShape sh = SumcheckShape::of(v.rows(), ch.challenges("loss-log-point", v.rows()), 4,
                                      {{Fr::one(), {0}}, {-Fr::one(), {1, 2}}, {-Fr::one(), {3}}});
    auto r = sumcheck_verify(ch, sh, VerifierValue::constant(Fr::zero()));
    if (!r) return r.error();
    auto se = ch.receive("loss-sum-eval");
    if (!se) return se.error();
    VerifierValue evs[4];
    evs[0] = se.value();
    const std::pair<TensorRef, const char*> log_parts[3] = {
        {kMant, "loss-mantissa-eval"}, {kPow, "loss-scale-at-log"}, {kRemL, "loss-log-remainder-eval"}};
    for (size_t k = 0; k < 3; ++k) {
      auto x = vv.evaluate(log_parts[k].first, r->point, log_parts[k].second);
      if (!x) return x.error();
      evs[k + 1] = x.value();
    }
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, evs); !st) return st;
    s_claims.push_back({r->point, se.value()});
  }
  if (gradient_) {
    if (Status st = verify_loss_gradient(vv, batch_, seq_, vocab_, v, s_claims, e_claims); !st) return st;
  }
  const Fr inv_nv = Fr::from_u64(nv).inverse();
  for (const VerifierClaim& c : s_claims) e_claims.push_back({with_halves(c.point, v.v), c.value * inv_nv});
  VerifierClaim ec;
  if (e_claims.size() == 1) {
    ec = e_claims[0];
  } else {
    auto c = combine_claims_verify(ch, v.all(), e_claims);
    if (!c) return c.error();
    ec = std::move(c.value());
  }
  auto rem = vv.evaluate(kRemE, ec.point, "loss-exp-remainder");
  if (!rem) return rem.error();
  const VerifierValue target = ec.value * pow2_fr(kExp) + rem.value() - pow2_fr(kExp - 1) * selector_eval(dims(), ec.point);
  const SumcheckShape sh = SumcheckShape::of(v.all(), ec.point, 2, {{Fr::one(), {0, 1}}});
  auto r = sumcheck_verify(ch, sh, target);
  if (!r) return r.error();
  auto elo = vv.evaluate(kElo, r->point, "loss-exp-lo-eval");
  if (!elo) return elo.error();
  auto ehi = vv.evaluate(kEhi, r->point, "loss-exp-hi-eval");
  if (!ehi) return ehi.error();
  const VerifierValue evs[2] = {elo.value(), ehi.value()};
  return sumcheck_verify_final(ch, sh, r->expected, evs);
}

}  // namespace zklora

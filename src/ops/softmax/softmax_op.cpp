// The causal softmax of attention with its maximum, exp digits and division proven (softmax_op.h).
#include "zklora/ops/softmax/softmax_op.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "row_division.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/fixed/tables.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr TensorRef kA = TensorRef::input(0), kM = TensorRef::input(1), kP = TensorRef::output(0);
constexpr TensorRef kMax = TensorRef::helper(0), kOh = TensorRef::helper(1), kLo = TensorRef::helper(2),
                    kHi = TensorRef::helper(3), kElo = TensorRef::helper(4), kEhi = TensorRef::helper(5),
                    kRemE = TensorRef::helper(6), kRemS = TensorRef::helper(7), kE = TensorRef::helper(8),
                    kRho = TensorRef::helper(9), kSigma = TensorRef::helper(10);
constexpr unsigned kScoreShift = kFixed.act + kFixed.unit;  // 32
constexpr unsigned kExp = kFixed.exp;                       // 20
constexpr unsigned kProb = kFixed.prob;                     // 16

// p = div_round(e 2^16, S) over the rows (b, h, t) and the columns u.
row_division::RowDivision division(std::vector<uint64_t> dims, unsigned row_vars) {
  return {std::move(dims), row_vars, kProb, kRho, kSigma, kE, kP, "softmax"};
}

using row_division::head;
using row_division::tail;
using row_division::with_halves;

struct Vars {
  unsigned rows, u;  // row variables (b, h, t) and column variables
  unsigned all() const { return rows + u; }
};

}  // namespace

// ---- The causal mask ----------------------------------------------------------------------------------------

CausalMaskTensor::CausalMaskTensor(uint64_t batch, uint64_t heads, uint64_t seq)
    : batch_(batch), heads_(heads), seq_(seq) {
  if (batch_ == 0 || heads_ == 0 || seq_ == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "causal mask: empty");
}

void CausalMaskTensor::absorb(Transcript& t) const {
  t.domain("public-causal-mask");
  absorb_dims(t, "dims", dims());
}

std::vector<int64_t> CausalMaskTensor::values() const {
  std::vector<int64_t> m(batch_ * heads_ * seq_ * seq_, 0);
  for (uint64_t bh = 0; bh < batch_ * heads_; ++bh)
    for (uint64_t t = 0; t < seq_; ++t)
      for (uint64_t u = 0; u <= t; ++u) m[(bh * seq_ + t) * seq_ + u] = 1;
  return m;
}

Fr CausalMaskTensor::evaluate(std::span<const Fr> z) const {
  const unsigned vb = log2_ceil(batch_), vh = log2_ceil(heads_), vs = log2_ceil(seq_);
  if (z.size() != vb + vh + 2 * vs) throw ZkError(ErrorCode::INVALID_ARGUMENT, "causal mask: a point of the wrong size");
  // sel_b(z_b) sel_h(z_h) sum_{t < seq} eq(z_t, t) sum_{u <= t} eq(z_u, u)
  const Fr sb = selector_eval(std::vector<uint64_t>{batch_}, z.subspan(0, vb));
  const Fr sh = selector_eval(std::vector<uint64_t>{heads_}, z.subspan(vb, vh));
  const std::vector<Fr> et = eq_table(z.subspan(vb + vh, vs)), eu = eq_table(z.subspan(vb + vh + vs, vs));
  Fr prefix, total;
  for (uint64_t t = 0; t < seq_; ++t) {
    prefix += eu[t];
    total += et[t] * prefix;
  }
  return sb * sh * total;
}

// ---- The operation --------------------------------------------------------------------------------------------

CausalSoftmaxOp::CausalSoftmaxOp(uint64_t batch, uint64_t heads, uint64_t seq, int64_t c)
    : batch_(batch), heads_(heads), seq_(seq), c_(c) {
  if (batch_ == 0 || heads_ == 0 || seq_ == 0 || seq_ > (uint64_t{1} << 20) || c_ <= 0 || c_ > (int64_t{1} << 16)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "causal softmax: need batch, heads, seq >= 1 (seq <= 2^20) and c in [1, 2^16]");
  }
}

unsigned CausalSoftmaxOp::quotient_bits() const { return 22 + log2_ceil(seq_); }

std::vector<TensorDecl> CausalSoftmaxOp::outputs() const {
  return {{"", dims(), RangeSpec{kProb + 1, false}, true}};
}

std::vector<TensorDecl> CausalSoftmaxOp::helpers() const {
  const RangeSpec q{quotient_bits(), false};
  return {{"max", rows(), kActivationRange, true},
          {"argmax", dims(), {}, true},
          {"gap_lo", dims(), {}, true},
          {"gap_hi", dims(), {}, true},
          {"exp_lo", dims(), {}, true},
          {"exp_hi", dims(), {}, true},
          {"exp_remainder", dims(), RangeSpec{kExp, false}, true},
          {"score_remainder", dims(), RangeSpec{kScoreShift, false}, false},
          {"exp", dims(), RangeSpec{kExp + 1, false}, false},
          {"div_remainder", dims(), q, false},
          {"div_slack", dims(), q, false}};
}

std::vector<LookupDecl> CausalSoftmaxOp::lookups() const {
  return {{LookupTableId::EXP_LO, {kLo, kElo}}, {LookupTableId::EXP_HI, {kHi, kEhi}}};
}

void CausalSoftmaxOp::absorb(Transcript& t) const {
  t.domain("op-causal-softmax");
  absorb_dims(t, "dims", dims());
  t.absorb_u64("c", static_cast<uint64_t>(c_));
}

OpWitness CausalSoftmaxOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<i128> a = view_to_i128(in[0]);
  const size_t n = seq_, rows = batch_ * heads_ * seq_, size = rows * n;
  std::vector<int64_t> p(size, 0), mx(rows, 0), oh(size, 0), lo(size, 0), hi(size, 0), elo(size, exp_lo_table()[0]),
      ehi(size, exp_hi_table()[0]), rem_e(size, 0), rem_s(size, 0), e(size, 0), rho(size, 0), sigma(size, 0);
  parallel_for(rows, threads, [&](size_t row) {
    const size_t t = row % n, base = row * n;
    std::vector<int64_t> s(t + 1);
    for (size_t u = 0; u <= t; ++u) s[u] = attention_score(a[base + u], c_);
    const SoftmaxRow r = softmax_row(s, std::span<int64_t>(e.data() + base, t + 1),
                                     std::span<int64_t>(p.data() + base, t + 1));
    mx[row] = r.max;
    oh[base + static_cast<size_t>(std::find(s.begin(), s.end(), r.max) - s.begin())] = 1;
    for (size_t u = 0; u < n; ++u) {
      const size_t at = base + u;
      if (u <= t) {
        const int64_t gap = r.max - s[u];  // below 2^32: exp_neg refused any other
        lo[at] = gap & 0xffff;
        hi[at] = gap >> 16;
        elo[at] = exp_lo_table()[static_cast<size_t>(lo[at])];
        ehi[at] = exp_hi_table()[static_cast<size_t>(hi[at])];
        rem_e[at] = static_cast<int64_t>(static_cast<i128>(elo[at]) * ehi[at] + (i128{1} << (kExp - 1)) -
                                         (static_cast<i128>(e[at]) << kExp));
        rem_s[at] = static_cast<int64_t>(a[at] * c_ + (i128{1} << (kScoreShift - 1)) -
                                         (static_cast<i128>(s[u]) << kScoreShift));
      }
      rho[at] = static_cast<int64_t>((static_cast<i128>(e[at]) << (kProb + 1)) + r.sum -
                                     2 * static_cast<i128>(p[at]) * r.sum);
      sigma[at] = 2 * r.sum - 1 - rho[at];
    }
  }, grain_for(4 * n));
  OpWitness out;
  out.outputs.emplace_back(std::move(p));
  for (auto* v : {&mx, &oh, &lo, &hi, &elo, &ehi, &rem_e, &rem_s, &e, &rho, &sigma}) out.helpers.emplace_back(std::move(*v));
  return out;
}

void CausalSoftmaxOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const Vars v{tensor_vars(rows()), log2_ceil(seq_)};
  const size_t nr = size_t{1} << v.rows, nu = size_t{1} << v.u, nall = nr * nu;
  const std::vector<uint64_t> seq_dims{seq_};
  if (!p.public_input(1)) throw ZkError(ErrorCode::INVALID_ARGUMENT, "causal softmax: the mask must be public");
  const PublicTensor& mask = *p.public_input(1);
  // The row sums S (a table over rows).
  std::vector<Fr> sums(nr);
  p.tensor(kE).padded().visit([&](const auto& s) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(s[0])>, Fr>) {
      parallel_for(nr, threads, [&](size_t r) {
        int64_t acc = 0;
        for (size_t u = 0; u < nu && r * nu + u < s.size(); ++u) acc += s[r * nu + u];
        sums[r] = Fr::from_i64(acc);
      }, grain_for(nu));
    }
  });
  std::vector<ProverClaim> e_claims(p.claims(kE).begin(), p.claims(kE).end());
  std::vector<ProverClaim> s_claims;
  row_division::prove(p, division(dims(), v.rows), sums, s_claims, e_claims);
  // S(w) = 2^vu e~(w, 1/2, ..., 1/2)
  const Fr inv_nu = Fr::from_u64(nu).inverse();
  for (const ProverClaim& c : s_claims) e_claims.push_back({with_halves(c.point, v.u), c.value * inv_nu});
  // 2^20 e = M (ELO EHI + 2^19) - rem_e
  if (!e_claims.empty()) {
    const ProverClaim ec = e_claims.size() == 1
                               ? e_claims[0]
                               : combine_claims_prove(ch, p.tensor(kE).padded(), v.all(), e_claims, threads);
    const ProverValue rem = p.evaluate(kRemE, ec.point, "softmax-exp-remainder");
    const ProverValue target =
        ec.value * pow2_fr(kExp) + rem - pow2_fr(kExp - 1) * mask.evaluate(ec.point);
    const SumcheckShape sh = SumcheckShape::of(v.all(), ec.point, 3, {{Fr::one(), {0, 1, 2}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh,
        {to_field(p.tensor(kM).padded(), nall, threads), to_field(p.tensor(kElo).padded(), nall, threads),
         to_field(p.tensor(kEhi).padded(), nall, threads)},
        target, threads);
    const ProverValue evs[3] = {ProverValue::constant(mask.evaluate(r.point)),
                                p.evaluate(kElo, r.point, "softmax-exp-lo-eval"),
                                p.evaluate(kEhi, r.point, "softmax-exp-hi-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
  // rem_s = M (c A + 2^31 - 2^32 m) + 2^32 (lo + 2^16 hi)
  if (const std::optional<ProverClaim> rs = p.combined_claim(kRemS)) {
    const ProverValue lo = p.evaluate(kLo, rs->point, "softmax-gap-lo-eval");
    const ProverValue hi = p.evaluate(kHi, rs->point, "softmax-gap-hi-eval");
    const ProverValue target = rs->value - pow2_fr(kScoreShift - 1) * mask.evaluate(rs->point) -
                               (lo + hi * pow2_fr(16)) * pow2_fr(kScoreShift);
    std::vector<Fr> mx_rows = to_field(p.tensor(kMax).padded(), nr, threads), mx(nall);
    parallel_for(nall, threads, [&](size_t i) { mx[i] = mx_rows[i / nu]; }, grain_for(1));
    const SumcheckShape sh = SumcheckShape::of(v.all(), rs->point, 3,
                                      {{Fr::from_i64(c_), {0, 1}}, {-pow2_fr(kScoreShift), {0, 2}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh, {to_field(p.tensor(kM).padded(), nall, threads), to_field(p.tensor(kA).padded(), nall, threads), mx},
        target, threads);
    const ProverValue evs[3] = {ProverValue::constant(mask.evaluate(r.point)),
                                p.evaluate(kA, r.point, "softmax-scores-eval"),
                                p.evaluate(kMax, head(r.point, v.rows), "softmax-max-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
  // The maximum: sum OH (lo + 2^16 hi) = 0; OH boolean; sum_u OH (1 + gamma M) = (1 + gamma) sel per row.
  {
    const std::vector<Fr> oh = to_field(p.tensor(kOh).padded(), nall, threads);
    const SumcheckShape sh = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1}}, {pow2_fr(16), {0, 2}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh, {oh, to_field(p.tensor(kLo).padded(), nall, threads), to_field(p.tensor(kHi).padded(), nall, threads)},
        ProverValue::constant(Fr::zero()), threads);
    const ProverValue evs[3] = {p.evaluate(kOh, r.point, "softmax-argmax-eval"),
                                p.evaluate(kLo, r.point, "softmax-gap-lo-at-max"),
                                p.evaluate(kHi, r.point, "softmax-gap-hi-at-max")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);

    const SumcheckShape bs = SumcheckShape::of(v.all(), ch.challenges("softmax-bool-point", v.all()), 1,
                                      {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}});
    SumcheckProverResult b = sumcheck_prove(ch, bs, {oh}, ProverValue::constant(Fr::zero()), threads);
    const ProverValue be = p.evaluate(kOh, b.point, "softmax-argmax-bool-eval");
    sumcheck_prove_final(ch, bs, b.final_value, std::span(&be, 1));

    const Fr gamma = ch.challenge("softmax-row-gamma");
    const std::vector<Fr> zr = ch.challenges("softmax-row-point", v.rows);
    const SumcheckShape rsh = SumcheckShape::of(v.all(), zr, 2, {{Fr::one(), {0}}, {gamma, {0, 1}}});
    const ProverValue target = ProverValue::constant((Fr::one() + gamma) * selector_eval(rows(), zr));
    SumcheckProverResult w =
        sumcheck_prove(ch, rsh, {oh, to_field(p.tensor(kM).padded(), nall, threads)}, target, threads);
    const ProverValue evs2[2] = {p.evaluate(kOh, w.point, "softmax-argmax-row-eval"),
                                 ProverValue::constant(mask.evaluate(w.point))};
    sumcheck_prove_final(ch, rsh, w.final_value, evs2);
  }
}

Status CausalSoftmaxOp::verify(OpVerifier& vv) const {
  VerifierChannel& ch = vv.ch();
  const Vars v{tensor_vars(rows()), log2_ceil(seq_)};
  const size_t nu = size_t{1} << v.u;
  const std::vector<uint64_t> seq_dims{seq_};
  if (!vv.public_input(1)) return make_error(ErrorCode::INVALID_ARGUMENT, "causal softmax: the mask must be public");
  const PublicTensor& mask = *vv.public_input(1);
  std::vector<VerifierClaim> e_claims(vv.claims(kE).begin(), vv.claims(kE).end());
  std::vector<VerifierClaim> s_claims;
  if (Status st = row_division::verify(vv, division(dims(), v.rows), s_claims, e_claims); !st) return st;
  const Fr inv_nu = Fr::from_u64(nu).inverse();
  for (const VerifierClaim& c : s_claims) e_claims.push_back({with_halves(c.point, v.u), c.value * inv_nu});
  if (!e_claims.empty()) {
    VerifierClaim ec;
    if (e_claims.size() == 1) {
      ec = e_claims[0];
    } else {
      auto c = combine_claims_verify(ch, v.all(), e_claims);
      if (!c) return c.error();
      ec = std::move(c.value());
    }
    auto rem = vv.evaluate(kRemE, ec.point, "softmax-exp-remainder");
    if (!rem) return rem.error();
    const VerifierValue target = ec.value * pow2_fr(kExp) + rem.value() - pow2_fr(kExp - 1) * mask.evaluate(ec.point);
    const SumcheckShape sh = SumcheckShape::of(v.all(), ec.point, 3, {{Fr::one(), {0, 1, 2}}});
    auto r = sumcheck_verify(ch, sh, target);
    if (!r) return r.error();
    auto elo = vv.evaluate(kElo, r->point, "softmax-exp-lo-eval");
    if (!elo) return elo.error();
    auto ehi = vv.evaluate(kEhi, r->point, "softmax-exp-hi-eval");
    if (!ehi) return ehi.error();
    const VerifierValue evs[3] = {VerifierValue::constant(mask.evaluate(r->point)), elo.value(), ehi.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  auto rs = vv.combined_claim(kRemS);
  if (!rs) return rs.error();
  if (rs->has_value()) {
    const VerifierClaim& c = **rs;
    auto lo = vv.evaluate(kLo, c.point, "softmax-gap-lo-eval");
    if (!lo) return lo.error();
    auto hi = vv.evaluate(kHi, c.point, "softmax-gap-hi-eval");
    if (!hi) return hi.error();
    const VerifierValue target = c.value - pow2_fr(kScoreShift - 1) * mask.evaluate(c.point) -
                                 (lo.value() + hi.value() * pow2_fr(16)) * pow2_fr(kScoreShift);
    const SumcheckShape sh = SumcheckShape::of(v.all(), c.point, 3,
                                      {{Fr::from_i64(c_), {0, 1}}, {-pow2_fr(kScoreShift), {0, 2}}});
    auto r = sumcheck_verify(ch, sh, target);
    if (!r) return r.error();
    auto ae = vv.evaluate(kA, r->point, "softmax-scores-eval");
    if (!ae) return ae.error();
    auto me = vv.evaluate(kMax, head(r->point, v.rows), "softmax-max-eval");
    if (!me) return me.error();
    const VerifierValue evs[3] = {VerifierValue::constant(mask.evaluate(r->point)), ae.value(), me.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  {
    const SumcheckShape sh = SumcheckShape::of(v.all(), {}, 3, {{Fr::one(), {0, 1}}, {pow2_fr(16), {0, 2}}});
    auto r = sumcheck_verify(ch, sh, VerifierValue::constant(Fr::zero()));
    if (!r) return r.error();
    auto oh = vv.evaluate(kOh, r->point, "softmax-argmax-eval");
    if (!oh) return oh.error();
    auto lo = vv.evaluate(kLo, r->point, "softmax-gap-lo-at-max");
    if (!lo) return lo.error();
    auto hi = vv.evaluate(kHi, r->point, "softmax-gap-hi-at-max");
    if (!hi) return hi.error();
    const VerifierValue evs[3] = {oh.value(), lo.value(), hi.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;

    const SumcheckShape bs = SumcheckShape::of(v.all(), ch.challenges("softmax-bool-point", v.all()), 1,
                                      {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}});
    auto b = sumcheck_verify(ch, bs, VerifierValue::constant(Fr::zero()));
    if (!b) return b.error();
    auto be = vv.evaluate(kOh, b->point, "softmax-argmax-bool-eval");
    if (!be) return be.error();
    if (Status s = sumcheck_verify_final(ch, bs, b->expected, std::span(&be.value(), 1)); !s) return s;

    const Fr gamma = ch.challenge("softmax-row-gamma");
    const std::vector<Fr> zr = ch.challenges("softmax-row-point", v.rows);
    const SumcheckShape rsh = SumcheckShape::of(v.all(), zr, 2, {{Fr::one(), {0}}, {gamma, {0, 1}}});
    auto w = sumcheck_verify(ch, rsh, VerifierValue::constant((Fr::one() + gamma) * selector_eval(rows(), zr)));
    if (!w) return w.error();
    auto we = vv.evaluate(kOh, w->point, "softmax-argmax-row-eval");
    if (!we) return we.error();
    const VerifierValue evs2[2] = {we.value(), VerifierValue::constant(mask.evaluate(w->point))};
    if (Status s = sumcheck_verify_final(ch, rsh, w->expected, evs2); !s) return s;
  }
  return {};
}

}  // namespace zklora

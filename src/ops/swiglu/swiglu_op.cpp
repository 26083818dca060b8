// SwiGLU with the sigmoid's clamp proven (swiglu_op.h).
#include "zklora/ops/swiglu/swiglu_op.h"

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
#include "zklora/poly/small_mul.h"

namespace zklora {
namespace {

constexpr TensorRef kG = TensorRef::input(0), kU = TensorRef::input(1);
constexpr TensorRef kH = TensorRef::output(0), kSigma = TensorRef::output(1);
constexpr TensorRef kRemJ = TensorRef::helper(0), kJc = TensorRef::helper(1), kW = TensorRef::helper(2),
                    kRemH = TensorRef::helper(3);
constexpr unsigned kIndexShift = kSigmoidShift;         // 5
constexpr unsigned kShift = kFixed.unit + kFixed.act;  // 32: g sigma u to the act scale
constexpr int64_t kLo = kSigmoidMin, kHi = -kSigmoidMin - 1;
constexpr unsigned kOverflowBits = 44;

// eq(z, x) g(x) sigma(x) u(x)
SumcheckShape output_shape(unsigned vars, std::vector<Fr> z) {
  return SumcheckShape::of(vars, std::move(z), 3, {{Fr::one(), {0, 1, 2}}});
}

// (C1) + lambda (C2) with j = (g + 2^4 sel - rem_j) / 2^5, written as L + w jc jc' over seven tables:
//   0 g, 1 rem_j, 2 sel (no term reads them: their evaluations enter through L's), 3 jc, 4 w,
//   5 L   = c (g + 2^4 sel - rem_j) - (hi - lo) jc + (hi + lo - lambda hi lo) w,   c = (hi - lo) / 2^5,
//   6 jc' = -2 + lambda (hi + lo) - lambda jc,
// L and jc' being linear in the others, their evaluations follow from those (ClampForm). Expanded, L + w jc jc' is
//   (hi - lo)(j - jc) - w (2 jc - hi - lo) + lambda w (hi - jc)(jc - lo):
// two products per point where the nine terms of the expanded form take thirteen.
struct ClampForm {
  Fr c, span, k_w, k_jc, lambda;
  explicit ClampForm(const Fr& l) : lambda(l) {
    const Fr hi = Fr::from_i64(kHi), lo = Fr::from_i64(kLo);
    span = hi - lo;
    c = span * pow2_fr(kIndexShift).inverse();
    k_w = hi + lo - lambda * hi * lo;
    k_jc = lambda * (hi + lo) - Fr::from_u64(2);
  }
  // L and jc' from the evaluations of g, rem_j, sel, jc, w.
  template <class V>
  V linear(const V& g, const V& rem_j, const V& sel, const V& jc, const V& w) const {
    return (g + sel * pow2_fr(kIndexShift - 1) - rem_j) * c - jc * span + w * k_w;
  }
  template <class V>
  V shifted_index(const V& jc) const {
    return V::constant(k_jc) - jc * lambda;
  }
};

SumcheckShape clamp_shape(unsigned vars, std::vector<Fr> z) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = 7;
  s.terms = {{Fr::one(), {5}}, {Fr::one(), {4, 3, 6}}};
  return s;
}

}  // namespace

SwigluOp::SwigluOp(std::vector<uint64_t> dims) : dims_(std::move(dims)) {
  if (dims_.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "swiglu: no dimensions");
}

std::vector<TensorDecl> SwigluOp::outputs() const {
  return {{"", dims_, kActivationRange, false}, {"sigma", dims_, {}, true}};
}

std::vector<TensorDecl> SwigluOp::helpers() const {
  return {{"index_remainder", dims_, RangeSpec{kIndexShift, false}, true},
          {"index", dims_, {}, true},
          {"clamp_overflow", dims_, RangeSpec{kOverflowBits, false}, true},
          {"remainder", dims_, RangeSpec{kShift, false}, true}};
}

std::vector<LookupDecl> SwigluOp::lookups() const { return {{LookupTableId::SIGMOID, {kJc, kSigma}}}; }

void SwigluOp::absorb(Transcript& t) const {
  t.domain("op-swiglu");
  absorb_dims(t, "dims", dims_);
}

OpWitness SwigluOp::compute(std::span<const TableView> in, int threads) const {
  const auto n = static_cast<int64_t>(PaddedShape(dims_).numel());
  ITensor g({n}), u({n});
  g.data = view_to_i64(in[0]);
  u.data = view_to_i64(in[1]);
  const SwigluOut f = swiglu_forward(g, u);
  std::vector<int64_t> rem_j(static_cast<size_t>(n)), jc(rem_j.size()), w(rem_j.size()), rem_h(rem_j.size());
  parallel_for(rem_j.size(), threads, [&](size_t i) {
    const int64_t j = round_shift64(g.data[i], kIndexShift);
    rem_j[i] = g.data[i] + (int64_t{1} << (kIndexShift - 1)) - (j << kIndexShift);
    jc[i] = std::clamp(j, kLo, kHi);
    w[i] = j > jc[i] ? j - jc[i] : jc[i] - j;
    rem_h[i] = static_cast<int64_t>(static_cast<i128>(g.data[i]) * f.sigma.data[i] * u.data[i] +
                                    (i128{1} << (kShift - 1)) - (static_cast<i128>(f.h.data[i]) << kShift));
  }, grain_for(8));
  OpWitness out;
  out.outputs = {OwnedTable(f.h.data), OwnedTable(f.sigma.data)};
  out.helpers = {OwnedTable(std::move(rem_j)), OwnedTable(std::move(jc)), OwnedTable(std::move(w)),
                 OwnedTable(std::move(rem_h))};
  return out;
}

void SwigluOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned n = tensor_vars(dims_);
  const size_t size = size_t{1} << n;
  // 2^32 h = g sigma u + 2^31 sel - rem_h
  if (const std::optional<ProverClaim> h = p.combined_claim(kH)) {
    const ProverValue rem = p.evaluate(kRemH, h->point, "swiglu-remainder");
    const ProverValue sum = h->value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims_, h->point) + rem;
    const SumcheckShape sh = output_shape(n, h->point);
    SumcheckProverResult r = sumcheck_prove(
        ch, sh,
        {to_field(p.tensor(kG).padded(), size, threads), to_field(p.tensor(kSigma).padded(), size, threads),
         to_field(p.tensor(kU).padded(), size, threads)},
        sum, threads);
    const ProverValue evs[3] = {p.evaluate(kG, r.point, "swiglu-gate-eval"),
                                p.evaluate(kSigma, r.point, "swiglu-sigma-eval"),
                                p.evaluate(kU, r.point, "swiglu-up-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
  // The clamp.
  const ClampForm form(ch.challenge("swiglu-lambda"));
  const SumcheckShape cs = clamp_shape(n, ch.challenges("swiglu-clamp-point", n));
  std::vector<std::vector<Fr>> tables(7);
  {
    const std::vector<int64_t> g = view_to_i64(p.tensor(kG).padded()), rem_j = view_to_i64(p.tensor(kRemJ).padded()),
                               jc = view_to_i64(p.tensor(kJc).padded()), w = view_to_i64(p.tensor(kW).padded());
    const std::vector<uint8_t> sel = lookup_selector_table(dims_);
    const ScaledFr<1> c = ScaledFr<1>::from(form.c), neg_span = ScaledFr<1>::from(-form.span),
                      k_w = ScaledFr<1>::from(form.k_w), k_jc = ScaledFr<1>::from(form.k_jc),
                      neg_lambda = ScaledFr<1>::from(-form.lambda);
    tables[3].resize(size);
    tables[4].resize(size);
    tables[5].resize(size);
    tables[6].resize(size);
    const auto at = [](const std::vector<int64_t>& v, size_t i) { return i < v.size() ? v[i] : int64_t{0}; };
    parallel_for(size, threads, [&](size_t i) {
      const int64_t a = at(g, i) + (i < sel.size() && sel[i] ? int64_t{1} << (kIndexShift - 1) : 0) - at(rem_j, i);
      const int64_t ji = at(jc, i), wi = at(w, i);
      tables[3][i] = int_to_fr(ji);
      tables[4][i] = int_to_fr(wi);
      tables[5][i] = int_lincomb2(a, c, ji, neg_span) + int_lincomb2(wi, k_w, 0, k_w);
      tables[6][i] = int_lincomb2(1, k_jc, ji, neg_lambda);
    }, grain_for(16));
  }
  SumcheckProverResult r = sumcheck_prove(ch, cs, std::move(tables), ProverValue::constant(Fr::zero()), threads);
  std::vector<ProverValue> evs = {p.evaluate(kG, r.point, "swiglu-clamp-gate"),
                                  p.evaluate(kRemJ, r.point, "swiglu-clamp-remainder"),
                                  ProverValue::constant(selector_eval(dims_, r.point)),
                                  p.evaluate(kJc, r.point, "swiglu-clamp-index"),
                                  p.evaluate(kW, r.point, "swiglu-clamp-overflow")};
  evs.push_back(form.linear(evs[0], evs[1], evs[2], evs[3], evs[4]));
  evs.push_back(form.shifted_index(evs[3]));
  sumcheck_prove_final(ch, cs, r.final_value, evs);
}

Status SwigluOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned n = tensor_vars(dims_);
  auto h = v.combined_claim(kH);
  if (!h) return h.error();
  if (h->has_value()) {
    const VerifierClaim& hc = **h;
    auto rem = v.evaluate(kRemH, hc.point, "swiglu-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        hc.value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims_, hc.point) + rem.value();
    const SumcheckShape sh = output_shape(n, hc.point);
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto ge = v.evaluate(kG, r->point, "swiglu-gate-eval");
    if (!ge) return ge.error();
    auto se = v.evaluate(kSigma, r->point, "swiglu-sigma-eval");
    if (!se) return se.error();
    auto ue = v.evaluate(kU, r->point, "swiglu-up-eval");
    if (!ue) return ue.error();
    const VerifierValue evs[3] = {ge.value(), se.value(), ue.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  const ClampForm form(ch.challenge("swiglu-lambda"));
  const SumcheckShape cs = clamp_shape(n, ch.challenges("swiglu-clamp-point", n));
  auto r = sumcheck_verify(ch, cs, VerifierValue::constant(Fr::zero()));
  if (!r) return r.error();
  VerifierValue evs[7];
  const std::pair<size_t, TensorRef> sent[4] = {{0, kG}, {1, kRemJ}, {3, kJc}, {4, kW}};
  const char* labels[4] = {"swiglu-clamp-gate", "swiglu-clamp-remainder", "swiglu-clamp-index",
                           "swiglu-clamp-overflow"};
  for (size_t k = 0; k < 4; ++k) {
    auto e = v.evaluate(sent[k].second, r->point, labels[k]);
    if (!e) return e.error();
    evs[sent[k].first] = e.value();
  }
  evs[2] = VerifierValue::constant(selector_eval(dims_, r->point));
  evs[5] = form.linear(evs[0], evs[1], evs[2], evs[3], evs[4]);
  evs[6] = form.shifted_index(evs[3]);
  return sumcheck_verify_final(ch, cs, r->expected, evs);
}

}  // namespace zklora

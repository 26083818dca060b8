// Global-norm clipping of the mean gradients, its scalars through channel products (clip_op.h).
#include "zklora/ops/update/clip_op.h"

#include <string>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/optim.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kNorm = TensorRef::helper(0), kFlag = TensorRef::helper(1), kRootLow = TensorRef::helper(2),
                    kRootHigh = TensorRef::helper(3), kDecision = TensorRef::helper(4);
TensorRef q_of(size_t j) { return TensorRef::helper(static_cast<uint32_t>(5 + 3 * j)); }
TensorRef rho_of(size_t j) { return TensorRef::helper(static_cast<uint32_t>(6 + 3 * j)); }
TensorRef slack_of(size_t j) { return TensorRef::helper(static_cast<uint32_t>(7 + 3 * j)); }
constexpr ErrorCode kMismatch = ErrorCode::RELATION_MISMATCH;
const std::vector<Fr> kScalar;  // the point of a scalar

SumcheckShape squares_shape(unsigned vars) {
  SumcheckShape s;
  s.num_vars = vars;
  s.num_tables = 1;
  s.terms = {{Fr::one(), {0, 0}}};
  return s;
}

}  // namespace

ClipOp::ClipOp(std::vector<std::vector<uint64_t>> dims, int64_t clip, int64_t eps6)
    : dims_(std::move(dims)), clip_(clip), eps6_(eps6) {
  bool ok = !dims_.empty() && clip_ > 0 && clip_ < (int64_t{1} << 52) && eps6_ > 0 && eps6_ < (int64_t{1} << 32);
  for (const auto& d : dims_) ok = ok && !d.empty();
  if (!ok) throw ZkError(ErrorCode::INVALID_ARGUMENT, "clip: need tensors, clip in (0, 2^52) and eps in (0, 2^32)");
}

std::vector<TensorDecl> ClipOp::outputs() const {
  std::vector<TensorDecl> out;
  for (size_t j = 0; j < dims_.size(); ++j) out.push_back({std::to_string(j), dims_[j], RangeSpec{63, true}, false});
  return out;
}

std::vector<TensorDecl> ClipOp::helpers() const {
  const RangeSpec slack{63, false};
  std::vector<TensorDecl> out{{"norm", {1}, RangeSpec{62, false}, true},
                              {"flag", {1}, {}, true},
                              {"root_low", {1}, slack, true},
                              {"root_high", {1}, slack, true},
                              {"decision", {1}, slack, true}};
  for (size_t j = 0; j < dims_.size(); ++j) {
    const std::string n = std::to_string(j);
    out.push_back({"quotient" + n, dims_[j], RangeSpec{63, true}, true});
    out.push_back({"remainder" + n, dims_[j], slack, false});
    out.push_back({"slack" + n, dims_[j], slack, false});
  }
  return out;
}

void ClipOp::absorb(Transcript& t) const {
  t.domain("op-clip");
  t.absorb_u64("tensors", dims_.size());
  for (const auto& d : dims_) absorb_dims(t, "dims", d);
  t.absorb_u64("clip", static_cast<uint64_t>(clip_));
  t.absorb_u64("eps", static_cast<uint64_t>(eps6_));
}

OpWitness ClipOp::compute(std::span<const TableView> in, int threads) const {
  std::vector<std::vector<int64_t>> g;
  u128 sq = 0;
  for (const TableView& t : in) {
    g.push_back(view_to_i64(t));
    for (const int64_t x : g.back()) sq += static_cast<u128>(static_cast<i128>(x) * x);
  }
  const ClipDecision d = clip_decision(sq, clip_, eps6_);
  const i128 norm = d.norm, den = d.den;
  OpWitness out;
  std::vector<std::vector<int64_t>> q(g.size()), rho(g.size()), slack(g.size());
  for (size_t j = 0; j < g.size(); ++j) {
    const size_t n = g[j].size();
    std::vector<int64_t> y(n);
    q[j].resize(n);
    rho[j].resize(n);
    slack[j].resize(n);
    parallel_for(n, threads, [&](size_t i) {
      q[j][i] = clip_element(g[j][i], clip_, d.den);
      const i128 r = 2 * static_cast<i128>(g[j][i]) * clip_ + den - 2 * static_cast<i128>(q[j][i]) * den;
      rho[j][i] = static_cast<int64_t>(r);
      slack[j][i] = static_cast<int64_t>(2 * den - 1 - r);
      y[i] = d.clip ? q[j][i] : g[j][i];
    }, grain_for(64));
    out.outputs.emplace_back(std::move(y));
  }
  const i128 sqi = static_cast<i128>(sq);
  const std::vector<int64_t> scalars = {
      d.norm, d.clip ? 1 : 0, static_cast<int64_t>(sqi - norm * norm), static_cast<int64_t>(norm * norm + 2 * norm - sqi),
      static_cast<int64_t>(d.clip ? den - clip_ - 1 : clip_ - den)};
  for (const int64_t s : scalars) out.helpers.emplace_back(std::vector<int64_t>{s});
  for (size_t j = 0; j < g.size(); ++j) {
    out.helpers.emplace_back(std::move(q[j]));
    out.helpers.emplace_back(std::move(rho[j]));
    out.helpers.emplace_back(std::move(slack[j]));
  }
  return out;
}

void ClipOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const Fr clip = Fr::from_i64(clip_), one = Fr::one(), two = Fr::from_u64(2);
  // The scalars.
  const ProverValue norm = p.evaluate(kNorm, kScalar, "clip-norm");
  const ProverValue b = p.evaluate(kFlag, kScalar, "clip-flag");
  const ProverValue low = p.evaluate(kRootLow, kScalar, "clip-root-low");
  const ProverValue high = p.evaluate(kRootHigh, kScalar, "clip-root-high");
  const ProverValue decision = p.evaluate(kDecision, kScalar, "clip-decision");
  // The sum of squares, one sumcheck per tensor.
  ProverValue sq = ProverValue::constant(Fr::zero());
  for (size_t j = 0; j < dims_.size(); ++j) {
    const unsigned vars = tensor_vars(dims_[j]);
    std::vector<Fr> g = to_field(p.tensor(TensorRef::input(static_cast<uint32_t>(j))).padded(), size_t{1} << vars, threads);
    Fr total;
    for (const Fr& x : g) total += x * x;
    const ProverValue s = ch.send("clip-squares", total);
    const SumcheckShape sh = squares_shape(vars);
    SumcheckProverResult r = sumcheck_prove(ch, sh, {std::move(g)}, s, threads);
    const ProverValue ge = p.evaluate(TensorRef::input(static_cast<uint32_t>(j)), r.point, "clip-squares-eval");
    sumcheck_prove_final(ch, sh, r.final_value, std::span(&ge, 1));
    sq += s;
  }
  const ProverValue nn = ch.mul("clip-norm-squared", norm, norm);
  ch.prove_zero("clip-root-low", low - sq + nn);
  ch.prove_zero("clip-root-high", high - nn - norm * two + sq);
  ch.prove_zero("clip-flag-boolean", ch.mul("clip-flag-squared", b, b) - b);
  const ProverValue den = norm + ProverValue::constant(Fr::from_i64(eps6_));
  // decision = b (2 den - 2 CLIP - 1) + CLIP - den
  const ProverValue bd = ch.mul("clip-decision-product", b, den * two - ProverValue::constant(clip * two + one));
  ch.prove_zero("clip-decision", decision - bd - ProverValue::constant(clip) + den);
  for (size_t j = 0; j < dims_.size(); ++j) {
    const TensorRef g = TensorRef::input(static_cast<uint32_t>(j)), y = TensorRef::output(static_cast<uint32_t>(j));
    // g' = g + b (q - g)
    for (const ProverClaim& c : p.claims(y)) {
      const ProverValue ge = p.evaluate(g, c.point, "clip-gradient-eval");
      const ProverValue qe = p.evaluate(q_of(j), c.point, "clip-quotient-eval");
      ch.prove_zero("clip-output", c.value - ge - ch.mul("clip-choice", b, qe - ge));
    }
    // slack = (2 den - 1) sel - rho;  rho = 2 CLIP g + den sel - 2 den q
    std::vector<ProverClaim> rho(p.claims(rho_of(j)).begin(), p.claims(rho_of(j)).end());
    for (const ProverClaim& c : p.claims(slack_of(j))) {
      rho.push_back({c.point, (den * two - ProverValue::constant(one)) * selector_eval(dims_[j], c.point) - c.value});
    }
    for (const ProverClaim& c : rho) {
      const Fr sel = selector_eval(dims_[j], c.point);
      const ProverValue ge = p.evaluate(g, c.point, "clip-remainder-gradient");
      const ProverValue qe = p.evaluate(q_of(j), c.point, "clip-remainder-quotient");
      const ProverValue dq = ch.mul("clip-remainder-product", den, qe);
      ch.prove_zero("clip-remainder", c.value - ge * (clip * two) - den * sel + dq * two);
    }
  }
}

Status ClipOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const Fr clip = Fr::from_i64(clip_), one = Fr::one(), two = Fr::from_u64(2);
  const auto scalar = [&](TensorRef r, const char* label) { return v.evaluate(r, kScalar, label); };
  auto norm = scalar(kNorm, "clip-norm");
  if (!norm) return norm.error();
  auto b = scalar(kFlag, "clip-flag");
  if (!b) return b.error();
  auto low = scalar(kRootLow, "clip-root-low");
  if (!low) return low.error();
  auto high = scalar(kRootHigh, "clip-root-high");
  if (!high) return high.error();
  auto decision = scalar(kDecision, "clip-decision");
  if (!decision) return decision.error();
  VerifierValue sq = VerifierValue::constant(Fr::zero());
  for (size_t j = 0; j < dims_.size(); ++j) {
    auto s = ch.receive("clip-squares");
    if (!s) return s.error();
    const SumcheckShape sh = squares_shape(tensor_vars(dims_[j]));
    auto r = sumcheck_verify(ch, sh, s.value());
    if (!r) return r.error();
    auto ge = v.evaluate(TensorRef::input(static_cast<uint32_t>(j)), r->point, "clip-squares-eval");
    if (!ge) return ge.error();
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, std::span(&ge.value(), 1)); !st) return st;
    sq += s.value();
  }
  const auto fail = [](const char* what) { return std::string("clipping: ") + what; };
  auto nn = ch.mul("clip-norm-squared", norm.value(), norm.value(), kMismatch, fail("the norm's square"));
  if (!nn) return nn.error();
  if (Status s = ch.check_zero("clip-root-low", low.value() - sq + nn.value(), kMismatch, fail("the norm is too large"));
      !s) {
    return s;
  }
  if (Status s = ch.check_zero("clip-root-high", high.value() - nn.value() - norm.value() * two + sq, kMismatch,
                               fail("the norm is too small"));
      !s) {
    return s;
  }
  auto bb = ch.mul("clip-flag-squared", b.value(), b.value(), kMismatch, fail("the flag's square"));
  if (!bb) return bb.error();
  if (Status s = ch.check_zero("clip-flag-boolean", bb.value() - b.value(), kMismatch, fail("the flag is not a bit"));
      !s) {
    return s;
  }
  const VerifierValue den = norm.value() + VerifierValue::constant(Fr::from_i64(eps6_));
  auto bd = ch.mul("clip-decision-product", b.value(), den * two - VerifierValue::constant(clip * two + one),
                   kMismatch, fail("the decision's product"));
  if (!bd) return bd.error();
  if (Status s = ch.check_zero("clip-decision", decision.value() - bd.value() - VerifierValue::constant(clip) + den,
                               kMismatch, fail("the flag is not CLIP < norm + eps"));
      !s) {
    return s;
  }
  for (size_t j = 0; j < dims_.size(); ++j) {
    const TensorRef g = TensorRef::input(static_cast<uint32_t>(j)), y = TensorRef::output(static_cast<uint32_t>(j));
    for (const VerifierClaim& c : v.claims(y)) {
      auto ge = v.evaluate(g, c.point, "clip-gradient-eval");
      if (!ge) return ge.error();
      auto qe = v.evaluate(q_of(j), c.point, "clip-quotient-eval");
      if (!qe) return qe.error();
      auto pick = ch.mul("clip-choice", b.value(), qe.value() - ge.value(), kMismatch, fail("the choice's product"));
      if (!pick) return pick.error();
      if (Status s = ch.check_zero("clip-output", c.value - ge.value() - pick.value(), kMismatch,
                                   fail("an output is not the chosen gradient"));
          !s) {
        return s;
      }
    }
    std::vector<VerifierClaim> rho(v.claims(rho_of(j)).begin(), v.claims(rho_of(j)).end());
    for (const VerifierClaim& c : v.claims(slack_of(j))) {
      rho.push_back({c.point, (den * two - VerifierValue::constant(one)) * selector_eval(dims_[j], c.point) - c.value});
    }
    for (const VerifierClaim& c : rho) {
      const Fr sel = selector_eval(dims_[j], c.point);
      auto ge = v.evaluate(g, c.point, "clip-remainder-gradient");
      if (!ge) return ge.error();
      auto qe = v.evaluate(q_of(j), c.point, "clip-remainder-quotient");
      if (!qe) return qe.error();
      auto dq = ch.mul("clip-remainder-product", den, qe.value(), kMismatch, fail("the quotient's product"));
      if (!dq) return dq.error();
      if (Status s = ch.check_zero("clip-remainder", c.value - ge.value() * (clip * two) - den * sel + dq.value() * two,
                                   kMismatch, fail("a scaled gradient is not div_round(g CLIP, den)"));
          !s) {
        return s;
      }
    }
  }
  return {};
}

}  // namespace zklora

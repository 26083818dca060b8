// SwiGLU's backward pass with every rounding proven (swiglu_backward_op.h).
#include "zklora/ops/swiglu/swiglu_backward_op.h"

#include <algorithm>
#include <map>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kG = TensorRef::input(0), kU = TensorRef::input(1), kSigma = TensorRef::input(2),
                    kDh = TensorRef::input(3);
constexpr TensorRef kDg = TensorRef::output(0), kDu = TensorRef::output(1);
constexpr TensorRef kT2 = TensorRef::helper(0), kRemU = TensorRef::helper(1), kRem2 = TensorRef::helper(2),
                    kRemG = TensorRef::helper(3);
constexpr unsigned kUnit = kFixed.unit;  // 16: sigma's scale; every relation shifts by 2 kUnit = unit + act
// The derived tensors whose claims this operation makes itself (besides those of the graph).
constexpr TensorRef kDerived[] = {kT2};

// coeff times the product of the factors (tensors of the operation).
struct Product {
  int64_t coeff;
  std::vector<TensorRef> factors;
};
// 2^shift q = sum_k coeff_k prod_k + 2^(shift - 1) sel - rem, rem in [0, 2^shift).
struct Relation {
  const char* name;
  TensorRef q, rem;
  unsigned shift;
  std::vector<Product> products;
};

// In the order the proof runs them: each relation's claims on derived tensors come before those tensors' own.
const std::vector<Relation>& relations() {
  static const std::vector<Relation> r = {
      {"gate-gradient", kDg, kRemG, 2 * kUnit, {{1, {kDh, kU, kSigma}}, {1, {kDh, kU, kT2}}}},
      {"silu-slope", kT2, kRem2, 2 * kUnit, {{int64_t{1} << kUnit, {kG, kSigma}}, {-1, {kG, kSigma, kSigma}}}},
      {"up-gradient", kDu, kRemU, 2 * kUnit, {{1, {kDh, kG, kSigma}}}},
  };
  return r;
}

bool is_derived(TensorRef r) {
  for (const TensorRef d : kDerived) {
    if (d == r) return true;
  }
  return false;
}

// The distinct factors of a relation, in order: the sumcheck's tables.
std::vector<TensorRef> factors_of(const Relation& rel) {
  std::vector<TensorRef> out;
  for (const Product& p : rel.products) {
    for (const TensorRef f : p.factors) {
      if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    }
  }
  return out;
}

SumcheckShape relation_shape(const Relation& rel, const std::vector<TensorRef>& fs, unsigned vars, std::vector<Fr> z) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = static_cast<uint32_t>(fs.size());
  for (const Product& p : rel.products) {
    std::vector<uint32_t> idx;
    for (const TensorRef f : p.factors) {
      idx.push_back(static_cast<uint32_t>(std::find(fs.begin(), fs.end(), f) - fs.begin()));
    }
    s.terms.push_back({Fr::from_i64(p.coeff), std::move(idx)});
  }
  return s;
}

// A claim on a derived tensor whose relation already ran would never be checked: the order of relations() forbids
// it, and this refuses it should the order change.
constexpr std::string_view kLateClaim = "swiglu backward: a claim on a derived tensor after its relation ran";

std::string label(const Relation& rel, const char* what) { return std::string("swiglu-bwd-") + rel.name + "-" + what; }

}  // namespace

SwigluBackwardOp::SwigluBackwardOp(std::vector<uint64_t> dims) : dims_(std::move(dims)) {
  if (dims_.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "swiglu backward: no dimensions");
}

std::vector<std::vector<uint64_t>> SwigluBackwardOp::input_dims() const { return {dims_, dims_, dims_, dims_}; }

std::vector<TensorDecl> SwigluBackwardOp::outputs() const {
  return {{"", dims_, kGradientRange, false}, {"up", dims_, kGradientRange, false}};
}

std::vector<TensorDecl> SwigluBackwardOp::helpers() const {
  return {{"slope", dims_, kSlopeRange, false},
          {"up_remainder", dims_, RangeSpec{2 * kUnit, false}, true},
          {"slope_remainder", dims_, RangeSpec{2 * kUnit, false}, true},
          {"remainder", dims_, RangeSpec{2 * kUnit, false}, true}};
}

void SwigluBackwardOp::absorb(Transcript& t) const {
  t.domain("op-swiglu-backward");
  absorb_dims(t, "dims", dims_);
}

OpWitness SwigluBackwardOp::compute(std::span<const TableView> in, int threads) const {
  const auto n = static_cast<int64_t>(PaddedShape(dims_).numel());
  ITensor g({n}), u({n}), dh({n});
  g.data = view_to_i64(in[0]);
  u.data = view_to_i64(in[1]);
  dh.data = view_to_i64(in[3]);
  SwigluOut fwd;
  fwd.sigma = ITensor({n});
  fwd.sigma.data = view_to_i64(in[2]);
  ITensor dg, du;
  swiglu_backward(g, u, fwd, dh, dg, du);
  const size_t size = static_cast<size_t>(n);
  std::vector<int64_t> t2(size), rem_u(size), rem_2(size), rem_g(size);
  // q = round_shift(x, shift) and its remainder x + 2^(shift - 1) - 2^shift q.
  const auto round = [](i128 x, unsigned shift, int64_t& q, int64_t& rem) {
    const i128 r = round_shift(x, shift);
    q = static_cast<int64_t>(r);
    rem = static_cast<int64_t>(x + (i128{1} << (shift - 1)) - (r << shift));
  };
  const i128 one = i128{1} << kUnit;
  parallel_for(size, threads, [&](size_t i) {
    const i128 s = fwd.sigma.data[i];
    int64_t du_i = 0, dg_i = 0;
    round(static_cast<i128>(dh.data[i]) * g.data[i] * s, 2 * kUnit, du_i, rem_u[i]);
    round(static_cast<i128>(g.data[i]) * (one - s) * s, 2 * kUnit, t2[i], rem_2[i]);
    round(static_cast<i128>(dh.data[i]) * u.data[i] * (s + t2[i]), 2 * kUnit, dg_i, rem_g[i]);
    if (du_i != du.data[i] || dg_i != dg.data[i]) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "swiglu backward: the relations disagree with the engine");
    }
  }, grain_for(8));
  OpWitness out;
  out.outputs = {OwnedTable(std::move(dg.data)), OwnedTable(std::move(du.data))};
  for (auto* x : {&t2, &rem_u, &rem_2, &rem_g}) out.helpers.emplace_back(std::move(*x));
  return out;
}

void SwigluBackwardOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned n = tensor_vars(dims_);
  const size_t size = size_t{1} << n;
  std::map<uint32_t, std::vector<ProverClaim>> made;  // claims on the derived helpers, by helper index
  std::vector<uint32_t> done;                          // the derived helpers whose relation ran
  for (const Relation& rel : relations()) {
    std::vector<ProverClaim> claims(p.claims(rel.q).begin(), p.claims(rel.q).end());
    if (is_derived(rel.q)) {
      claims.insert(claims.end(), made[rel.q.index].begin(), made[rel.q.index].end());
      done.push_back(rel.q.index);
    }
    if (claims.empty()) continue;
    const ProverClaim c = combine_claims_prove(ch, p.tensor(rel.q).padded(), n, claims, threads);  // one: itself
    const ProverValue rem = p.evaluate(rel.rem, c.point, label(rel, "remainder"));
    const ProverValue sum =
        c.value * pow2_fr(rel.shift) - pow2_fr(rel.shift - 1) * selector_eval(dims_, c.point) + rem;
    const std::vector<TensorRef> fs = factors_of(rel);
    std::vector<std::vector<Fr>> tables;
    for (const TensorRef f : fs) tables.push_back(to_field(p.tensor(f).padded(), size, threads));
    const SumcheckShape sh = relation_shape(rel, fs, n, c.point);
    SumcheckProverResult r = sumcheck_prove(ch, sh, std::move(tables), sum, threads);
    std::vector<ProverValue> evs;
    for (size_t k = 0; k < fs.size(); ++k) {
      if (is_derived(fs[k])) {
        if (std::find(done.begin(), done.end(), fs[k].index) != done.end()) {
          throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
        }
        evs.push_back(ch.send(label(rel, "derived-eval"), r.evaluations[k]));
        made[fs[k].index].push_back({r.point, evs.back()});
      } else {
        evs.push_back(p.evaluate(fs[k], r.point, label(rel, "eval")));
      }
    }
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
}

Status SwigluBackwardOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned n = tensor_vars(dims_);
  std::map<uint32_t, std::vector<VerifierClaim>> made;
  std::vector<uint32_t> done;
  for (const Relation& rel : relations()) {
    std::vector<VerifierClaim> claims(v.claims(rel.q).begin(), v.claims(rel.q).end());
    if (is_derived(rel.q)) {
      claims.insert(claims.end(), made[rel.q.index].begin(), made[rel.q.index].end());
      done.push_back(rel.q.index);
    }
    if (claims.empty()) continue;
    auto cc = combine_claims_verify(ch, n, claims);  // one claim: itself
    if (!cc) return cc.error();
    const VerifierClaim& c = cc.value();
    auto rem = v.evaluate(rel.rem, c.point, label(rel, "remainder"));
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(rel.shift) - pow2_fr(rel.shift - 1) * selector_eval(dims_, c.point) + rem.value();
    const std::vector<TensorRef> fs = factors_of(rel);
    const SumcheckShape sh = relation_shape(rel, fs, n, c.point);
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    std::vector<VerifierValue> evs;
    for (const TensorRef f : fs) {
      if (is_derived(f)) {
        if (std::find(done.begin(), done.end(), f.index) != done.end()) {
          return make_error(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
        }
        auto e = ch.receive(label(rel, "derived-eval"));
        if (!e) return e.error();
        evs.push_back(e.value());
        made[f.index].push_back({r->point, e.value()});
      } else {
        auto e = v.evaluate(f, r->point, label(rel, "eval"));
        if (!e) return e.error();
        evs.push_back(e.value());
      }
    }
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  return {};
}

}  // namespace zklora

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
                    kSilu = TensorRef::input(3), kDh = TensorRef::input(4);
constexpr TensorRef kDg = TensorRef::output(0), kDu = TensorRef::output(1);
constexpr TensorRef kDact = TensorRef::helper(0), kT1 = TensorRef::helper(1), kT2 = TensorRef::helper(2),
                    kRemA = TensorRef::helper(3), kRemU = TensorRef::helper(4), kRem1 = TensorRef::helper(5),
                    kRem2 = TensorRef::helper(6), kRemG = TensorRef::helper(7);
constexpr unsigned kShift = kFixed.unit;  // 16 (= act)
// The derived tensors whose claims this operation makes itself (besides those of the graph).
constexpr TensorRef kDerived[] = {kDact, kT1, kT2};

// A factor of a product: a tensor of the operation, or the public selector of the real entries.
struct Factor {
  TensorRef ref;
  bool selector = false;
};
struct Product {
  int64_t coeff;
  Factor a, b;
};
// 2^16 q = sum_k coeff_k a_k b_k + 2^15 sel - rem.
struct Relation {
  const char* name;
  TensorRef q, rem;
  std::vector<Product> products;
};

const Factor kSel{TensorRef::input(0), true};

// In the order the proof runs them: each relation's claims on derived tensors come before those tensors' own.
const std::vector<Relation>& relations() {
  static const std::vector<Relation> r = {
      {"gate-gradient", kDg, kRemG, {{1, {kDact}, {kSigma}}, {1, {kDact}, {kT2}}}},
      {"silu-slope", kT2, kRem2, {{1, {kT1}, {kSigma}}}},
      {"gate-times-complement", kT1, kRem1, {{int64_t{1} << kShift, {kG}, kSel}, {-1, {kG}, {kSigma}}}},
      {"silu-output-gradient", kDact, kRemA, {{1, {kDh}, {kU}}}},
      {"up-gradient", kDu, kRemU, {{1, {kDh}, {kSilu}}}},
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
std::vector<Factor> factors_of(const Relation& rel) {
  std::vector<Factor> out;
  const auto add = [&](const Factor& f) {
    for (const Factor& g : out) {
      if (g.selector == f.selector && (f.selector || g.ref == f.ref)) return;
    }
    out.push_back(f);
  };
  for (const Product& p : rel.products) {
    add(p.a);
    add(p.b);
  }
  return out;
}

uint32_t index_of(const std::vector<Factor>& fs, const Factor& f) {
  for (size_t i = 0; i < fs.size(); ++i) {
    if (fs[i].selector == f.selector && (f.selector || fs[i].ref == f.ref)) return static_cast<uint32_t>(i);
  }
  throw ZkError(ErrorCode::INVALID_ARGUMENT, "swiglu backward: a factor outside its relation");
}

SumcheckShape relation_shape(const Relation& rel, const std::vector<Factor>& fs, unsigned vars, std::vector<Fr> z) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = static_cast<uint32_t>(fs.size());
  for (const Product& p : rel.products) s.terms.push_back({Fr::from_i64(p.coeff), {index_of(fs, p.a), index_of(fs, p.b)}});
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

std::vector<std::vector<uint64_t>> SwigluBackwardOp::input_dims() const { return {dims_, dims_, dims_, dims_, dims_}; }

std::vector<TensorDecl> SwigluBackwardOp::outputs() const {
  return {{"", dims_, kGradientRange, false}, {"up", dims_, kGradientRange, false}};
}

std::vector<TensorDecl> SwigluBackwardOp::helpers() const {
  const RangeSpec rem{kShift, false};
  return {{"silu_grad", dims_, kGradientRange, false},
          {"complement", dims_, kActivationRange, false},
          {"slope", dims_, kSlopeRange, false},
          {"silu_grad_remainder", dims_, rem, true},
          {"up_remainder", dims_, rem, true},
          {"complement_remainder", dims_, rem, true},
          {"slope_remainder", dims_, rem, true},
          {"remainder", dims_, rem, true}};
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
  dh.data = view_to_i64(in[4]);
  SwigluOut fwd;
  fwd.sigma = ITensor({n});
  fwd.silu = ITensor({n});
  fwd.sigma.data = view_to_i64(in[2]);
  fwd.silu.data = view_to_i64(in[3]);
  ITensor dg, du;
  swiglu_backward(g, u, fwd, dh, dg, du);
  const size_t size = static_cast<size_t>(n);
  std::vector<int64_t> d_act(size), t1(size), t2(size), rem_a(size), rem_u(size), rem_1(size), rem_2(size),
      rem_g(size);
  const i128 half = i128{1} << (kShift - 1), one = i128{1} << kShift;
  // q = round_shift(x, 16) and its remainder x + 2^15 - 2^16 q.
  const auto round = [&](i128 x, int64_t& q, int64_t& rem) {
    const i128 r = round_shift(x, kShift);
    q = static_cast<int64_t>(r);
    rem = static_cast<int64_t>(x + half - r * one);
  };
  parallel_for(size, threads, [&](size_t i) {
    const i128 s = fwd.sigma.data[i];
    round(static_cast<i128>(dh.data[i]) * u.data[i], d_act[i], rem_a[i]);
    int64_t du_i = 0, dg_i = 0;
    round(static_cast<i128>(dh.data[i]) * fwd.silu.data[i], du_i, rem_u[i]);
    round(static_cast<i128>(g.data[i]) * (one - s), t1[i], rem_1[i]);
    round(static_cast<i128>(t1[i]) * s, t2[i], rem_2[i]);
    round(static_cast<i128>(d_act[i]) * (s + t2[i]), dg_i, rem_g[i]);
    if (du_i != du.data[i] || dg_i != dg.data[i]) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "swiglu backward: the relations disagree with the engine");
    }
  }, grain_for(8));
  OpWitness out;
  out.outputs = {OwnedTable(std::move(dg.data)), OwnedTable(std::move(du.data))};
  for (auto* x : {&d_act, &t1, &t2, &rem_a, &rem_u, &rem_1, &rem_2, &rem_g}) out.helpers.emplace_back(std::move(*x));
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
    const ProverClaim c =
        claims.size() == 1 ? claims[0] : combine_claims_prove(ch, p.tensor(rel.q).padded(), n, claims, threads);
    const ProverValue rem = p.evaluate(rel.rem, c.point, label(rel, "remainder"));
    const ProverValue sum = c.value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims_, c.point) + rem;
    const std::vector<Factor> fs = factors_of(rel);
    std::vector<std::vector<Fr>> tables;
    for (const Factor& f : fs) {
      tables.push_back(f.selector ? lookup_selector_field(dims_, size) : to_field(p.tensor(f.ref).padded(), size, threads));
    }
    const SumcheckShape sh = relation_shape(rel, fs, n, c.point);
    SumcheckProverResult r = sumcheck_prove(ch, sh, std::move(tables), sum, threads);
    std::vector<ProverValue> evs;
    for (size_t k = 0; k < fs.size(); ++k) {
      if (fs[k].selector) {
        evs.push_back(ProverValue::constant(selector_eval(dims_, r.point)));
      } else if (is_derived(fs[k].ref)) {
        if (std::find(done.begin(), done.end(), fs[k].ref.index) != done.end()) {
          throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
        }
        evs.push_back(ch.send(label(rel, "derived-eval"), r.evaluations[k]));
        made[fs[k].ref.index].push_back({r.point, evs.back()});
      } else {
        evs.push_back(p.evaluate(fs[k].ref, r.point, label(rel, "eval")));
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
    VerifierClaim c;
    if (claims.size() == 1) {
      c = claims[0];
    } else {
      auto cc = combine_claims_verify(ch, n, claims);
      if (!cc) return cc.error();
      c = std::move(cc.value());
    }
    auto rem = v.evaluate(rel.rem, c.point, label(rel, "remainder"));
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims_, c.point) + rem.value();
    const std::vector<Factor> fs = factors_of(rel);
    const SumcheckShape sh = relation_shape(rel, fs, n, c.point);
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    std::vector<VerifierValue> evs;
    for (const Factor& f : fs) {
      if (f.selector) {
        evs.push_back(VerifierValue::constant(selector_eval(dims_, r->point)));
      } else if (is_derived(f.ref)) {
        if (std::find(done.begin(), done.end(), f.ref.index) != done.end()) {
          return make_error(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
        }
        auto e = ch.receive(label(rel, "derived-eval"));
        if (!e) return e.error();
        evs.push_back(e.value());
        made[f.ref.index].push_back({r->point, e.value()});
      } else {
        auto e = v.evaluate(f.ref, r->point, label(rel, "eval"));
        if (!e) return e.error();
        evs.push_back(e.value());
      }
    }
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  return {};
}

}  // namespace zklora

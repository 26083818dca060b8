// The AdamW update of an adapter tensor, every relation answered where its claims are (adamw_update_op.h).
#include "zklora/ops/update/adamw_update_op.h"

#include <bit>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kG = TensorRef::input(0), kTheta = TensorRef::input(1), kM = TensorRef::input(2),
                    kV = TensorRef::input(3);
constexpr TensorRef kTheta1 = TensorRef::output(0), kM1 = TensorRef::output(1), kV1 = TensorRef::output(2);
constexpr TensorRef kMHat = TensorRef::helper(0), kVHat = TensorRef::helper(1), kS = TensorRef::helper(2),
                    kStep = TensorRef::helper(3), kRemW = TensorRef::helper(4), kRemM = TensorRef::helper(5),
                    kRemV = TensorRef::helper(6), kRemG2 = TensorRef::helper(7), kW = TensorRef::helper(8),
                    kG2 = TensorRef::helper(9), kRhoM = TensorRef::helper(10), kSlackM = TensorRef::helper(11),
                    kRhoV = TensorRef::helper(12), kSlackV = TensorRef::helper(13), kSig1 = TensorRef::helper(14),
                    kSig2 = TensorRef::helper(15), kRhoS = TensorRef::helper(16), kSlackS = TensorRef::helper(17);
// The first derived helper.
constexpr uint32_t kFirstDerived = 8;
constexpr unsigned kHyper = kFixed.hyper;                                  // 32
constexpr unsigned kShiftG2 = 2 * kFixed.mean_grad - kFixed.second;       // 8
constexpr unsigned kStepShift = kHyper - kFixed.lora;                     // 8
constexpr RangeSpec kState{63, true};
constexpr ErrorCode kMismatch = ErrorCode::RELATION_MISMATCH;

bool is_derived(TensorRef r) { return r.role == TensorRef::Role::OUTPUT || (r.role == TensorRef::Role::HELPER && r.index >= kFirstDerived); }

// coeff a (b): a part of a relation.
struct Part {
  Fr coeff;
  TensorRef a;
  std::optional<TensorRef> b;
};
// k t = sum_i parts_i + sel_coeff sel.
struct Relation {
  const char* name;
  TensorRef t;
  Fr k;
  std::vector<Part> parts;
  Fr sel_coeff;
  bool has_products() const {
    for (const Part& p : parts) {
      if (p.b) return true;
    }
    return false;
  }
};

Fr f(int64_t x) { return Fr::from_i64(x); }

// Users before the tensors they read, so that a derived tensor's claims are complete when its relation runs.
std::vector<Relation> relations(const AdamwConstants& k) {
  const Fr one = Fr::one(), two = f(2), c1 = f(k.c1), c2 = f(k.c2), eps = f(k.eps);
  const Fr p8 = pow2_fr(8), p9 = pow2_fr(9), p32 = pow2_fr(kHyper), p33 = pow2_fr(kHyper + 1);
  return {
      {"theta", kTheta1, one, {{one, kTheta, {}}, {-one, kW, {}}, {-one, kStep, {}}}, Fr::zero()},
      {"decay", kW, p32, {{f(k.wd_lr), kTheta, {}}, {-one, kRemW, {}}}, pow2_fr(kHyper - 1)},
      {"step-slack", kSlackS, one, {{p9, kS, {}}, {-one, kRhoS, {}}}, p9 * eps - one},
      {"step", kRhoS, one,
       {{two * f(k.lr), kMHat, {}}, {p8, kS, {}}, {-p9, kStep, kS}, {-(p9 * eps), kStep, {}}}, p8 * eps},
      {"root-low", kSig1, one, {{p8, kVHat, {}}, {-one, kS, kS}}, Fr::zero()},
      {"root-high", kSig2, one, {{one, kS, kS}, {two, kS, {}}, {-p8, kVHat, {}}}, Fr::zero()},
      {"second-corrected-slack", kSlackV, one, {{-one, kRhoV, {}}}, two * c2 - one},
      {"second-corrected", kRhoV, one, {{p33, kV1, {}}, {-(two * c2), kVHat, {}}}, c2},
      {"second-moment", kV1, p32, {{f(k.b2), kV, {}}, {p32 - f(k.b2), kG2, {}}, {-one, kRemV, {}}},
       pow2_fr(kHyper - 1)},
      {"squared-gradient", kG2, pow2_fr(kShiftG2), {{one, kG, kG}, {-one, kRemG2, {}}}, pow2_fr(kShiftG2 - 1)},
      {"first-corrected-slack", kSlackM, one, {{-one, kRhoM, {}}}, two * c1 - one},
      {"first-corrected", kRhoM, one, {{p33, kM1, {}}, {-(two * c1), kMHat, {}}}, c1},
      {"first-moment", kM1, p32, {{f(k.b1), kM, {}}, {p32 - f(k.b1), kG, {}}, {-one, kRemM, {}}},
       pow2_fr(kHyper - 1)},
  };
}

// A claim on a derived tensor whose relation already ran would never be checked: the order of relations() forbids
// it, and this refuses it should the order change.
constexpr std::string_view kLateClaim = "adamw update: a claim on a derived tensor after its relation ran";

std::string label(const Relation& r, const char* what) { return std::string("adamw-") + r.name + "-" + what; }

unsigned bits_below(int64_t x) { return static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(x - 1))); }

// The distinct factors of a relation's products, in order: the sumcheck's tables.
std::vector<TensorRef> factors_of(const Relation& r) {
  std::vector<TensorRef> out;
  const auto add = [&](TensorRef t) {
    for (const TensorRef u : out) {
      if (u == t) return;
    }
    out.push_back(t);
  };
  for (const Part& p : r.parts) {
    if (!p.b) continue;
    add(p.a);
    add(*p.b);
  }
  return out;
}

SumcheckShape product_shape(const Relation& r, const std::vector<TensorRef>& fs, unsigned vars, std::vector<Fr> z) {
  const auto at = [&](TensorRef t) {
    for (size_t i = 0; i < fs.size(); ++i) {
      if (fs[i] == t) return static_cast<uint32_t>(i);
    }
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "adamw update: a factor outside its relation");
  };
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = static_cast<uint32_t>(fs.size());
  for (const Part& p : r.parts) {
    if (p.b) s.terms.push_back({p.coeff, {at(p.a), at(*p.b)}});
  }
  return s;
}

}  // namespace

AdamwUpdateOp::AdamwUpdateOp(std::vector<uint64_t> dims, AdamwConstants k) : dims_(std::move(dims)), k_(k) {
  const int64_t one = int64_t{1} << kHyper;
  if (dims_.empty() || k_.lr <= 0 || k_.lr >= (int64_t{1} << 42) ||
      k_.eps <= 0 || k_.eps > one || k_.c1 <= 0 || k_.c1 > one || k_.c2 <= 0 || k_.c2 > one || k_.b1 < 0 ||
      k_.b1 >= one || k_.b2 < 0 || k_.b2 >= one || k_.wd_lr < 0 || k_.wd_lr >= one) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "adamw update: a constant outside the relations' bounds");
  }
}

std::vector<std::vector<uint64_t>> AdamwUpdateOp::input_dims() const { return {dims_, dims_, dims_, dims_}; }

std::vector<TensorDecl> AdamwUpdateOp::outputs() const {
  return {{"", dims_, kState, false}, {"first_moment", dims_, kState, false}, {"second_moment", dims_, kState, false}};
}

std::vector<TensorDecl> AdamwUpdateOp::helpers() const {
  const RangeSpec rem32{kHyper, false}, rho_m{bits_below(2 * k_.c1), false},
      rho_v{bits_below(2 * k_.c2), false}, root{37, false}, rho_s{45, false};
  return {{"first_corrected", dims_, kState, true},
          {"second_corrected", dims_, RangeSpec{62, false}, true},
          {"root", dims_, RangeSpec{36, false}, true},
          {"step", dims_, RangeSpec{64, true}, true},
          {"decay_remainder", dims_, rem32, true},
          {"first_remainder", dims_, rem32, true},
          {"second_remainder", dims_, rem32, true},
          {"square_remainder", dims_, RangeSpec{kShiftG2, false}, true},
          {"decay", dims_, kState, false},
          {"square", dims_, RangeSpec{62, false}, false},
          {"first_corrected_remainder", dims_, rho_m, false},
          {"first_corrected_slack", dims_, rho_m, false},
          {"second_corrected_remainder", dims_, rho_v, false},
          {"second_corrected_slack", dims_, rho_v, false},
          {"root_low", dims_, root, false},
          {"root_high", dims_, root, false},
          {"step_remainder", dims_, rho_s, false},
          {"step_slack", dims_, rho_s, false}};
}

void AdamwUpdateOp::absorb(Transcript& t) const {
  t.domain("op-adamw-update");
  absorb_dims(t, "dims", dims_);
  for (const int64_t c : {k_.lr, k_.b1, k_.b2, k_.eps, k_.wd_lr, k_.c1, k_.c2}) {
    t.absorb_u64("constant", static_cast<uint64_t>(c));
  }
}

OpWitness AdamwUpdateOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> gv = view_to_i64(in[0]), theta = view_to_i64(in[1]), m = view_to_i64(in[2]),
                             v = view_to_i64(in[3]);
  const size_t n = gv.size();
  std::vector<std::vector<int64_t>> out(3, std::vector<int64_t>(n)), h(18, std::vector<int64_t>(n));
  const i128 one = i128{1} << kHyper, half = i128{1} << (kHyper - 1);
  parallel_for(n, threads, [&](size_t i) {
    const int64_t g = gv[i];
    const AdamwElement e = adamw_element(theta[i], m[i], v[i], g, k_);
    out[0][i] = e.theta;
    out[1][i] = e.m;
    out[2][i] = e.v;
    const i128 xw = static_cast<i128>(theta[i]) * k_.wd_lr, w = round_shift(xw, kHyper);
    const i128 xm = k_.b1 * static_cast<i128>(m[i]) + (one - k_.b1) * g;
    const i128 xg2 = static_cast<i128>(g) * g, g2 = round_shift(xg2, kShiftG2);
    const i128 xv = k_.b2 * static_cast<i128>(v[i]) + (one - k_.b2) * g2;
    const i128 m_hat = div_round(static_cast<i128>(e.m) << kHyper, k_.c1);
    const i128 v_hat = div_round(static_cast<i128>(e.v) << kHyper, k_.c2);
    const i128 s = static_cast<i128>(isqrt(static_cast<u128>(v_hat) << kShiftG2));
    const i128 d = (s + k_.eps) << kStepShift;
    const i128 step = div_round(k_.lr * m_hat, d);
    const i128 rho_m = (static_cast<i128>(e.m) << (kHyper + 1)) + k_.c1 - 2 * k_.c1 * m_hat;
    const i128 rho_v = (static_cast<i128>(e.v) << (kHyper + 1)) + k_.c2 - 2 * k_.c2 * v_hat;
    const i128 rho_s = 2 * k_.lr * m_hat + d - 2 * step * d;
    const i128 vals[18] = {m_hat,
                           v_hat,
                           s,
                           step,
                           xw + half - (w << kHyper),
                           xm + half - (static_cast<i128>(e.m) << kHyper),
                           xv + half - (static_cast<i128>(e.v) << kHyper),
                           xg2 + (i128{1} << (kShiftG2 - 1)) - (g2 << kShiftG2),
                           w,
                           g2,
                           rho_m,
                           2 * k_.c1 - 1 - rho_m,
                           rho_v,
                           2 * k_.c2 - 1 - rho_v,
                           (v_hat << kShiftG2) - s * s,
                           s * s + 2 * s - (v_hat << kShiftG2),
                           rho_s,
                           2 * d - 1 - rho_s};
    for (size_t j = 0; j < 18; ++j) h[j][i] = static_cast<int64_t>(vals[j]);
    if (theta[i] - w - step != e.theta) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "adamw update: the relations disagree with the engine");
    }
  }, grain_for(8));
  OpWitness w;
  for (auto& o : out) w.outputs.emplace_back(std::move(o));
  for (auto& x : h) w.helpers.emplace_back(std::move(x));
  return w;
}

void AdamwUpdateOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vars = tensor_vars(dims_);
  const size_t size = size_t{1} << vars;
  std::map<std::pair<int, uint32_t>, std::vector<ProverClaim>> made;
  std::set<std::pair<int, uint32_t>> done;
  const auto key = [](TensorRef t) { return std::make_pair(static_cast<int>(t.role), t.index); };
  // A part's tensor at z: a derived one sent and passed on, a committed or input one opened.
  const auto value_at = [&](const Relation& r, TensorRef t, std::span<const Fr> z) -> ProverValue {
    if (!is_derived(t)) return p.evaluate(t, z, label(r, "eval"));
    if (done.count(key(t))) throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
    const ProverValue x = ch.send(label(r, "derived-eval"), mle_evaluate(p.tensor(t).padded(), z, threads));
    made[key(t)].push_back({{z.begin(), z.end()}, x});
    return x;
  };
  for (const Relation& r : relations(k_)) {
    std::vector<ProverClaim> claims(p.claims(r.t).begin(), p.claims(r.t).end());
    const auto& extra = made[key(r.t)];
    claims.insert(claims.end(), extra.begin(), extra.end());
    done.insert(key(r.t));
    if (claims.empty()) continue;
    if (!r.has_products()) {
      for (const ProverClaim& c : claims) {
        ProverValue rhs = ProverValue::constant(r.sel_coeff * selector_eval(dims_, c.point));
        for (const Part& part : r.parts) rhs += value_at(r, part.a, c.point) * part.coeff;
        ch.prove_zero(label(r, "relation").c_str(), c.value * r.k - rhs);
      }
      continue;
    }
    const ProverClaim c =
        claims.size() == 1 ? claims[0] : combine_claims_prove(ch, p.tensor(r.t).padded(), vars, claims, threads);
    ProverValue target = c.value * r.k - r.sel_coeff * selector_eval(dims_, c.point);
    for (const Part& part : r.parts) {
      if (!part.b) target -= value_at(r, part.a, c.point) * part.coeff;
    }
    const std::vector<TensorRef> fs = factors_of(r);
    std::vector<std::vector<Fr>> tables;
    for (const TensorRef t : fs) tables.push_back(to_field(p.tensor(t).padded(), size, threads));
    const SumcheckShape sh = product_shape(r, fs, vars, c.point);
    SumcheckProverResult res = sumcheck_prove(ch, sh, std::move(tables), target, threads);
    std::vector<ProverValue> evs;
    for (const TensorRef t : fs) evs.push_back(value_at(r, t, res.point));
    sumcheck_prove_final(ch, sh, res.final_value, evs);
  }
}

Status AdamwUpdateOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned vars = tensor_vars(dims_);
  std::map<std::pair<int, uint32_t>, std::vector<VerifierClaim>> made;
  std::set<std::pair<int, uint32_t>> done;
  const auto key = [](TensorRef t) { return std::make_pair(static_cast<int>(t.role), t.index); };
  const auto value_at = [&](const Relation& r, TensorRef t, std::span<const Fr> z) -> Result<VerifierValue> {
    if (!is_derived(t)) return v.evaluate(t, z, label(r, "eval"));
    if (done.count(key(t))) return make_error(ErrorCode::INVALID_ARGUMENT, std::string(kLateClaim));
    auto x = ch.receive(label(r, "derived-eval"));
    if (!x) return x.error();
    made[key(t)].push_back({{z.begin(), z.end()}, x.value()});
    return x.value();
  };
  for (const Relation& r : relations(k_)) {
    std::vector<VerifierClaim> claims(v.claims(r.t).begin(), v.claims(r.t).end());
    const auto& extra = made[key(r.t)];
    claims.insert(claims.end(), extra.begin(), extra.end());
    done.insert(key(r.t));
    if (claims.empty()) continue;
    if (!r.has_products()) {
      for (const VerifierClaim& c : claims) {
        VerifierValue rhs = VerifierValue::constant(r.sel_coeff * selector_eval(dims_, c.point));
        for (const Part& part : r.parts) {
          auto x = value_at(r, part.a, c.point);
          if (!x) return x.error();
          rhs += x.value() * part.coeff;
        }
        if (Status s = ch.check_zero(label(r, "relation").c_str(), c.value * r.k - rhs, kMismatch,
                                     std::string("AdamW's ") + r.name + " relation does not hold");
            !s) {
          return s;
        }
      }
      continue;
    }
    VerifierClaim c;
    if (claims.size() == 1) {
      c = claims[0];
    } else {
      auto cc = combine_claims_verify(ch, vars, claims);
      if (!cc) return cc.error();
      c = std::move(cc.value());
    }
    VerifierValue target = c.value * r.k - r.sel_coeff * selector_eval(dims_, c.point);
    for (const Part& part : r.parts) {
      if (part.b) continue;
      auto x = value_at(r, part.a, c.point);
      if (!x) return x.error();
      target -= x.value() * part.coeff;
    }
    const std::vector<TensorRef> fs = factors_of(r);
    const SumcheckShape sh = product_shape(r, fs, vars, c.point);
    auto res = sumcheck_verify(ch, sh, target);
    if (!res) return res.error();
    std::vector<VerifierValue> evs;
    for (const TensorRef t : fs) {
      auto x = value_at(r, t, res->point);
      if (!x) return x.error();
      evs.push_back(x.value());
    }
    if (Status s = sumcheck_verify_final(ch, sh, res->expected, evs); !s) return s;
  }
  return {};
}

}  // namespace zklora

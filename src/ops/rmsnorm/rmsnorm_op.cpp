// RMSNorm with its reciprocal square root proven by two inequalities (rmsnorm_op.h).
#include "zklora/ops/rmsnorm/rmsnorm_op.h"

#include <bit>
#include <cmath>
#include <string>
#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr TensorRef kX = TensorRef::input(0), kG = TensorRef::input(1);
constexpr TensorRef kY = TensorRef::output(0), kN = TensorRef::output(1), kR = TensorRef::output(2);
constexpr TensorRef kRemN = TensorRef::helper(0), kRemY = TensorRef::helper(1);
constexpr TensorRef kSlack[4] = {TensorRef::helper(2), TensorRef::helper(3), TensorRef::helper(4),
                                 TensorRef::helper(5)};
constexpr unsigned kSlackBits = 60;
constexpr unsigned kShiftN = kFixed.rsqrt;   // 32
constexpr unsigned kShiftY = kFixed.weight;  // 16

// sum over x of eq(z, x) a(x) b(x): the products of (Y) and (N).
SumcheckShape product_shape(unsigned vars, std::vector<Fr> z) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = 2;
  s.terms = {{Fr::one(), {0, 1}}};
  return s;
}

// (Z) with tables 0 r, 1 ss, 2 sel, 3 s1_lo, 4 s1_hi, 5 s2_lo, 6 s2_hi:
//   N sel - r^2 (ss + E sel) - s1 + lambda ((r + 1)^2 (ss + E sel) - (N + 1) sel - s2)
SumcheckShape zero_shape(unsigned vars, std::vector<Fr> z, const Fr& lambda, const Fr& e, const Fr& n) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = 7;
  const Fr one = Fr::one(), hi = pow2_fr(kSlackBits);
  s.terms = {{n - lambda * (n + one) + lambda * e, {2}},
             {lambda - one, {0, 0, 1}},
             {(lambda - one) * e, {0, 0, 2}},
             {-one, {3}},
             {-hi, {4}},
             {lambda + lambda, {0, 1}},
             {(lambda + lambda) * e, {0, 2}},
             {lambda, {1}},
             {-lambda, {5}},
             {-(lambda * hi), {6}}};
  return s;
}

// (SS): sum over (t, i) of eq(rho, t) x(t, i)^2.
SumcheckShape square_shape(unsigned vars, std::vector<Fr> rho) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(rho);
  s.num_tables = 1;
  s.terms = {{Fr::one(), {0, 0}}};
  return s;
}

std::span<const Fr> head(const std::vector<Fr>& z, size_t n) { return std::span<const Fr>(z).subspan(0, n); }
std::span<const Fr> tail(const std::vector<Fr>& z, size_t n) { return std::span<const Fr>(z).subspan(n); }

}  // namespace

RmsNormOp::RmsNormOp(std::vector<uint64_t> dims, double eps) : dims_(std::move(dims)), eps_(eps) {
  if (dims_.size() < 2 || dims_.back() == 0 || dims_.back() >= (uint64_t{1} << 16) || !std::isfinite(eps_) ||
      eps_ <= 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm: need rows and a width in [1, 2^16), eps > 0");
  }
  d_ = dims_.back();
  rows_.assign(dims_.begin(), dims_.end() - 1);
  const RmsNormConstants c = rmsnorm_constants(static_cast<int64_t>(d_), eps_);
  e_ = c.e;
  n_ = c.n;
  if (e_ == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm: eps rounds to zero at this width");
  r_bits_ = static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(isqrt(n_ / e_))));
  if (r_bits_ > 57) throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm: eps too small for the proof's bounds");
}

std::vector<std::vector<uint64_t>> RmsNormOp::input_dims() const { return {dims_, {d_}}; }

std::vector<TensorDecl> RmsNormOp::outputs() const {
  return {{"", dims_, kActivationRange, false},
          {"normalized", dims_, kActivationRange, false},
          {"rsqrt", rows_, RangeSpec{r_bits_, false}, true}};
}

std::vector<TensorDecl> RmsNormOp::helpers() const {
  const RangeSpec half{kSlackBits, false};
  return {{"remainder_n", dims_, RangeSpec{kShiftN, false}, true},
          {"remainder_y", dims_, RangeSpec{kShiftY, false}, true},
          {"slack_lo", rows_, half, true},
          {"slack_hi", rows_, half, true},
          {"slack2_lo", rows_, half, true},
          {"slack2_hi", rows_, half, true}};
}

void RmsNormOp::absorb(Transcript& t) const {
  t.domain("op-rmsnorm");
  absorb_dims(t, "dims", dims_);
  t.absorb_fr("e", Fr::from_u128(e_));
  t.absorb_fr("n", Fr::from_u128(n_));
  t.absorb_u64("rsqrt-bits", r_bits_);
}

OpWitness RmsNormOp::compute(std::span<const TableView> in, int) const {
  const auto rows = static_cast<int64_t>(PaddedShape(rows_).numel()), d = static_cast<int64_t>(d_);
  ITensor x({rows, d});
  x.data = view_to_i64(in[0]);
  WTensor g({d});
  const std::vector<int64_t> g64 = view_to_i64(in[1]);
  for (int64_t i = 0; i < d; ++i) {
    if (g64[static_cast<size_t>(i)] != static_cast<int32_t>(g64[static_cast<size_t>(i)])) {
      throw ZkError(ErrorCode::OUT_OF_RANGE, "rmsnorm: a gain outside the weight format");
    }
    g.data[static_cast<size_t>(i)] = static_cast<int32_t>(g64[static_cast<size_t>(i)]);
  }
  const RmsNormOut f = rmsnorm_forward(x, g, eps_);
  std::vector<int64_t> rem_n(x.data.size()), rem_y(x.data.size());
  std::vector<int64_t> slack[4];
  for (auto& s : slack) s.resize(static_cast<size_t>(rows));
  for (int64_t t = 0; t < rows; ++t) {
    const i128 r = f.r[static_cast<size_t>(t)];
    u128 ss = 0;
    for (int64_t i = 0; i < d; ++i) {
      const size_t at = static_cast<size_t>(t * d + i);
      const i128 xv = x.data[at];
      ss += static_cast<u128>(xv * xv);
      rem_n[at] = static_cast<int64_t>(xv * r + (i128{1} << (kShiftN - 1)) - (static_cast<i128>(f.n.data[at]) << kShiftN));
      rem_y[at] = static_cast<int64_t>(static_cast<i128>(f.n.data[at]) * g.data[static_cast<size_t>(i)] +
                                       (i128{1} << (kShiftY - 1)) - (static_cast<i128>(f.y.data[at]) << kShiftY));
    }
    const u128 v = ss + e_, ur = static_cast<u128>(r);
    const u128 s1 = n_ - ur * ur * v, s2 = (ur + 1) * (ur + 1) * v - n_ - 1;
    const u128 mask = (u128{1} << kSlackBits) - 1;
    for (const auto& [k, s] : {std::pair{0, s1}, std::pair{2, s2}}) {
      if (s >> (2 * kSlackBits)) throw ZkError(ErrorCode::OUT_OF_RANGE, "rmsnorm: a slack past 120 bits");
      slack[k][static_cast<size_t>(t)] = static_cast<int64_t>(s & mask);
      slack[k + 1][static_cast<size_t>(t)] = static_cast<int64_t>(s >> kSlackBits);
    }
  }
  OpWitness out;
  out.outputs = {OwnedTable(f.y.data), OwnedTable(f.n.data), OwnedTable(f.r)};
  out.helpers = {OwnedTable(std::move(rem_n)), OwnedTable(std::move(rem_y))};
  for (auto& s : slack) out.helpers.emplace_back(std::move(s));
  return out;
}

void RmsNormOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  const size_t nt = size_t{1} << vt, ni = size_t{1} << vi;
  const TensorData& x = p.tensor(kX);
  std::vector<ProverClaim> n_claims(p.claims(kN).begin(), p.claims(kN).end());

  // (Y)
  if (const std::optional<ProverClaim> y = p.combined_claim(kY)) {
    const ProverValue rem = p.evaluate(kRemY, y->point, "rmsnorm-y-remainder");
    const ProverValue sum =
        y->value * pow2_fr(kShiftY) - pow2_fr(kShiftY - 1) * selector_eval(dims_, y->point) + rem;
    const auto zt = head(y->point, vt), zi = tail(y->point, vt);
    std::vector<Fr> nf = combine_rows(p.tensor(kN).padded(), ni, eq_table(zt, Fr::one(), threads), threads);
    const SumcheckShape shape = product_shape(vi, {zi.begin(), zi.end()});
    SumcheckProverResult r =
        sumcheck_prove(ch, shape, {to_field(p.tensor(kG).padded(), ni, threads), std::move(nf)}, sum, threads);
    const ProverValue ge = p.evaluate(kG, r.point, "rmsnorm-gain-eval");
    const ProverValue ne = ch.send("rmsnorm-n-eval", r.evaluations[1]);
    const ProverValue ev[2] = {ge, ne};
    sumcheck_prove_final(ch, shape, r.final_value, ev);
    n_claims.push_back({concat_points({zt, r.point}), ne});
  }

  // (N)
  if (!n_claims.empty()) {
    const ProverClaim nc = n_claims.size() == 1
                               ? n_claims[0]
                               : combine_claims_prove(ch, p.tensor(kN).padded(), vt + vi, n_claims, threads);
    const ProverValue rem = p.evaluate(kRemN, nc.point, "rmsnorm-n-remainder");
    const ProverValue sum =
        nc.value * pow2_fr(kShiftN) - pow2_fr(kShiftN - 1) * selector_eval(dims_, nc.point) + rem;
    const auto zt = head(nc.point, vt), zi = tail(nc.point, vt);
    std::vector<Fr> xf = combine_cols(x.padded(), ni, eq_table(zi, Fr::one(), threads), threads);
    xf.resize(nt, Fr::zero());
    const SumcheckShape shape = product_shape(vt, {zt.begin(), zt.end()});
    SumcheckProverResult r =
        sumcheck_prove(ch, shape, {to_field(p.tensor(kR).padded(), nt, threads), std::move(xf)}, sum, threads);
    const ProverValue re = p.evaluate(kR, r.point, "rmsnorm-rsqrt-eval");
    const ProverValue xe = p.evaluate(kX, concat_points({r.point, zi}), "rmsnorm-x-eval");
    const ProverValue ev[2] = {re, xe};
    sumcheck_prove_final(ch, shape, r.final_value, ev);
  }

  // (Z)
  const Fr lambda = ch.challenge("rmsnorm-lambda");
  const SumcheckShape zs = zero_shape(vt, ch.challenges("rmsnorm-zero-point", vt), lambda, Fr::from_u128(e_),
                                      Fr::from_u128(n_));
  std::vector<std::vector<Fr>> tables(7);
  tables[0] = to_field(p.tensor(kR).padded(), nt, threads);
  tables[1].assign(nt, Fr::zero());
  x.padded().visit([&](const auto& s) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(s[0])>, Fr>) {
      parallel_for(nt, threads, [&](size_t t) {
        u128 acc = 0;
        for (size_t i = 0; i < ni && t * ni + i < s.size(); ++i) {
          const i128 v = s[t * ni + i];
          acc += static_cast<u128>(v * v);
        }
        tables[1][t] = Fr::from_u128(acc);
      }, grain_for(ni));
    } else {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm: x holds field elements");
    }
  });
  const std::vector<uint8_t> sel = lookup_selector_table(rows_);
  tables[2].resize(nt);
  for (size_t t = 0; t < nt; ++t) tables[2][t] = sel[t] ? Fr::one() : Fr::zero();
  for (size_t k = 0; k < 4; ++k) tables[3 + k] = to_field(p.tensor(kSlack[k]).padded(), nt, threads);
  SumcheckProverResult z = sumcheck_prove(ch, zs, std::move(tables), ProverValue::constant(Fr::zero()), threads);
  std::vector<ProverValue> ev(7);
  ev[0] = p.evaluate(kR, z.point, "rmsnorm-zero-rsqrt");
  ev[1] = ch.send("rmsnorm-zero-ss", z.evaluations[1]);
  ev[2] = ProverValue::constant(selector_eval(rows_, z.point));
  for (size_t k = 0; k < 4; ++k) ev[3 + k] = p.evaluate(kSlack[k], z.point, "rmsnorm-zero-slack");
  sumcheck_prove_final(ch, zs, z.final_value, ev);

  // (SS)
  const SumcheckShape ss = square_shape(vt + vi, z.point);
  SumcheckProverResult q = sumcheck_prove(ch, ss, {to_field(x.padded(), nt * ni, threads)}, ev[1], threads);
  const ProverValue xe = p.evaluate(kX, q.point, "rmsnorm-x-square-eval");
  sumcheck_prove_final(ch, ss, q.final_value, std::span(&xe, 1));
}

Status RmsNormOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  std::vector<VerifierClaim> n_claims(v.claims(kN).begin(), v.claims(kN).end());

  auto y = v.combined_claim(kY);
  if (!y) return y.error();
  if (y->has_value()) {
    const VerifierClaim& yc = **y;
    auto rem = v.evaluate(kRemY, yc.point, "rmsnorm-y-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum = yc.value * pow2_fr(kShiftY) - pow2_fr(kShiftY - 1) * selector_eval(dims_, yc.point) +
                              rem.value();
    const auto zt = head(yc.point, vt), zi = tail(yc.point, vt);
    const SumcheckShape shape = product_shape(vi, {zi.begin(), zi.end()});
    auto r = sumcheck_verify(ch, shape, sum);
    if (!r) return r.error();
    auto ge = v.evaluate(kG, r->point, "rmsnorm-gain-eval");
    if (!ge) return ge.error();
    auto ne = ch.receive("rmsnorm-n-eval");
    if (!ne) return ne.error();
    const VerifierValue ev[2] = {ge.value(), ne.value()};
    if (Status s = sumcheck_verify_final(ch, shape, r->expected, ev); !s) return s;
    n_claims.push_back({concat_points({zt, r->point}), ne.value()});
  }

  if (!n_claims.empty()) {
    VerifierClaim nc;
    if (n_claims.size() == 1) {
      nc = n_claims[0];
    } else {
      auto c = combine_claims_verify(ch, vt + vi, n_claims);
      if (!c) return c.error();
      nc = std::move(c.value());
    }
    auto rem = v.evaluate(kRemN, nc.point, "rmsnorm-n-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum = nc.value * pow2_fr(kShiftN) - pow2_fr(kShiftN - 1) * selector_eval(dims_, nc.point) +
                              rem.value();
    const auto zt = head(nc.point, vt), zi = tail(nc.point, vt);
    const SumcheckShape shape = product_shape(vt, {zt.begin(), zt.end()});
    auto r = sumcheck_verify(ch, shape, sum);
    if (!r) return r.error();
    auto re = v.evaluate(kR, r->point, "rmsnorm-rsqrt-eval");
    if (!re) return re.error();
    auto xe = v.evaluate(kX, concat_points({r->point, zi}), "rmsnorm-x-eval");
    if (!xe) return xe.error();
    const VerifierValue ev[2] = {re.value(), xe.value()};
    if (Status s = sumcheck_verify_final(ch, shape, r->expected, ev); !s) return s;
  }

  const Fr lambda = ch.challenge("rmsnorm-lambda");
  const SumcheckShape zs = zero_shape(vt, ch.challenges("rmsnorm-zero-point", vt), lambda, Fr::from_u128(e_),
                                      Fr::from_u128(n_));
  auto z = sumcheck_verify(ch, zs, VerifierValue::constant(Fr::zero()));
  if (!z) return z.error();
  std::vector<VerifierValue> ev(7);
  auto re = v.evaluate(kR, z->point, "rmsnorm-zero-rsqrt");
  if (!re) return re.error();
  ev[0] = re.value();
  auto sse = ch.receive("rmsnorm-zero-ss");
  if (!sse) return sse.error();
  ev[1] = sse.value();
  ev[2] = VerifierValue::constant(selector_eval(rows_, z->point));
  for (size_t k = 0; k < 4; ++k) {
    auto s = v.evaluate(kSlack[k], z->point, "rmsnorm-zero-slack");
    if (!s) return s.error();
    ev[3 + k] = s.value();
  }
  if (Status s = sumcheck_verify_final(ch, zs, z->expected, ev); !s) return s;

  const SumcheckShape ss = square_shape(vt + vi, z->point);
  auto q = sumcheck_verify(ch, ss, ev[1]);
  if (!q) return q.error();
  auto xe = v.evaluate(kX, q->point, "rmsnorm-x-square-eval");
  if (!xe) return xe.error();
  return sumcheck_verify_final(ch, ss, q->expected, std::span(&xe.value(), 1));
}

}  // namespace zklora

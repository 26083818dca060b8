// The SGD update of an adapter tensor, every relation linear and checked where its claims are (sgd_update_op.h).
#include "zklora/ops/update/sgd_update_op.h"

#include <bit>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/optim.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kG = TensorRef::input(0), kTheta = TensorRef::input(1), kMPrev = TensorRef::input(2);
constexpr TensorRef kTheta1 = TensorRef::output(0), kBuf = TensorRef::output(1);
constexpr TensorRef kMean = TensorRef::helper(0), kRemU = TensorRef::helper(1), kRho = TensorRef::helper(2),
                    kSlack = TensorRef::helper(3), kQ = TensorRef::helper(4), kRemM = TensorRef::helper(5),
                    kM1 = TensorRef::helper(6);
constexpr unsigned kMeanShift = kFixed.mean_grad - kFixed.grad + 1;  // 2 (G 2^8) = 2^9 G
constexpr unsigned kUpdateShift = kSgdUpdateShift;                   // 40
constexpr unsigned kMomentumShift = kFixed.hyper;                    // 32
constexpr RangeSpec kStateRange{63, true};
constexpr ErrorCode kMismatch = ErrorCode::RELATION_MISMATCH;

}  // namespace

SgdUpdateOp::SgdUpdateOp(std::vector<uint64_t> dims, int64_t count, int64_t lr, int64_t mu)
    : dims_(std::move(dims)), count_(count), lr_(lr), mu_(mu) {
  if (dims_.empty() || count_ <= 0 || count_ >= (int64_t{1} << 40) || lr_ <= 0 || mu_ < 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sgd update: need dims, a count in [1, 2^40), lr > 0 and mu >= 0");
  }
}

unsigned SgdUpdateOp::rho_bits() const {
  return static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(2 * count_ - 1)));
}

std::vector<std::vector<uint64_t>> SgdUpdateOp::input_dims() const {
  if (momentum()) return {dims_, dims_, dims_};
  return {dims_, dims_};
}

std::vector<TensorDecl> SgdUpdateOp::outputs() const {
  std::vector<TensorDecl> out{{"", dims_, kStateRange, false}};
  if (momentum()) out.push_back({"buffer", dims_, kStateRange, false});
  return out;
}

std::vector<TensorDecl> SgdUpdateOp::helpers() const {
  const RangeSpec rho{rho_bits(), false};
  std::vector<TensorDecl> out{{"mean", dims_, kStateRange, true},
                              {"update_remainder", dims_, RangeSpec{kUpdateShift, false}, true},
                              {"mean_remainder", dims_, rho, false},
                              {"mean_slack", dims_, rho, false},
                              {"update", dims_, RangeSpec{64, true}, false}};
  if (momentum()) {
    out.push_back({"momentum_remainder", dims_, RangeSpec{kMomentumShift, false}, true});
    out.push_back({"momentum_decay", dims_, kStateRange, false});
  }
  return out;
}

void SgdUpdateOp::absorb(Transcript& t) const {
  t.domain("op-sgd-update");
  absorb_dims(t, "dims", dims_);
  t.absorb_u64("count", static_cast<uint64_t>(count_));
  t.absorb_u64("lr", static_cast<uint64_t>(lr_));
  t.absorb_u64("momentum", static_cast<uint64_t>(mu_));
}

OpWitness SgdUpdateOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> gs = view_to_i64(in[0]), theta = view_to_i64(in[1]);
  const std::vector<int64_t> m = momentum() ? view_to_i64(in[2]) : std::vector<int64_t>(gs.size(), 0);
  const size_t n = gs.size();
  std::vector<int64_t> theta1(n), buf(n), g(n), rem_u(n), rho(n), slack(n), q(n), rem_m(n), m1(n);
  const i128 big_n = count_;
  parallel_for(n, threads, [&](size_t i) {
    g[i] = mean_gradient(gs[i], count_);
    const SgdElement e = sgd_element(theta[i], m[i], g[i], lr_, mu_);
    theta1[i] = e.theta;
    buf[i] = e.buf;
    rho[i] = static_cast<int64_t>((static_cast<i128>(gs[i]) << kMeanShift) + big_n - 2 * big_n * g[i]);
    slack[i] = static_cast<int64_t>(2 * big_n - 1 - rho[i]);
    const i128 y = static_cast<i128>(mu_) * m[i];
    const i128 m1i = round_shift(y, kMomentumShift);
    m1[i] = static_cast<int64_t>(m1i);
    rem_m[i] = static_cast<int64_t>(y + (i128{1} << (kMomentumShift - 1)) - (m1i << kMomentumShift));
    const i128 x = static_cast<i128>(e.buf) * lr_;
    const i128 qi = round_shift(x, kUpdateShift);
    q[i] = static_cast<int64_t>(qi);
    rem_u[i] = static_cast<int64_t>(x + (i128{1} << (kUpdateShift - 1)) - (qi << kUpdateShift));
    if (theta[i] - qi != e.theta || (momentum() && m1i + g[i] != e.buf)) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "sgd update: the relations disagree with the engine");
    }
  }, grain_for(8));
  OpWitness out;
  out.outputs.emplace_back(std::move(theta1));
  if (momentum()) out.outputs.emplace_back(std::move(buf));
  for (auto* x : {&g, &rem_u, &rho, &slack, &q}) out.helpers.emplace_back(std::move(*x));
  if (momentum()) {
    out.helpers.emplace_back(std::move(rem_m));
    out.helpers.emplace_back(std::move(m1));
  }
  return out;
}

void SgdUpdateOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const auto sel = [&](std::span<const Fr> z) { return selector_eval(dims_, z); };
  const Fr big_n = Fr::from_i64(count_), lr = Fr::from_i64(lr_), mu = Fr::from_i64(mu_);
  std::vector<ProverClaim> q_claims(p.claims(kQ).begin(), p.claims(kQ).end());
  std::vector<ProverClaim> m1_claims, rho_claims(p.claims(kRho).begin(), p.claims(kRho).end());
  // (T) theta' = theta - q
  for (const ProverClaim& c : p.claims(kTheta1)) {
    q_claims.push_back({c.point, p.evaluate(kTheta, c.point, "sgd-theta-eval") - c.value});
  }
  // (B) buf = m1 + g
  if (momentum()) {
    m1_claims.assign(p.claims(kM1).begin(), p.claims(kM1).end());
    for (const ProverClaim& c : p.claims(kBuf)) {
      m1_claims.push_back({c.point, c.value - p.evaluate(kMean, c.point, "sgd-mean-at-buffer")});
    }
  }
  // (Q) LR buf = 2^40 q - 2^39 sel + rem_u
  for (const ProverClaim& c : q_claims) {
    const ProverValue lr_buf = c.value * pow2_fr(kUpdateShift) - pow2_fr(kUpdateShift - 1) * sel(c.point) +
                               p.evaluate(kRemU, c.point, "sgd-update-remainder");
    const ProverValue ge = p.evaluate(kMean, c.point, "sgd-mean-at-update");
    if (momentum()) {
      m1_claims.push_back({c.point, lr_buf * lr.inverse() - ge});
    } else {
      ch.prove_zero("sgd-update", lr_buf - ge * lr);
    }
  }
  // (M) 2^32 m1 = MU m + 2^31 sel - rem_m
  for (const ProverClaim& c : m1_claims) {
    const ProverValue re = p.evaluate(kRemM, c.point, "sgd-momentum-remainder");
    const ProverValue me = p.evaluate(kMPrev, c.point, "sgd-momentum-eval");
    ch.prove_zero("sgd-momentum",
                  c.value * pow2_fr(kMomentumShift) - me * mu - pow2_fr(kMomentumShift - 1) * sel(c.point) + re);
  }
  // (R) rho = 2^9 G + N sel - 2 N g; slack = (2N - 1) sel - rho
  for (const ProverClaim& c : p.claims(kSlack)) {
    rho_claims.push_back({c.point, c.value * (-Fr::one()) + (big_n + big_n - Fr::one()) * sel(c.point)});
  }
  for (const ProverClaim& c : rho_claims) {
    const ProverValue ge = p.evaluate(kG, c.point, "sgd-gradient-eval");
    const ProverValue me = p.evaluate(kMean, c.point, "sgd-mean-eval");
    ch.prove_zero("sgd-mean", c.value - ge * pow2_fr(kMeanShift) - big_n * sel(c.point) + me * (big_n + big_n));
  }
}

Status SgdUpdateOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const auto sel = [&](std::span<const Fr> z) { return selector_eval(dims_, z); };
  const Fr big_n = Fr::from_i64(count_), lr = Fr::from_i64(lr_), mu = Fr::from_i64(mu_);
  std::vector<VerifierClaim> q_claims(v.claims(kQ).begin(), v.claims(kQ).end());
  std::vector<VerifierClaim> m1_claims, rho_claims(v.claims(kRho).begin(), v.claims(kRho).end());
  for (const VerifierClaim& c : v.claims(kTheta1)) {
    auto th = v.evaluate(kTheta, c.point, "sgd-theta-eval");
    if (!th) return th.error();
    q_claims.push_back({c.point, th.value() - c.value});
  }
  if (momentum()) {
    m1_claims.assign(v.claims(kM1).begin(), v.claims(kM1).end());
    for (const VerifierClaim& c : v.claims(kBuf)) {
      auto ge = v.evaluate(kMean, c.point, "sgd-mean-at-buffer");
      if (!ge) return ge.error();
      m1_claims.push_back({c.point, c.value - ge.value()});
    }
  }
  for (const VerifierClaim& c : q_claims) {
    auto re = v.evaluate(kRemU, c.point, "sgd-update-remainder");
    if (!re) return re.error();
    const VerifierValue lr_buf =
        c.value * pow2_fr(kUpdateShift) - pow2_fr(kUpdateShift - 1) * sel(c.point) + re.value();
    auto ge = v.evaluate(kMean, c.point, "sgd-mean-at-update");
    if (!ge) return ge.error();
    if (momentum()) {
      m1_claims.push_back({c.point, lr_buf * lr.inverse() - ge.value()});
    } else if (Status s = ch.check_zero("sgd-update", lr_buf - ge.value() * lr, kMismatch,
                                        "the update is not the rounding of LR times the mean gradient");
               !s) {
      return s;
    }
  }
  for (const VerifierClaim& c : m1_claims) {
    auto re = v.evaluate(kRemM, c.point, "sgd-momentum-remainder");
    if (!re) return re.error();
    auto me = v.evaluate(kMPrev, c.point, "sgd-momentum-eval");
    if (!me) return me.error();
    if (Status s = ch.check_zero("sgd-momentum",
                                 c.value * pow2_fr(kMomentumShift) - me.value() * mu -
                                     pow2_fr(kMomentumShift - 1) * sel(c.point) + re.value(),
                                 kMismatch, "the decayed buffer is not the rounding of MU times the buffer");
        !s) {
      return s;
    }
  }
  for (const VerifierClaim& c : v.claims(kSlack)) {
    rho_claims.push_back({c.point, c.value * (-Fr::one()) + (big_n + big_n - Fr::one()) * sel(c.point)});
  }
  for (const VerifierClaim& c : rho_claims) {
    auto ge = v.evaluate(kG, c.point, "sgd-gradient-eval");
    if (!ge) return ge.error();
    auto me = v.evaluate(kMean, c.point, "sgd-mean-eval");
    if (!me) return me.error();
    if (Status s = ch.check_zero("sgd-mean",
                                 c.value - ge.value() * pow2_fr(kMeanShift) - big_n * sel(c.point) +
                                     me.value() * (big_n + big_n),
                                 kMismatch, "the mean gradient is not div_round(G 2^8, N)");
        !s) {
      return s;
    }
  }
  return {};
}

}  // namespace zklora

// The SGD update of an adapter tensor, every relation linear and checked where its claims are (sgd_update_op.h).
#include "zklora/ops/update/sgd_update_op.h"

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
constexpr TensorRef kRemU = TensorRef::helper(0), kQ = TensorRef::helper(1), kRemM = TensorRef::helper(2),
                    kM1 = TensorRef::helper(3);
constexpr unsigned kUpdateShift = kSgdUpdateShift;  // 40
constexpr unsigned kMomentumShift = kFixed.hyper;   // 32
constexpr RangeSpec kStateRange{63, true};
constexpr ErrorCode kMismatch = ErrorCode::RELATION_MISMATCH;

}  // namespace

SgdUpdateOp::SgdUpdateOp(std::vector<uint64_t> dims, int64_t lr, int64_t mu) : dims_(std::move(dims)), lr_(lr), mu_(mu) {
  if (dims_.empty() || lr_ <= 0 || lr_ >= (int64_t{1} << 42) || mu_ < 0 || mu_ >= (int64_t{1} << 32)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sgd update: need dims, lr in (0, 2^42) and mu in [0, 2^32)");
  }
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
  std::vector<TensorDecl> out{{"update_remainder", dims_, RangeSpec{kUpdateShift, false}, true},
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
  t.absorb_u64("lr", static_cast<uint64_t>(lr_));
  t.absorb_u64("momentum", static_cast<uint64_t>(mu_));
}

OpWitness SgdUpdateOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> g = view_to_i64(in[0]), theta = view_to_i64(in[1]);
  const std::vector<int64_t> m = momentum() ? view_to_i64(in[2]) : std::vector<int64_t>(g.size(), 0);
  const size_t n = g.size();
  std::vector<int64_t> theta1(n), buf(n), rem_u(n), q(n), rem_m(n), m1(n);
  parallel_for(n, threads, [&](size_t i) {
    const SgdElement e = sgd_element(theta[i], m[i], g[i], lr_, mu_);
    theta1[i] = e.theta;
    buf[i] = e.buf;
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
  out.helpers.emplace_back(std::move(rem_u));
  out.helpers.emplace_back(std::move(q));
  if (momentum()) {
    out.helpers.emplace_back(std::move(rem_m));
    out.helpers.emplace_back(std::move(m1));
  }
  return out;
}

void SgdUpdateOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const auto sel = [&](std::span<const Fr> z) { return selector_eval(dims_, z); };
  const Fr lr = Fr::from_i64(lr_), mu = Fr::from_i64(mu_);
  std::vector<ProverClaim> q_claims(p.claims(kQ).begin(), p.claims(kQ).end());
  std::vector<ProverClaim> m1_claims;
  // (T) theta' = theta - q
  for (const ProverClaim& c : p.claims(kTheta1)) {
    q_claims.push_back({c.point, p.evaluate(kTheta, c.point, "sgd-theta-eval") - c.value});
  }
  // (B) buf = m1 + g
  if (momentum()) {
    m1_claims.assign(p.claims(kM1).begin(), p.claims(kM1).end());
    for (const ProverClaim& c : p.claims(kBuf)) {
      m1_claims.push_back({c.point, c.value - p.evaluate(kG, c.point, "sgd-mean-at-buffer")});
    }
  }
  // (Q) LR buf = 2^40 q - 2^39 sel + rem_u
  for (const ProverClaim& c : q_claims) {
    const ProverValue lr_buf = c.value * pow2_fr(kUpdateShift) - pow2_fr(kUpdateShift - 1) * sel(c.point) +
                               p.evaluate(kRemU, c.point, "sgd-update-remainder");
    const ProverValue ge = p.evaluate(kG, c.point, "sgd-mean-at-update");
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
}

Status SgdUpdateOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const auto sel = [&](std::span<const Fr> z) { return selector_eval(dims_, z); };
  const Fr lr = Fr::from_i64(lr_), mu = Fr::from_i64(mu_);
  std::vector<VerifierClaim> q_claims(v.claims(kQ).begin(), v.claims(kQ).end());
  std::vector<VerifierClaim> m1_claims;
  for (const VerifierClaim& c : v.claims(kTheta1)) {
    auto th = v.evaluate(kTheta, c.point, "sgd-theta-eval");
    if (!th) return th.error();
    q_claims.push_back({c.point, th.value() - c.value});
  }
  if (momentum()) {
    m1_claims.assign(v.claims(kM1).begin(), v.claims(kM1).end());
    for (const VerifierClaim& c : v.claims(kBuf)) {
      auto ge = v.evaluate(kG, c.point, "sgd-mean-at-buffer");
      if (!ge) return ge.error();
      m1_claims.push_back({c.point, c.value - ge.value()});
    }
  }
  for (const VerifierClaim& c : q_claims) {
    auto re = v.evaluate(kRemU, c.point, "sgd-update-remainder");
    if (!re) return re.error();
    const VerifierValue lr_buf =
        c.value * pow2_fr(kUpdateShift) - pow2_fr(kUpdateShift - 1) * sel(c.point) + re.value();
    auto ge = v.evaluate(kG, c.point, "sgd-mean-at-update");
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
  return {};
}

}  // namespace zklora

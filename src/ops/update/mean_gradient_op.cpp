// The mean gradient of an adapter tensor, div_round by the number of targets (mean_gradient_op.h).
#include "zklora/ops/update/mean_gradient_op.h"

#include <bit>

#include "zklora/base/threads.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/optim.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kSum = TensorRef::input(0), kMean = TensorRef::output(0), kRho = TensorRef::helper(0),
                    kSlack = TensorRef::helper(1);
constexpr unsigned kMeanShift = kFixed.mean_grad - kFixed.grad + 1;  // 2 (G 2^8) = 2^9 G

}  // namespace

MeanGradientOp::MeanGradientOp(std::vector<uint64_t> dims, int64_t count) : dims_(std::move(dims)), count_(count) {
  if (dims_.empty() || count_ <= 0 || count_ >= (int64_t{1} << 40)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "mean gradient: need dims and a count in [1, 2^40)");
  }
}

std::vector<TensorDecl> MeanGradientOp::outputs() const { return {{"", dims_, RangeSpec{63, true}, true}}; }

std::vector<TensorDecl> MeanGradientOp::helpers() const {
  const RangeSpec rho{static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(2 * count_ - 1))), false};
  return {{"remainder", dims_, rho, false}, {"slack", dims_, rho, false}};
}

void MeanGradientOp::absorb(Transcript& t) const {
  t.domain("op-mean-gradient");
  absorb_dims(t, "dims", dims_);
  t.absorb_u64("count", static_cast<uint64_t>(count_));
}

OpWitness MeanGradientOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> gs = view_to_i64(in[0]);
  std::vector<int64_t> g(gs.size()), rho(gs.size()), slack(gs.size());
  const i128 n = count_;
  parallel_for(gs.size(), threads, [&](size_t i) {
    g[i] = mean_gradient(gs[i], count_);
    const i128 r = (static_cast<i128>(gs[i]) << kMeanShift) + n - 2 * n * g[i];
    rho[i] = static_cast<int64_t>(r);
    slack[i] = static_cast<int64_t>(2 * n - 1 - r);
  }, grain_for(64));
  OpWitness out;
  out.outputs.emplace_back(std::move(g));
  out.helpers.emplace_back(std::move(rho));
  out.helpers.emplace_back(std::move(slack));
  return out;
}

void MeanGradientOp::prove(OpProver& p) const {
  const Fr n = Fr::from_i64(count_);
  std::vector<ProverClaim> rho(p.claims(kRho).begin(), p.claims(kRho).end());
  for (const ProverClaim& c : p.claims(kSlack)) {
    rho.push_back({c.point, c.value * (-Fr::one()) + (n + n - Fr::one()) * selector_eval(dims_, c.point)});
  }
  for (const ProverClaim& c : rho) {
    const ProverValue ge = p.evaluate(kSum, c.point, "mean-gradient-sum-eval");
    const ProverValue me = p.evaluate(kMean, c.point, "mean-gradient-eval");
    p.ch().prove_zero("mean-gradient",
                      c.value - ge * pow2_fr(kMeanShift) - n * selector_eval(dims_, c.point) + me * (n + n));
  }
}

Status MeanGradientOp::verify(OpVerifier& v) const {
  const Fr n = Fr::from_i64(count_);
  std::vector<VerifierClaim> rho(v.claims(kRho).begin(), v.claims(kRho).end());
  for (const VerifierClaim& c : v.claims(kSlack)) {
    rho.push_back({c.point, c.value * (-Fr::one()) + (n + n - Fr::one()) * selector_eval(dims_, c.point)});
  }
  for (const VerifierClaim& c : rho) {
    auto ge = v.evaluate(kSum, c.point, "mean-gradient-sum-eval");
    if (!ge) return ge.error();
    auto me = v.evaluate(kMean, c.point, "mean-gradient-eval");
    if (!me) return me.error();
    if (Status s = v.ch().check_zero("mean-gradient",
                                     c.value - ge.value() * pow2_fr(kMeanShift) - n * selector_eval(dims_, c.point) +
                                         me.value() * (n + n),
                                     ErrorCode::RELATION_MISMATCH, "the mean gradient is not div_round(G 2^8, N)");
        !s) {
      return s;
    }
  }
  return {};
}

}  // namespace zklora

#include "zklora/model/optimizer.h"

#include <cmath>
#include <vector>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/optim.h"

namespace zklora {
namespace {

constexpr unsigned kHyper = kFixed.hyper, kMean = kFixed.mean_grad;

int64_t hyper(double x) { return std::llround(std::ldexp(x, kHyper)); }
// A constant compared with gradients: at the mean-gradient scale.
int64_t at_mean_scale(double x) { return std::llround(std::ldexp(x, kMean)); }

// Pointers to every parameter tensor, in the same order for params, grads and state.
std::vector<ITensor*> tensors_of(AdapterTensors& a) {
  std::vector<ITensor*> out;
  a.for_each([&](ITensor& t) { out.push_back(&t); });
  return out;
}

}  // namespace

Status OptimizerConfig::validate() const {
  auto bad = [](const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, m); };
  if (!(lr > 0) || lr >= 1e3) return bad("--lr must be in (0, 1000)");
  if (momentum < 0 || momentum >= 1) return bad("--momentum must be in [0, 1)");
  if (weight_decay < 0 || weight_decay >= 1) return bad("--weight-decay must be in [0, 1)");
  if (kind == OptimizerKind::SGD && weight_decay != 0) return bad("--weight-decay applies to adamw only");
  if (kind == OptimizerKind::ADAMW && momentum != 0) return bad("--momentum applies to sgd only");
  if (clip_norm < 0 || clip_norm >= 1e6) return bad("--clip-norm must be in [0, 1e6)");
  if (!(beta1 > 0 && beta1 < 1 && beta2 > 0 && beta2 < 1 && eps > 0 && eps < 1)) return bad("bad AdamW constants");
  return {};
}

Result<OptimizerKind> parse_optimizer(const std::string& s) {
  if (s == "sgd") return OptimizerKind::SGD;
  if (s == "adamw") return OptimizerKind::ADAMW;
  return make_error(ErrorCode::INVALID_ARGUMENT, "unknown optimizer '" + s + "' (sgd or adamw)");
}

OptimizerIntegers optimizer_integers(const OptimizerConfig& c) {
  OptimizerIntegers k;
  k.lr = hyper(c.lr);
  k.mu = hyper(c.momentum);
  k.b1 = hyper(c.beta1);
  k.b2 = hyper(c.beta2);
  k.eps = at_mean_scale(c.eps);
  k.wd_lr = hyper(c.lr * c.weight_decay);
  k.clip = at_mean_scale(c.clip_norm);
  k.clip_eps = at_mean_scale(1e-6);
  return k;
}

OptimizerState OptimizerState::zeros_for(const AdapterTensors& params, const OptimizerConfig&) {
  OptimizerState s;
  s.m = AdapterTensors::zeros_like(params);
  s.v = AdapterTensors::zeros_like(params);
  return s;
}

void optimizer_step(const OptimizerConfig& cfg, AdapterTensors& params, OptimizerState& state,
                    const AdapterTensors& grads_in, int64_t count) {
  if (count <= 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "a step needs at least one predicted token");
  ++state.step;
  AdapterTensors grads = grads_in;
  std::vector<ITensor*> p = tensors_of(params), g = tensors_of(grads), m = tensors_of(state.m), v = tensors_of(state.v);

  // Mean gradient at 2^mean_grad.
  for (ITensor* t : g) {
    for (int64_t& x : t->data) x = mean_gradient(x, count);
  }

  // Global norm clipping, torch semantics: g *= min(1, C / (||g|| + 1e-6)).
  const OptimizerIntegers k = optimizer_integers(cfg);
  if (k.clips()) {
    u128 sq = 0;
    for (ITensor* t : g)
      for (const int64_t x : t->data) sq += static_cast<u128>(static_cast<i128>(x) * x);
    const ClipDecision d = clip_decision(sq, k.clip, k.clip_eps);
    if (d.clip) {
      for (ITensor* t : g)
        for (int64_t& x : t->data) x = clip_element(x, k.clip, d.den);
    }
  }

  if (cfg.kind == OptimizerKind::SGD) {
    const int64_t mu = k.mu;
    for (size_t t = 0; t < p.size(); ++t) {
      for (int64_t i = 0; i < p[t]->numel(); ++i) {
        // At step 1 the buffer starts from g: a zero previous buffer.
        const int64_t m_prev = state.step == 1 ? 0 : (*m[t])[i];
        const SgdElement e = sgd_element((*p[t])[i], m_prev, (*g[t])[i], k.lr, mu);
        if (mu != 0) (*m[t])[i] = e.buf;
        (*p[t])[i] = e.theta;
      }
    }
    return;
  }

  // AdamW.
  const AdamwConstants ak = adamw_constants(k.lr, k.b1, k.b2, k.eps, k.wd_lr, state.step);
  for (size_t t = 0; t < p.size(); ++t) {
    for (int64_t i = 0; i < p[t]->numel(); ++i) {
      const AdamwElement e = adamw_element((*p[t])[i], (*m[t])[i], (*v[t])[i], (*g[t])[i], ak);
      (*m[t])[i] = e.m;
      (*v[t])[i] = e.v;
      (*p[t])[i] = e.theta;
    }
  }
}

}  // namespace zklora

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
  if (cfg.clip_norm > 0) {
    u128 sq = 0;
    for (ITensor* t : g)
      for (const int64_t x : t->data) sq += static_cast<u128>(static_cast<i128>(x) * x);
    const int64_t clip = at_mean_scale(cfg.clip_norm);
    const ClipDecision d = clip_decision(sq, clip, at_mean_scale(1e-6));
    if (d.clip) {
      for (ITensor* t : g)
        for (int64_t& x : t->data) x = clip_element(x, clip, d.den);
    }
  }

  const i128 lr = hyper(cfg.lr);
  if (cfg.kind == OptimizerKind::SGD) {
    const int64_t mu = hyper(cfg.momentum);
    for (size_t k = 0; k < p.size(); ++k) {
      for (int64_t i = 0; i < p[k]->numel(); ++i) {
        // At step 1 the buffer starts from g: a zero previous buffer.
        const int64_t m_prev = state.step == 1 ? 0 : (*m[k])[i];
        const SgdElement e = sgd_element((*p[k])[i], m_prev, (*g[k])[i], static_cast<int64_t>(lr), mu);
        if (mu != 0) (*m[k])[i] = e.buf;
        (*p[k])[i] = e.theta;
      }
    }
    return;
  }

  // AdamW.
  const AdamwConstants k = adamw_constants(static_cast<int64_t>(lr), hyper(cfg.beta1), hyper(cfg.beta2),
                                           at_mean_scale(cfg.eps), hyper(cfg.lr * cfg.weight_decay), state.step);
  for (size_t t = 0; t < p.size(); ++t) {
    for (int64_t i = 0; i < p[t]->numel(); ++i) {
      const AdamwElement e = adamw_element((*p[t])[i], (*m[t])[i], (*v[t])[i], (*g[t])[i], k);
      (*m[t])[i] = e.m;
      (*v[t])[i] = e.v;
      (*p[t])[i] = e.theta;
    }
  }
}

}  // namespace zklora

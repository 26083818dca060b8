// The fixed-point optimizers against their float definitions (torch.optim semantics) on small tensors.
#include "zklora/model/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "zklora/fixed/format.h"

namespace zklora {
namespace {

// One targeted projection with A (1, n) and B (1, 1), so the tests control every element.
AdapterTensors make_params(const std::vector<double>& a_values) {
  AdapterTensors p;
  p.config.rank = 1;
  p.config.alpha = 1;
  p.config.targets = {Projection::Q};
  p.n_layers = 1;
  p.a.resize(7);
  p.b.resize(7);
  p.a[0] = ITensor({1, static_cast<int64_t>(a_values.size())});
  for (size_t i = 0; i < a_values.size(); ++i) p.a[0].data[i] = std::llround(std::ldexp(a_values[i], kFixed.lora));
  p.b[0] = ITensor({1, 1});
  return p;
}

AdapterTensors make_grads(const AdapterTensors& like, const std::vector<double>& summed) {
  AdapterTensors g = AdapterTensors::zeros_like(like);
  for (size_t i = 0; i < summed.size(); ++i) g.a[0].data[i] = std::llround(std::ldexp(summed[i], kFixed.grad));
  return g;
}

double value(const AdapterTensors& p, size_t i) { return std::ldexp(static_cast<double>(p.a[0].data[i]), -static_cast<int>(kFixed.lora)); }

TEST(Optimizer, SgdIsThetaMinusLrTimesTheMeanGradient) {
  const std::vector<double> theta = {0.5, -0.25, 0.1}, summed = {3.0, -1.5, 0.012};
  const int64_t n = 12;
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  cfg.lr = 0.05;
  AdapterTensors p = make_params(theta);
  OptimizerState st = OptimizerState::zeros_for(p, cfg);
  optimizer_step(cfg, p, st, make_grads(p, summed), n);
  for (size_t i = 0; i < theta.size(); ++i) EXPECT_NEAR(value(p, i), theta[i] - cfg.lr * summed[i] / n, 1e-7);
}

TEST(Optimizer, SgdMomentumFollowsTorch) {
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  cfg.lr = 0.1;
  cfg.momentum = 0.9;
  AdapterTensors p = make_params({0.0});
  OptimizerState st = OptimizerState::zeros_for(p, cfg);
  double theta = 0, buf = 0;
  for (int step = 1; step <= 5; ++step) {
    const double g = 0.3 * step - 0.7;
    optimizer_step(cfg, p, st, make_grads(p, {g}), 1);
    buf = step == 1 ? g : 0.9 * buf + g;
    theta -= 0.1 * buf;
    EXPECT_NEAR(value(p, 0), theta, 1e-6) << step;
  }
}

TEST(Optimizer, AdamWFollowsTorch) {
  OptimizerConfig cfg;
  cfg.lr = 1e-3;
  cfg.weight_decay = 0.01;
  const std::vector<double> theta0 = {0.3, -0.2, 0.05, 0.0};
  AdapterTensors p = make_params(theta0);
  OptimizerState st = OptimizerState::zeros_for(p, cfg);
  std::vector<double> theta = theta0, m(4, 0), v(4, 0);
  std::mt19937_64 gen(1);
  std::normal_distribution<double> nd(0.0, 1.0);
  for (int t = 1; t <= 10; ++t) {
    std::vector<double> mean(4);
    for (double& g : mean) g = nd(gen) * 1e-2;
    mean[3] = 1e-6 * t;  // a tiny gradient still moves by about lr
    std::vector<double> summed(4);
    for (size_t i = 0; i < 4; ++i) summed[i] = mean[i] * 8;
    optimizer_step(cfg, p, st, make_grads(p, summed), 8);
    for (size_t i = 0; i < 4; ++i) {
      theta[i] *= 1 - cfg.lr * cfg.weight_decay;
      m[i] = 0.9 * m[i] + 0.1 * mean[i];
      v[i] = 0.999 * v[i] + 0.001 * mean[i] * mean[i];
      const double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      theta[i] -= cfg.lr * mh / (std::sqrt(vh) + 1e-8);
      EXPECT_NEAR(value(p, i), theta[i], 2e-6 * t) << "step " << t << " element " << i;
    }
  }
}

TEST(Optimizer, ClippingScalesTheGlobalNorm) {
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  cfg.lr = 1.0;
  cfg.clip_norm = 1.0;
  AdapterTensors p = make_params({0.0, 0.0});
  OptimizerState st = OptimizerState::zeros_for(p, cfg);
  optimizer_step(cfg, p, st, make_grads(p, {3.0, 4.0}), 1);  // norm 5 -> 1
  EXPECT_NEAR(value(p, 0), -0.6, 1e-6);
  EXPECT_NEAR(value(p, 1), -0.8, 1e-6);
  AdapterTensors q = make_params({0.0, 0.0});
  OptimizerState st2 = OptimizerState::zeros_for(q, cfg);
  optimizer_step(cfg, q, st2, make_grads(q, {0.3, 0.4}), 1);  // norm 0.5: unchanged
  EXPECT_NEAR(value(q, 0), -0.3, 1e-6);
}

TEST(Optimizer, InvalidHyperParametersAreRefused) {
  OptimizerConfig cfg;
  cfg.lr = 0;
  EXPECT_EQ(cfg.validate().code(), ErrorCode::INVALID_ARGUMENT);
  cfg.lr = 1e-3;
  cfg.kind = OptimizerKind::SGD;
  cfg.weight_decay = 0.1;
  EXPECT_FALSE(cfg.validate().ok());
  cfg.weight_decay = 0;
  cfg.momentum = 1.0;
  EXPECT_FALSE(cfg.validate().ok());
  EXPECT_FALSE(parse_optimizer("adam").ok());
  EXPECT_EQ(parse_optimizer("sgd").value(), OptimizerKind::SGD);
}

}  // namespace
}  // namespace zklora

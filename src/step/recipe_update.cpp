// The update part of a step (recipe.h; docs/fixed_point.md section 6, as the engine's optimizer_step): per adapter
// matrix the mean gradient over the batch's N targets, then optionally global-norm clipping over all of them (the
// one coupling across layers, hence one part reading every layer's committed gradients), then SGD (with or without
// momentum) or AdamW; the adapter and the optimizer state after the step are statement outputs ("next." names).
// Before a run's first step the optimizer state is zero, a public tensor.
#include <memory>
#include <string>

#include "recipe_builder.h"
#include "zklora/fixed/optim.h"
#include "zklora/model/optimizer.h"
#include "zklora/ops/update/adamw_update_op.h"
#include "zklora/ops/update/clip_op.h"
#include "zklora/ops/update/mean_gradient_op.h"
#include "zklora/ops/update/sgd_update_op.h"

namespace zklora::recipe {

// The summed loss's gradient G of every adapter matrix (the layers' cuts) and the matrix itself, in the engine's
// order: layer by layer, projections in order, A then B.
void Recipe::update_part() {
  struct Matrix {
    TensorKey key;  // the matrix's ADAPTER key
    size_t grad = 0, theta = 0;
  };
  std::vector<Matrix> mats;
  for (int64_t l = 0; l < m_.n_layers; ++l) {
    for (const Projection pr : s_.lora.targets) {
      const auto [out, in] = projection_shape(m_, pr);
      const uint64_t r = u(s_.lora.rank);
      for (const bool is_a : {true, false}) {
        const TensorKey key = TensorKey::adapter(TensorKind::ADAPTER, l, pr, is_a);
        const std::vector<uint64_t> d = is_a ? std::vector<uint64_t>{r, u(in)} : std::vector<uint64_t>{u(out), r};
        const size_t grad = g_.add_statement_tensor(key.as(TensorKind::ADAPTER_GRAD), d);
        mats.push_back({key, grad, g_.add_statement_tensor(key, d)});
      }
    }
  }
  const OptimizerIntegers k = optimizer_integers(s_.optimizer);
  std::vector<size_t> g;  // the mean gradients, 2^mean_grad
  for (const Matrix& a : mats) {
    g.push_back(g_.apply1(std::make_unique<MeanGradientOp>(dims(a.grad), s_.count), {a.grad},
                          "mean_grad." + a.key.name()));
  }
  if (k.clips()) {
    std::vector<std::vector<uint64_t>> all;
    for (const size_t id : g) all.push_back(dims(id));
    g = g_.apply(std::make_unique<ClipOp>(std::move(all), k.clip, k.clip_eps), g, "clip");
  }
  // The state before the step: zero before a run's first step, else committed by the step before.
  const auto state = [&](const TensorKey& key, const std::vector<uint64_t>& d) {
    if (s_.step_number == 1) return g_.add_public_tensor(key.name(), std::make_shared<ZeroTensor>(d));
    return g_.add_statement_tensor(key, d, true, kAdapterRange);
  };
  for (size_t j = 0; j < mats.size(); ++j) {
    const Matrix& a = mats[j];
    const std::string n = a.key.name();
    const std::vector<uint64_t> d = dims(a.theta);
    std::vector<size_t> in{g[j], a.theta};
    if (s_.has_first_moment()) in.push_back(state(a.key.as(TensorKind::MOMENT_M), d));
    if (s_.has_second_moment()) in.push_back(state(a.key.as(TensorKind::MOMENT_V), d));
    std::unique_ptr<Operation> op;
    if (s_.optimizer.kind == OptimizerKind::SGD) {
      op = std::make_unique<SgdUpdateOp>(d, k.lr, k.mu);
    } else {
      op = std::make_unique<AdamwUpdateOp>(d, adamw_constants(k.lr, k.b1, k.b2, k.eps, k.wd_lr, s_.step_number));
    }
    const std::vector<size_t> out = g_.apply(std::move(op), in, "update." + n);
    g_.mark_statement_output(out[0], a.key.as(TensorKind::NEXT_ADAPTER));
    if (out.size() > 1) g_.mark_statement_output(out[1], a.key.as(TensorKind::NEXT_MOMENT_M));
    if (out.size() > 2) g_.mark_statement_output(out[2], a.key.as(TensorKind::NEXT_MOMENT_V));
  }
}

}  // namespace zklora::recipe

// The update of a step (recipe.h; docs/fixed_point.md section 6, as the engine's optimizer_step): per adapter
// matrix the mean gradient over the batch's N targets, then optionally global-norm clipping over all of them, then
// SGD (with or without momentum) or AdamW; the adapter and the optimizer state after the step are statement
// outputs ("next." names). Before a run's first step the optimizer state is zero, a public tensor.
#include <algorithm>
#include <tuple>
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

void Recipe::update() {
  // The engine's order of the adapter's tensors: layer by layer, projections in order, A then B.
  std::sort(grads_.begin(), grads_.end(), [](const AdapterGradient& x, const AdapterGradient& y) {
    return std::tuple(x.layer, static_cast<int>(x.pr), !x.is_a) < std::tuple(y.layer, static_cast<int>(y.pr), !y.is_a);
  });
  const OptimizerIntegers k = optimizer_integers(s_.optimizer);
  std::vector<size_t> g;  // the mean gradients, 2^mean_grad
  for (const AdapterGradient& a : grads_) {
    g.push_back(g_.apply1(std::make_unique<MeanGradientOp>(dims(a.id), s_.count), {a.id},
                          "mean_grad." + adapter_tensor_name(a.layer, a.pr, a.is_a)));
  }
  if (k.clips()) {
    std::vector<std::vector<uint64_t>> all;
    for (const size_t id : g) all.push_back(dims(id));
    g = g_.apply(std::make_unique<ClipOp>(std::move(all), k.clip, k.clip_eps), g, "clip");
  }
  // The state before the step: zero before a run's first step, else committed by the step before.
  const auto state = [&](const std::string& name, const std::vector<uint64_t>& d) {
    if (s_.step_number == 1) return g_.add_public_tensor(name, std::make_shared<ZeroTensor>(d));
    return g_.add_statement_tensor(name, d, true, kAdapterRange);
  };
  for (size_t j = 0; j < grads_.size(); ++j) {
    const AdapterGradient& a = grads_[j];
    const std::string n = adapter_tensor_name(a.layer, a.pr, a.is_a);
    const std::vector<uint64_t> d = dims(a.theta);
    std::vector<size_t> in{g[j], a.theta};
    if (s_.has_first_moment()) in.push_back(state("optimizer.m." + n, d));
    if (s_.has_second_moment()) in.push_back(state("optimizer.v." + n, d));
    std::unique_ptr<Operation> op;
    if (s_.optimizer.kind == OptimizerKind::SGD) {
      op = std::make_unique<SgdUpdateOp>(d, k.lr, k.mu);
    } else {
      op = std::make_unique<AdamwUpdateOp>(d, adamw_constants(k.lr, k.b1, k.b2, k.eps, k.wd_lr, s_.step_number));
    }
    const std::vector<size_t> out = g_.apply(std::move(op), in, "update." + n);
    const std::string next(kNextPrefix);
    g_.mark_statement_output(out[0], next + n);
    if (out.size() > 1) g_.mark_statement_output(out[1], next + "optimizer.m." + n);
    if (out.size() > 2) g_.mark_statement_output(out[2], next + "optimizer.v." + n);
  }
}

}  // namespace zklora::recipe

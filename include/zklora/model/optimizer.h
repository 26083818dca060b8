// The optimizers of the fixed-point engine (docs/fixed_point.md section 6): SGD with optional momentum and
// AdamW, with optional clipping of the global gradient norm, as torch.optim computes them, in integers.
//
// Input: the gradients G of the SUMMED loss (grad scale) and the number N of predicted tokens. All arithmetic is
// on the mean gradient g = div_round(G 2^(mean_grad - grad), N). Hyper-parameters enter as integers over
// 2^hyper: LR = round(lr 2^32), and so on; they are public.
#pragma once

#include <cstdint>
#include <string>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"

namespace zklora {

enum class OptimizerKind { SGD, ADAMW };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::ADAMW;
  double lr = 1e-3;
  double momentum = 0.0;      // SGD
  double weight_decay = 0.0;  // AdamW, decoupled (Hugging Face Trainer's default 0)
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double clip_norm = 0.0;     // 0: no clipping
  Status validate() const;
};

Result<OptimizerKind> parse_optimizer(const std::string& s);

// The hyper-parameters as the integers the update computes with (and a step proof's operations take): LR, MU, B1,
// B2 and WD_LR = lr weight_decay at 2^hyper, EPS, CLIP and CLIP_EPS (torch's 1e-6) at the mean-gradient scale.
struct OptimizerIntegers {
  int64_t lr = 0, mu = 0, b1 = 0, b2 = 0, eps = 0, wd_lr = 0, clip = 0, clip_eps = 0;
  bool clips() const { return clip > 0; }
};
OptimizerIntegers optimizer_integers(const OptimizerConfig& config);

// Optimizer state: the step count and, with the adapter's layout, the momentum buffer or first moment m
// (mean_grad scale) and the second moment v (second scale).
struct OptimizerState {
  int64_t step = 0;
  AdapterTensors m, v;
  static OptimizerState zeros_for(const AdapterTensors& params, const OptimizerConfig& config);
};

// One update of `params` in place.
void optimizer_step(const OptimizerConfig& config, AdapterTensors& params, OptimizerState& state,
                    const AdapterTensors& grads, int64_t count);

}  // namespace zklora

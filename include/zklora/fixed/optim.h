// The per-element arithmetic of the optimizers (docs/fixed_point.md section 6), the one definition the engine's
// optimizer_step (model/optimizer.h) and the proof's update operations (ops/update/) share.
#pragma once

#include <cstdint>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"

namespace zklora {

// The shift of an SGD update: LR buf at 2^(hyper + mean_grad) to the adapter's 2^lora.
inline constexpr unsigned kSgdUpdateShift = kFixed.hyper + kFixed.mean_grad - kFixed.lora;  // 40

// g = div_round(G 2^(mean_grad - grad), N): the mean gradient of a summed-loss gradient G over N targets
// (OUT_OF_RANGE past 2^62).
inline int64_t mean_gradient(int64_t g_sum, int64_t count) {
  return to_i64_checked(div_round(static_cast<i128>(g_sum) << (kFixed.mean_grad - kFixed.grad), count),
                        "mean gradient");
}

struct SgdElement {
  int64_t theta = 0;  // the adapter entry after the update
  int64_t buf = 0;    // the momentum buffer after it (g without momentum)
};

// buf = round_shift(MU m, hyper) + g (just g when MU = 0); theta' = theta - round_shift(buf LR, 40)
// (OUT_OF_RANGE past 2^62 for either).
inline SgdElement sgd_element(int64_t theta, int64_t m_prev, int64_t g, int64_t lr, int64_t mu) {
  const i128 buf = mu == 0 ? i128{g} : round_shift(static_cast<i128>(mu) * m_prev, kFixed.hyper) + g;
  SgdElement out;
  out.buf = to_i64_checked(buf, "momentum buffer");
  out.theta = to_i64_checked(theta - round_shift(buf * lr, kSgdUpdateShift), "adapter weight");
  return out;
}

}  // namespace zklora

// The names of tensor keys (tensor_key.h).
#include "zklora/step/tensor_key.h"

#include <string>

#include "zklora/base/error.h"

namespace zklora {
namespace {

std::string layer_part(int64_t layer) { return std::to_string(layer) + "."; }

std::string adapter_name(const TensorKey& k) {
  return "adapter." + layer_part(k.layer) + projection_module(k.proj) + (k.is_a ? ".A" : ".B");
}

}  // namespace

std::string TensorKey::name() const {
  switch (kind) {
    case TensorKind::EMBED: return "embed";
    case TensorKind::LM_HEAD: return "lm_head";
    case TensorKind::FINAL_NORM: return "final_norm";
    case TensorKind::PROJECTION: return "layers." + layer_part(layer) + projection_module(proj);
    case TensorKind::ATTN_NORM: return "layers." + layer_part(layer) + "attn_norm";
    case TensorKind::MLP_NORM: return "layers." + layer_part(layer) + "mlp_norm";
    case TensorKind::ADAPTER: return adapter_name(*this);
    case TensorKind::MOMENT_M: return "optimizer.m." + adapter_name(*this);
    case TensorKind::MOMENT_V: return "optimizer.v." + adapter_name(*this);
    case TensorKind::NEXT_ADAPTER: return "next." + adapter_name(*this);
    case TensorKind::NEXT_MOMENT_M: return "next.optimizer.m." + adapter_name(*this);
    case TensorKind::NEXT_MOMENT_V: return "next.optimizer.v." + adapter_name(*this);
    case TensorKind::BATCH_TOKENS: return "batch.tokens";
    case TensorKind::BATCH_TARGETS: return "batch.targets";
    case TensorKind::RESIDUAL: return "cut.h." + std::to_string(layer);
    case TensorKind::RESIDUAL_GRAD: return "cut.dh." + std::to_string(layer);
    case TensorKind::ONE_HOT: return "cut.one_hot";
    case TensorKind::ADAPTER_GRAD: return "grad." + adapter_name(*this);
  }
  throw ZkError(ErrorCode::INVALID_ARGUMENT, "unknown tensor kind " + std::to_string(static_cast<int>(kind)));
}

}  // namespace zklora

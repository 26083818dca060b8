// Typed keys of the tensors a step commits outside its sub-proofs: the statement's (base weights, adapter,
// optimizer state, batch, and the adapter and state after the step) and the step header's cuts (the residual
// stream between layers and its gradient, the embedding's one-hot matrix, each layer's adapter gradients).
//
// A key is (kind, layer, projection, A or B). Code that needs a tensor switches on the key; nothing parses a name
// back. name() is the one spelling of a key, used where names are written: the transcript (a commitment is
// absorbed under its name), the weight and data commitment files, the run's commitment sets and openings.
//
//   EMBED "embed", LM_HEAD "lm_head", FINAL_NORM "final_norm"                        base weights, model-wide
//   PROJECTION "layers.<l>.<module>", ATTN_NORM / MLP_NORM "layers.<l>.attn_norm"    base weights of layer l
//   ADAPTER "adapter.<l>.<module>.<A|B>"; MOMENT_M / MOMENT_V "optimizer.m.adapter..." the state before the step
//   NEXT_ADAPTER, NEXT_MOMENT_M, NEXT_MOMENT_V: the same after "next."                the step's outputs
//   BATCH_TOKENS "batch.tokens" (B, S); BATCH_TARGETS "batch.targets" (B): each row's number of targets
//   RESIDUAL "cut.h.<l>" (B, S, d): the residual stream entering layer l (l = L: the head's input)
//   RESIDUAL_GRAD "cut.dh.<l>" (B, S, d): the gradient of the loss at RESIDUAL l (1 <= l <= L)
//   ONE_HOT "cut.one_hot" (B, S, V): the batch's one-hot matrix (the embedding's; the loss reads its targets)
//   ADAPTER_GRAD "grad.adapter.<l>.<module>.<A|B>": the summed loss's gradient of an adapter matrix
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "zklora/model/config.h"

namespace zklora {

enum class TensorKind : uint8_t {
  EMBED = 1,
  LM_HEAD,
  FINAL_NORM,
  PROJECTION,
  ATTN_NORM,
  MLP_NORM,
  ADAPTER,
  MOMENT_M,
  MOMENT_V,
  NEXT_ADAPTER,
  NEXT_MOMENT_M,
  NEXT_MOMENT_V,
  BATCH_TOKENS,
  BATCH_TARGETS,
  RESIDUAL,
  RESIDUAL_GRAD,
  ONE_HOT,
  ADAPTER_GRAD,
};

struct TensorKey {
  TensorKind kind = TensorKind::EMBED;
  int64_t layer = -1;                 // PROJECTION .. NEXT_MOMENT_V, RESIDUAL, RESIDUAL_GRAD, ADAPTER_GRAD
  Projection proj = Projection::Q;    // PROJECTION and the adapter-shaped kinds
  bool is_a = true;                   // the adapter-shaped kinds: A (rank, in) or B (out, rank)

  static TensorKey of(TensorKind kind) { return {kind}; }
  static TensorKey projection(int64_t layer, Projection p) { return {TensorKind::PROJECTION, layer, p}; }
  static TensorKey norm(TensorKind kind, int64_t layer) { return {kind, layer}; }
  // ADAPTER, MOMENT_M, ..., ADAPTER_GRAD.
  static TensorKey adapter(TensorKind kind, int64_t layer, Projection p, bool is_a) { return {kind, layer, p, is_a}; }
  static TensorKey residual(int64_t layer) { return {TensorKind::RESIDUAL, layer}; }
  static TensorKey residual_grad(int64_t layer) { return {TensorKind::RESIDUAL_GRAD, layer}; }

  std::string name() const;
  // A base weight (from the model's weight commitment).
  bool is_weight() const { return kind <= TensorKind::MLP_NORM; }
  // A tensor of the step's header (committed by the prover before any sub-proof).
  bool is_cut() const { return kind >= TensorKind::RESIDUAL; }
  // Adapter-shaped: ADAPTER .. NEXT_MOMENT_V and ADAPTER_GRAD.
  bool is_adapter_like() const {
    return (kind >= TensorKind::ADAPTER && kind <= TensorKind::NEXT_MOMENT_V) || kind == TensorKind::ADAPTER_GRAD;
  }
  // The same matrix under another adapter-shaped kind (the moment of an adapter matrix, its next value, ...).
  TensorKey as(TensorKind k) const { return {k, layer, proj, is_a}; }

  auto operator<=>(const TensorKey&) const = default;
};

}  // namespace zklora

// The step's recipe: the graph of each part of a statement's step (parts.h), block by block in the paper's order,
// the same on both sides (the verifier rebuilds it from the public statement).
//
//   EMBEDDING   h_0 = E[tok]                                   -> cut.h.0, cut.one_hot (with the loss)
//   LAYER l     h = attention_block(l, h_l); h_{l+1} = mlp_block(l, h)                   -> cut.h.<l+1>
//               STEP: dh_l = layer_backward(l, dh_{l+1}) (not for l = 0)                  -> cut.dh.<l>
//                     the adapter gradients of layer l                                    -> grad.adapter.<l>...
//   HEAD        logits = rmsnorm(h_L) W_lm^T;  loss = cross_entropy(logits, targets)  (public: loss sum, N)
//               STEP: dh_L = head_backward(dz)                                            -> cut.dh.<L>
//   UPDATE      per adapter matrix: mean gradient, [global-norm clipping], SGD or AdamW   -> next.adapter...
// (recipe.cpp: the forward blocks and the parts; recipe_backward.cpp; recipe_update.cpp.) A part reads the cuts
// other parts produce as statement tensors and produces its own as statement outputs (StepGraph).
//
// LINEAR_BACKBONE is a transform of these graphs (StepGraph::leave_unproven): RMSNorm, RoPE, attention (scores,
// softmax, context and its rescaling), SwiGLU and the loss are left unproven, their outputs entering as committed,
// range-checked tensors and what they read committed as cuts.
//
// Tensor names: statement tensors and cuts as tensor_key.h spells them; an operation's outputs are
// "<instance>[.<output>]", its helpers "<instance>.<helper>", with instances such as "layers.<l>.q_proj.base" or
// "layers.<l>.attn.softmax"; backward instances end in ".backward" ("layers.<l>.q_proj.backward"), the adapter
// gradients' means "mean_grad.adapter...", the updates "update.adapter...".
#pragma once

#include <vector>

#include "zklora/base/error.h"
#include "zklora/step/graph.h"
#include "zklora/step/parts.h"
#include "zklora/step/statement.h"

namespace zklora {

// The graph of a part of a valid statement, as both sides prove it (INVALID_ARGUMENT for an invalid statement or a
// part the statement's step does not have).
Result<StepGraph> build_part_graph(const StepStatement& s, PartId part);

// The prover's view: every operation of the part, the ones a LINEAR_BACKBONE statement leaves unproven too (what
// its witness is computed on), ...
Result<StepGraph> build_full_part_graph(const StepStatement& s, PartId part);
// ... and the graph proven from it: `full` itself, or the LINEAR_BACKBONE transform of it, with full_id (when not
// null) the id in `full` of each of the proven graph's tensors.
StepGraph proven_part_graph(const StepStatement& s, StepGraph full, std::vector<size_t>* full_id = nullptr);

// Names the recipe gives the tensors of layer l that the engine also computes (the witness tests compare them).
std::string layer_tensor(int64_t layer, const std::string& what);

}  // namespace zklora

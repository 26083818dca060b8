// The step's recipe: the graph of a statement (statement.h), block by block in the paper's order, the same on
// both sides (the verifier rebuilds it from the public statement).
//
//   embedding        h = E[tok]                                               (batch, seq, d)
//   per layer l      h = attention_block(l, h);  h = mlp_block(l, h)
//   head and loss    logits = rmsnorm(h) W_lm^T;  loss = cross_entropy(logits, targets of the batch)
//   STEP, then       dh = head_backward(dz);  per layer l, last first: dh = layer_backward(l, dh)  (recipe_backward)
//                    per adapter matrix: mean gradient, [global-norm clipping], SGD or AdamW      (recipe_update)
//
// Tensor names: statement tensors as in statement.h; an operation's outputs are "<instance>[.<output>]", its
// helpers "<instance>.<helper>", with instances such as "layers.<l>.q_proj.base" or "layers.<l>.attn.softmax";
// backward instances end in ".backward" ("layers.<l>.q_proj.backward"), the adapter gradients are
// "grad.adapter.<l>.<module>.<A|B>", their means "mean_grad.adapter...", the updates "update.adapter...".
#pragma once

#include "zklora/base/error.h"
#include "zklora/step/graph.h"
#include "zklora/step/statement.h"

namespace zklora {

// The graph of a valid statement (INVALID_ARGUMENT otherwise).
Result<StepGraph> build_step_graph(const StepStatement& s);

// Names the recipe gives the tensors the engine also computes (the witness tests compare them).
std::string layer_tensor(int64_t layer, const std::string& what);

}  // namespace zklora

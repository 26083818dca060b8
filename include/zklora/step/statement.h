// The public statement of a step proof and the commitments it names (DESIGN.md section 1).
//
// The statement: the model configuration, the LoRA configuration, the fixed-point format version, the batch
// shape, what the proof covers (mode), the run it belongs to, the operations it leaves UNPROVEN (empty for the whole
// forward pass) and its public outputs (the batch's summed loss). Everything is absorbed into the transcript before
// the first message (domain "step-statement"), then the commitments the graph reads, by name.
//
// Modes:
//   - FORWARD: the whole forward pass: embedding, every decoder layer (RMSNorm, projections with LoRA, RoPE,
//     causal grouped-query attention, residuals, SwiGLU), the final RMSNorm, the LM head and the summed
//     cross-entropy loss over the batch's targets, a public output. Nothing unproven.
//   - STEP: a whole training step: the forward pass and the loss as FORWARD, the loss gradient, the backward pass
//     down to the gradient of every adapter matrix, the mean gradient over the batch's N targets (N a public
//     output, counted from the batch's mask), optional global-norm clipping and the optimizer's update of every
//     adapter matrix and of its optimizer state. The adapter and the state after the step are statement outputs:
//     their commitments ("next.adapter...", "next.optimizer...") are the update's outputs, so the next step's
//     statement starts from them. Before a run's first step (step_number 1) the optimizer state is zero, a public
//     tensor; after it the state is committed ("optimizer.m...", "optimizer.v..."). Nothing unproven.
//   - LINEAR_BACKBONE: the linear backbone only (embedding, projections with LoRA, residual stream, LM head), the
//     outputs of RMSNorm, attention and SwiGLU entering as committed, range-checked tensors the statement lists as
//     unproven, the tensors those operations read committed and tied to what the proven operations compute. Kept
//     as the benchmark the rest is measured against; such a proof never passes for a proof of the forward pass.
// A step is proven as sub-proofs (step/parts.h): the embedding, every decoder layer, the head and, in a STEP, the
// update, each on a transcript forked from one that absorbed this statement and the step's cuts.
//
// Commitments by name: "embed", "lm_head", "final_norm", "layers.<l>.<module>", "layers.<l>.attn_norm",
// "layers.<l>.mlp_norm" (the base weights, step/weight_commitment.h), "adapter.<l>.<module>.A" / ".B",
// "batch.tokens" (batch, seq) and "batch.targets" (batch): the number of targets of each row (the positions whose
// next token is in the sequence, model/llama.h, make_batch; the proof derives the mask from it); in a STEP,
// "optimizer.m.adapter.<l>.<module>.A" / ".B" (SGD's momentum buffer or AdamW's first moment; after step 1, with
// momentum or AdamW), "optimizer.v.adapter..." (AdamW's second moment), and the step's outputs, the
// same names after "next.".
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

enum class StepMode : uint8_t {
  FORWARD = 1,
  LINEAR_BACKBONE = 2,
  STEP = 3,
};

struct StepStatement {
  ModelConfig model;
  LoraConfig lora;
  uint32_t format_version = 0;  // kFixedFormatVersion
  int64_t batch = 0, seq = 0;
  StepMode mode = StepMode::FORWARD;
  // The run this step belongs to (io/run_statement.h, RunStatement::digest), zero for a step proven on its own:
  // absorbed with the rest, so a step's proof cannot be moved to another run.
  std::array<uint8_t, 32> run{};
  // Public output of FORWARD and STEP proofs with the head: sum over the batch's targets of the per-row losses, at
  // the activation scale (docs/fixed_point.md section 5); the reported loss is loss_sum / count / 2^16.
  int64_t loss_sum = 0;
  // STEP: the optimizer and its hyper-parameters, the number of the step proven (1 for a run's first), and N, the
  // number of targets of the batch (a public output).
  OptimizerConfig optimizer;
  int64_t step_number = 0;
  int64_t count = 0;
  // The batch as rows of a committed data set (data_commitment.h): the data commitment's digest, its number of
  // examples and the indices of the batch's rows, in order (batch of them). Without indices the batch is
  // committed on its own ("batch.tokens" and "batch.targets" among the statement's commitments).
  std::array<uint8_t, 32> data_digest{};
  int64_t data_examples = 0;
  std::vector<int64_t> batch_indices;

  bool has_loss() const { return mode == StepMode::FORWARD || mode == StepMode::STEP; }
  bool updates() const { return mode == StepMode::STEP; }
  bool on_data() const { return !batch_indices.empty(); }
  // The optimizer state the update reads and writes: SGD's momentum buffer (m), AdamW's moments (m, v).
  bool has_first_moment() const;
  bool has_second_moment() const { return updates() && optimizer.kind == OptimizerKind::ADAMW; }
  // The operations this proof does not prove.
  std::vector<std::string> unproven() const;
  bool proves_whole_forward() const { return unproven().empty(); }
  // INVALID_ARGUMENT naming what does not fit (including shapes the proof cannot handle: a head_dim or a group of
  // query heads per key head that is not a power of two).
  Status validate() const;
  // The configuration, the shape, the mode, the run, the unproven list and the public outputs.
  void absorb(Transcript& t) const;
};

// Commitments by tensor name.
using ProverCommitments = std::map<std::string, HyraxCommitted>;
using PublicCommitments = std::map<std::string, HyraxCommitment>;

ProverCommitments commit_adapter(const AdapterTensors& adapter, int threads = 0);
// "batch.tokens" (batch, seq) and "batch.targets" (batch).
ProverCommitments commit_batch(const Batch& batch, int threads = 0);
// "optimizer.m..." and "optimizer.v..." as the statement names them (none before step 1).
ProverCommitments commit_optimizer_state(const StepStatement& s, const OptimizerState& state, int threads = 0);
// The statement tensor names of an adapter matrix and of its optimizer state: "adapter.<l>.<module>.<A|B>",
// their states "optimizer.m." and "optimizer.v." before it; the step's outputs carry the prefix kNextPrefix.
std::string adapter_tensor_name(int64_t layer, Projection p, bool is_a);
inline constexpr std::string_view kNextPrefix = "next.";
// The commitments a step ended with ("next.*"), named as the next step's statement reads them.
ProverCommitments next_step_inputs(const ProverCommitments& outputs);
PublicCommitments next_step_inputs(const PublicCommitments& outputs);
PublicCommitments public_commitments(const ProverCommitments& c);

// The batch's tensors as the proof commits them: the ids (batch, seq), ...
std::vector<int64_t> batch_tokens(const Batch& batch);
// The number of targets of each row.
std::vector<int64_t> batch_targets(const Batch& batch);

}  // namespace zklora

// Proofs of the linear backbone of a step's forward pass: the token embedding, every projection with its LoRA
// branch, the residual stream and the LM head (docs/protocol.md section 13), over the step graph of graph.h.
//
// The public statement: the model configuration, the LoRA configuration, the fixed-point format version, the
// batch shape, which non-linear operations the proof leaves UNPROVEN, and the commitments (base weights, adapter
// matrices, the batch's token ids). Everything is absorbed into the transcript before the first message.
//
// Two graphs:
//   - UNPROVEN_INPUTS (the real model): the outputs of RMSNorm, the attention core and SwiGLU enter as tensors
//     committed in the proof and range checked, and the tensors those operations read (the residual stream
//     before each RMSNorm, q, k, v, gate, up, the logits) are boundary tensors: committed, and proven equal to
//     what the proven operations compute from the committed inputs. unproven() names the operations left open,
//     and proves_whole_step() is false: such a proof can never pass for a proof of the whole step.
//   - IDENTITY (tests only): the same model with RMSNorm, attention (o = q) and SwiGLU (h = up) replaced by the
//     identity, so the graph is linear from the embedding to the logits; k, v, gate and the logits are boundary
//     tensors (nothing in this graph consumes them).
// With layers_only the graph is the decoder layers alone: the residual stream enters as a committed, range
// checked input (benchmarks of one layer of a large model).
//
// Checks on what the prover committed: the adapter's entries are range checked (signed 63 bits, the engine's
// bound) and zero in their padding, the batch's ids zero in their padding (the embedding bounds them), every
// tensor committed in the proof zero in its padding (graph.h). The model's weights are not checked here.
//
// One source of truth: the prover's tensors are the engine's (layer_forward of model/llama.h for the real model,
// projection_forward and the kernels of fixed/ for the identity model); the remainders are derived from them by
// rescale_remainder, which refuses any output that is not the rounding of its product.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/step/graph.h"

namespace zklora {

enum class NonLinearMode : uint8_t {
  UNPROVEN_INPUTS = 1,  // the real model, non-linear operations' outputs committed and marked unproven
  IDENTITY = 2,         // test-only: non-linear operations replaced by the identity
};

struct LinearStatement {
  ModelConfig model;
  LoraConfig lora;
  uint32_t format_version = 0;  // kFixedFormatVersion
  int64_t batch = 0, seq = 0;
  NonLinearMode mode = NonLinearMode::UNPROVEN_INPUTS;
  bool layers_only = false;

  // The operations this proof does not prove (never empty here: the loss is not proven in this graph).
  std::vector<std::string> unproven() const;
  bool proves_whole_step() const { return unproven().empty(); }
  Status validate() const;
};

// Commitments by tensor name ("embed", "lm_head", "layers.<l>.<module>", "adapter.<l>.<module>.A" / ".B",
// "batch.tokens").
using ProverCommitments = std::map<std::string, HyraxCommitted>;
using PublicCommitments = std::map<std::string, HyraxCommitment>;

// The graph of a statement: the same on both sides.
Result<StepGraph> build_linear_graph(const LinearStatement& s);

ProverCommitments commit_adapter(const AdapterTensors& adapter, int threads = 0);
ProverCommitments commit_batch(const Batch& batch, int threads = 0);
PublicCommitments public_commitments(const ProverCommitments& c);

// Absorbs the statement and the commitments the graph reads (statement_tensors order).
void absorb_linear_statement(Transcript& t, const LinearStatement& s, const StepGraph& g,
                             std::span<const HyraxCommitment* const> commitments);

// The graph of a statement with the prover's tensors: the engine's forward pass on this model, adapter and batch.
struct LinearWitness {
  StepGraph graph;
  StepWitness witness;
  std::vector<std::shared_ptr<const LayerWeights>> layers;  // what the witness's views of the weights point into
};

// ZkError INVALID_ARGUMENT if the inputs do not fit the statement.
LinearWitness build_linear_witness(const LinearStatement& s, const ModelWeights& weights,
                                   const AdapterTensors& adapter, const Batch& batch);

struct LinearProveOptions {
  int threads = 0;
  GraphProofMap* map = nullptr;
  // Soundness tests: prove a witness the caller changed, as a cheating prover would (channel.h).
  bool allow_false_relations = false;
};

// The proof (the channel's stream) of a witness. commitments: the model's, the adapter's and the batch's, with
// blinds. ZkError INVALID_ARGUMENT if a commitment is missing.
std::vector<uint8_t> prove_linear_witness(const LinearStatement& s, const LinearWitness& witness,
                                          const ProverCommitments& commitments, ChannelMode mode,
                                          const LinearProveOptions& options = {});

// build_linear_witness, then prove_linear_witness.
std::vector<uint8_t> prove_linear_step(const LinearStatement& s, const ModelWeights& weights,
                                       const AdapterTensors& adapter, const Batch& batch,
                                       const ProverCommitments& commitments, ChannelMode mode, int threads = 0,
                                       GraphProofMap* map = nullptr);

Status verify_linear_step(const LinearStatement& s, const PublicCommitments& commitments,
                          std::span<const uint8_t> proof, ChannelMode mode, int threads = 0);

}  // namespace zklora

// Proving and verifying a step (statement.h) over the graph of recipe.h.
//
// The prover's witness: the statement tensors are bound by name to the model's weights, the adapter and the
// batch; every operation then computes its outputs and helpers from its inputs (graph_compute_witness), with
// the fixed/ functions the engine runs, so the proven step and the trained step cannot differ. Only the tensors a
// LINEAR_BACKBONE proof leaves unproven come from the engine's own forward pass (model/llama.h).
// The transcript: "zklora-step"; the statement (statement.h), then the commitments the graph reads by name, then
// the graph's protocol (graph.h). The verifier needs only public data: the statement, the commitments (the base
// weights' as a WeightCommitment: checked or explicitly trusted) and the proof.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/piop/channel.h"
#include "zklora/step/data_commitment.h"
#include "zklora/step/graph.h"
#include "zklora/step/statement.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {

// What a step reads: the model, the adapter and the batch; in a STEP after a run's first step, the optimizer
// state before it (m and v as the statement's optimizer uses them). A layers_only STEP also reads the gradient at
// its last layer's output (T, d), from the layers after it; without one, the engine's head computes it from the
// model's final norm and LM head.
struct StepInputs {
  const ModelWeights& weights;
  const AdapterTensors& adapter;
  const Batch& batch;
  const OptimizerState* optimizer = nullptr;
  const ITensor* output_gradient = nullptr;
};

// The graph of a statement with the prover's tensors.
struct StepProverWitness {
  StepGraph graph;
  StepWitness witness;
  std::vector<std::shared_ptr<const LayerWeights>> layers;  // what the witness's views of the weights point into
  std::vector<std::vector<int64_t>> kept;                   // other tensors the views point into
  int64_t loss_sum = 0;                                     // the public outputs (with the head)
  int64_t count = 0;
};

// ZkError INVALID_ARGUMENT if the inputs do not fit the statement; the engine's errors (OUT_OF_RANGE) as they are.
StepProverWitness build_step_witness(const StepStatement& s, const StepInputs& inputs, int threads = 0);

// The number of targets of a batch (N, the rows with a next token).
int64_t batch_count(const Batch& batch);

// A STEP's results: the adapter and the optimizer state after the update (as the witness computed them), and the
// prover's commitments to them, named "next.*" as the statement's outputs (next_step_inputs renames them for
// the next step's statement).
struct StepOutputs {
  AdapterTensors adapter;
  OptimizerState optimizer;
  ProverCommitments commitments;
};
// ZkError INVALID_ARGUMENT for a statement without update. `adapter`: the adapter before the step (its layout).
StepOutputs step_outputs(const StepStatement& s, const StepProverWitness& witness, const AdapterTensors& adapter,
                         int threads = 0);

struct StepProveOptions {
  int threads = 0;
  GraphProofMap* map = nullptr;
  GraphProfile* profile = nullptr;
  // Soundness tests: prove a witness the caller changed, as a cheating prover would (channel.h).
  bool allow_false_relations = false;
};

// The proof of a witness. s.loss_sum and s.count must be the witness's (ZkError INVALID_ARGUMENT otherwise,
// unless false relations are allowed); commitments: the model's, the adapter's, the batch's and the optimizer
// state's, with blinds; outputs: a STEP's ("next.*", step_outputs).
std::vector<uint8_t> prove_step_witness(const StepStatement& s, const StepProverWitness& witness,
                                        const ProverCommitments& commitments, ChannelMode mode,
                                        const StepProveOptions& options = {},
                                        const ProverCommitments* outputs = nullptr);

struct StepProof {
  StepStatement statement;  // with its public outputs
  std::vector<uint8_t> proof;
  StepOutputs outputs;      // a STEP's
};

// build_step_witness, the public outputs into the statement (and N, the batch's number of targets, in a STEP),
// then prove_step_witness.
StepProof prove_step(StepStatement s, const StepInputs& inputs, const ProverCommitments& commitments,
                     ChannelMode mode, const StepProveOptions& options = {});

// Ok iff the proof proves the statement against these commitments (a STEP's: the state before the step and the
// "next.*" outputs, public). INVALID_ARGUMENT for a bad statement or a missing commitment; the sub-protocols'
// rejection codes, with the operation and tensor named, otherwise.
Status verify_step(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& commitments,
                   std::span<const uint8_t> proof, ChannelMode mode, int threads = 0,
                   GraphProfile* profile = nullptr);
// A step over committed data (s.on_data()): "batch.tokens" and "batch.mask" are assembled from `data` at the
// statement's indices (data_commitment.h), never taken from `commitments`. INVALID_ARGUMENT when `data` is not
// the commitment the statement names (digest, number of examples, sequence length, vocabulary). The overload
// without data refuses such a statement.
Status verify_step(const StepStatement& s, const WeightCommitment& weights, const DataCommitment& data,
                   const PublicCommitments& commitments, std::span<const uint8_t> proof, ChannelMode mode,
                   int threads = 0, GraphProfile* profile = nullptr);

}  // namespace zklora

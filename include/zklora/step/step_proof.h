// Proving and verifying a step (statement.h) as sub-proofs (parts.h) over the graphs of recipe.h.
//
// The prover (StepProver) runs the engine's pass first (model/llama.h: forward_backward keeping the streams, then
// the optimizer's update), which gives the cuts, the public outputs and the adapter and state after the step. It
// commits the cuts (the step's header) and the outputs, and then proves each part on its own: the part's witness
// is recomputed from what it reads (the base weights of its layer, the adapter, the batch, the cuts) by its graph's
// operations, which run the fixed/ functions the engine runs, so the proven step and the trained step cannot
// differ; the part's cuts and outputs must come out as the engine's (the prover refuses otherwise). One part's
// witness is held at a time (memory independent of depth), or a few on threads; parts are independent given the
// header, and can be proven in any order or on other machines.
//
// The verifier (StepVerifier) needs only public data: the statement (with its public outputs), the commitments
// (the base weights' as a WeightCommitment: checked or explicitly trusted; the data set's when the batch is rows
// of one), the header, and each part's proof, which it checks on its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"
#include "zklora/piop/channel.h"
#include "zklora/step/data_commitment.h"
#include "zklora/step/graph.h"
#include "zklora/step/parts.h"
#include "zklora/step/statement.h"
#include "zklora/step/weight_commitment.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

// What a step reads: the model, the adapter and the batch; in a STEP after a run's first step, the optimizer
// state before it (m and v as the statement's optimizer uses them).
struct StepInputs {
  const ModelWeights& weights;
  const AdapterTensors& adapter;
  const Batch& batch;
  const OptimizerState* optimizer = nullptr;
};

// The number of targets of a batch (N, the rows with a next token).
int64_t batch_count(const Batch& batch);

// The engine's pass over a statement's step: the values of the header's cuts (the one-hot matrix is the batch's,
// not held here), the public outputs, and in a STEP the adapter and optimizer state after the update.
struct EnginePass {
  std::map<TensorKey, std::vector<int64_t>> cuts;
  int64_t loss_sum = 0, count = 0;
  AdapterTensors adapter;
  OptimizerState optimizer;
};
// ZkError INVALID_ARGUMENT when the inputs do not fit the statement; the engine's errors as they are.
EnginePass engine_pass(const StepStatement& s, const StepInputs& in);

// A STEP's results: the adapter and the optimizer state after the update, and the prover's commitments to them,
// named "next.*" as the statement's outputs (next_step_inputs renames them for the next step's statement).
struct StepOutputs {
  AdapterTensors adapter;
  OptimizerState optimizer;
  ProverCommitments commitments;
};

// One part's graph with the prover's tensors.
struct PartWitness {
  size_t index = 0;  // in the plan
  PartId part;
  StepGraph graph;
  StepWitness witness;
  // What the witness's views point into: a LINEAR_BACKBONE part's witness before its graph's transform, the base
  // weights of the part's layer, and tensors made for the part (the batch's).
  std::unique_ptr<StepWitness> full_witness;
  std::vector<std::shared_ptr<const LayerWeights>> layers;
  std::vector<std::vector<int64_t>> kept;
};

struct StepProveOptions {
  int threads = 0;
  GraphProofMap* map = nullptr;
  GraphProfile* profile = nullptr;
  // Soundness tests: prove a witness the caller changed, as a cheating prover would (channel.h).
  bool allow_false_relations = false;
};

class StepProver {
 public:
  // The engine's pass, then the commitments of the cuts and outputs. s: without its public outputs (set here from
  // the pass); commitments: the base weights', the adapter's, the batch's and the optimizer state's, with blinds
  // (kept by reference, as are the inputs). ZkError INVALID_ARGUMENT for inputs that do not fit the statement.
  StepProver(StepStatement s, const StepInputs& in, const ProverCommitments& commitments, ChannelMode mode,
             int threads = 0);
  // The same from a pass the caller made (the per-layer benchmark makes the cuts around one layer itself).
  StepProver(StepStatement s, const StepInputs& in, EnginePass pass, const ProverCommitments& commitments,
             ChannelMode mode, int threads = 0);

  // With its public outputs.
  const StepStatement& statement() const { return s_; }
  const StepPlan& plan() const { return plan_; }
  const std::vector<NamedCommitment>& header() const { return header_; }
  // A STEP's (empty otherwise).
  const StepOutputs& outputs() const { return outputs_; }
  double engine_s() const { return engine_s_; }  // the engine's pass
  double header_s() const { return header_s_; }  // committing the cuts and outputs

  // Part k's witness (plan().parts[k]); ZkError INVALID_ARGUMENT when a cut or output it computes is not the
  // engine's. Thread-safe: parts may be built and proven on several threads at once.
  PartWitness witness(size_t k, int threads = 0) const;
  std::vector<uint8_t> prove(const PartWitness& w, const StepProveOptions& options = {}) const;
  // witness(k), proven and freed.
  std::vector<uint8_t> prove(size_t k, const StepProveOptions& options = {}) const;

  // Soundness tests: a cut or output committed with other values, as a cheating prover would commit them (the
  // header, or the output's commitment, changes with it). Nothing happens for the values it holds already.
  void replace_committed(const TensorKey& key, std::vector<int64_t> values, int threads = 0);

 private:
  StepStatement s_;
  StepInputs in_;
  const ProverCommitments& commitments_;
  ChannelMode mode_;
  StepPlan plan_;
  EnginePass pass_;
  std::vector<int64_t> one_hot_;
  std::map<TensorKey, HyraxCommitted> cuts_;
  std::vector<NamedCommitment> header_;
  Transcript transcript_;
  StepOutputs outputs_;
  double engine_s_ = 0, header_s_ = 0;

  void commit_all(int threads);
  const std::vector<int64_t>* expected(const TensorKey& key) const;
  const HyraxCommitted* commitment(const GraphTensor& t) const;
};

// A step's proof: the header and the sub-proofs in the plan's order.
struct StepProofData {
  std::vector<NamedCommitment> header;
  std::vector<std::vector<uint8_t>> parts;
  uint64_t bytes() const;
};

struct StepProof {
  StepStatement statement;  // with its public outputs
  StepProofData proof;
  StepOutputs outputs;      // a STEP's
};

// StepProver's pass, then every part, one after the other.
StepProof prove_step(StepStatement s, const StepInputs& inputs, const ProverCommitments& commitments,
                     ChannelMode mode, const StepProveOptions& options = {});

class StepVerifier {
 public:
  // s: with its public outputs; commitments: the adapter and state before the step and, in a STEP, the "next."
  // outputs; data: the data commitment the statement's batch is rows of (null for a batch committed on its own,
  // whose commitments are then in `commitments`). INVALID_ARGUMENT for a bad statement, a missing commitment, a
  // data commitment that is not the statement's; the header's own errors (parts.h, step_transcript).
  static Result<StepVerifier> make(const StepStatement& s, const WeightCommitment& weights, const DataCommitment* data,
                                   const PublicCommitments& commitments, std::vector<NamedCommitment> header);

  const StepPlan& plan() const { return plan_; }
  // Ok iff `proof` proves part k of the plan given the header; the sub-protocols' rejection codes otherwise, the
  // part, operation and tensor named. Parts may be checked in any order, on several threads at once.
  Status verify(size_t k, std::span<const uint8_t> proof, ChannelMode mode, int threads = 0,
                GraphProfile* profile = nullptr) const;

 private:
  StepStatement s_;
  StepPlan plan_;
  PublicCommitments commitments_;  // everything a part's graph may read, by name
  Transcript transcript_{"unused"};
};

// Every part of the proof (SUBPROOF_MISMATCH when their number is not the plan's).
Status verify_step(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& commitments,
                   const StepProofData& proof, ChannelMode mode, int threads = 0, GraphProfile* profile = nullptr);
// A step over committed data (s.on_data()): "batch.tokens" and "batch.mask" are assembled from `data` at the
// statement's indices (data_commitment.h), never taken from `commitments`.
Status verify_step(const StepStatement& s, const WeightCommitment& weights, const DataCommitment& data,
                   const PublicCommitments& commitments, const StepProofData& proof, ChannelMode mode,
                   int threads = 0, GraphProfile* profile = nullptr);

// The sum of the parts' profiles.
void add_profile(GraphProfile& into, const GraphProfile& part);

}  // namespace zklora

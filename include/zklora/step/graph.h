// The step graph (DESIGN.md section 4): tensors and the operations between them, proven by claims flowing
// backwards from the graph's ends to its committed inputs.
//
// Tensors. Every tensor is COMMITTED or DERIVED.
//   - COMMITTED in the STATEMENT: base weights, adapter matrices, the batch (their commitments are public inputs);
//   - COMMITTED in the PROOF: free witnesses (remainders, the one-hot matrix of the embedding), the outputs of
//     operations this graph does not prove (unproven inputs), and BOUNDARY tensors: outputs of proven operations
//     that an unproven operation consumes. The prover writes these commitments first;
//   - DERIVED: everything else; never committed, their claims are reduced by the operation that produced them.
// A tensor may carry a RangeSpec: all of them are checked by ONE range argument (piop/range_check.h) before the
// claims flow, each giving a claim on its tensor at LogUp's point.
// Padding. Every tensor committed in the proof and not produced here, and every statement tensor added as
// checked (what the prover committed itself: an adapter, the batch), is proven zero in its padding
// (piop/padding.h): products sum over padded dimensions. A boundary tensor's padding is its producer's, and the
// model's weights are checked once, with their commitment.
//
// Protocol (prover and verifier run the same sequence; the caller has absorbed the statement and its commitments):
//   1. the graph's structure (every tensor's name, dims, kind, range; every operation's specification);
//   2. the proof's commitments, each absorbed; the channel's sync tag;
//   3. per tensor to be checked, in id order, its zero padding; then the range argument over every tensor with a
//      RangeSpec (its limb commitments, LogUp);
//   4. per boundary tensor B: z = challenges, the prover sends v = B~(z); the claim (z, v) is opened against B's
//      commitment AND reduced by B's producer (so the committed tensor is the one the proven operations compute);
//   5. operations in reverse topological order (the order they were added): the claims on the output (for a
//      derived output: the range claim and every consumer's claim, combined into one by piop/claims.h once all
//      consumers have spoken) become claims on the inputs;
//   6. every claim on a committed tensor is settled by one batched Hyrax opening (piop/openings.h), then the range
//      argument's own opening.
// The verifier rebuilds the same graph from the public statement; it holds only commitments, channel values and
// opening proofs, never a tensor. Its errors are those of the sub-protocols (sumcheck, Hyrax, LogUp, range).
//
// Soundness rests on every claim being reduced to commitments fixed before the challenges that test them: a
// derived tensor is a deterministic function of committed ones, so the first challenge drawn after step 2 is
// already independent of every value in the step.
// Caveat: a tensor a derived value is computed from must be bounded (range checked, committed from public data,
// or the product of bounded tensors) so no relation wraps around the field; the builders of step/ see to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/ops/operation.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/range_check.h"

namespace zklora {

enum class TensorKind : uint8_t { COMMITTED = 1, DERIVED = 2 };
enum class CommitOrigin : uint8_t { NONE = 0, STATEMENT = 1, PROOF = 2 };

struct GraphTensor {
  std::string name;
  std::vector<uint64_t> dims;
  TensorKind kind = TensorKind::DERIVED;
  CommitOrigin origin = CommitOrigin::NONE;
  std::optional<RangeSpec> range;
  int64_t producer = -1;  // index of the producing operation
  bool boundary = false;  // produced here, consumed by an operation this graph does not prove
  size_t consumers = 0;
  bool zero_padding = false;  // committed: proven zero in its padding here
};

struct GraphOp {
  std::unique_ptr<Operation> op;
  std::vector<size_t> inputs;
  size_t output = 0;
};

class StepGraph {
 public:
  // A tensor whose commitment is part of the statement. checked: its zero padding and its range (if given) are
  // proven here (a tensor the prover committed itself).
  size_t add_statement_tensor(std::string name, std::vector<uint64_t> dims, bool checked = false,
                              std::optional<RangeSpec> range = {});
  // A tensor committed in the proof, produced by no operation (a free witness or an unproven operation's output).
  size_t add_proof_tensor(std::string name, std::vector<uint64_t> dims, std::optional<RangeSpec> range = {});
  // The output of `op` applied to `inputs` (dims checked against the operation's): DERIVED.
  size_t apply(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name,
               std::optional<RangeSpec> range = {});
  // The output `id` of an operation is consumed by an operation this graph does not prove: it is committed in the
  // proof and given a random claim.
  void mark_boundary(size_t id);

  const std::vector<GraphTensor>& tensors() const { return tensors_; }
  const std::vector<GraphOp>& ops() const { return ops_; }
  // ZkError INVALID_ARGUMENT if there is no tensor of that name.
  size_t find(const std::string& name) const;
  // The statement tensors in id order (the order of the statement's commitments).
  std::vector<size_t> statement_tensors() const;

  // INVALID_ARGUMENT if a derived tensor has neither a consumer nor a range check (nothing would test it).
  Status validate() const;
  void absorb(Transcript& t) const;

 private:
  std::vector<GraphTensor> tensors_;
  std::vector<GraphOp> ops_;
};

// The prover's tensors: one table per graph tensor, row-major and unpadded (int64 or int32 entries).
class StepWitness {
 public:
  void set(size_t id, std::vector<int64_t> v);
  // The caller keeps the entries alive as long as the witness.
  void set_view(size_t id, TableView v);
  TableView data(size_t id) const { return data_[id]; }
  bool has(size_t id) const { return id < data_.size() && data_[id].size() != 0; }
  // Zero-padded to the MLE layout of the graph tensor's dims (cached).
  TableView padded(const GraphTensor& t, size_t id) const;
  // The entries as int64 (for the range argument; int32 entries widened and cached); ZkError for field elements.
  std::span<const int64_t> padded_i64(const GraphTensor& t, size_t id) const;

 private:
  std::vector<TableView> data_;
  std::vector<std::vector<int64_t>> owned_;  // per id, when set() gave the entries
  mutable std::vector<std::vector<int64_t>> padded_;
  mutable std::vector<std::vector<int32_t>> padded32_;
  void grow(size_t id);
};

// Where the prover's messages start in the proof stream (for tests that tamper with one message and for
// debugging): per operation, the offset of its first message (after its output's claims were combined); per
// tensor, the offset of its boundary value (0 when not a boundary).
struct GraphProofMap {
  std::vector<size_t> op_offsets;
  std::vector<size_t> boundary_offsets;
};

// statement: the commitments of the statement tensors, in statement_tensors() order, with the prover's blinds.
void graph_prove(ProverChannel& ch, const StepGraph& graph, const StepWitness& witness,
                 std::span<const HyraxCommitted* const> statement, int threads = 0, GraphProofMap* map = nullptr);

Status graph_verify(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    int threads = 0);
// The same, leaving the rest of the stream to the caller (several graphs on one channel; graph_verify also
// checks that the stream ends there).
Status graph_verify_part(VerifierChannel& ch, const StepGraph& graph,
                         std::span<const HyraxCommitment* const> statement, int threads = 0);

}  // namespace zklora

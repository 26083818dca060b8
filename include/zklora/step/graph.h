// The step graph (DESIGN.md section 4): tensors and the operations between them, proven by claims flowing
// backwards from the graph's ends to what is committed or public.
//
// Tensors, by origin:
//   - STATEMENT: committed in the statement (base weights, adapter matrices, the batch); `checked` ones (what the
//     prover committed itself) are proven zero in their padding here and range checked if they carry a range;
//   - PROOF: committed in the proof: free inputs (an unproven operation's output), the helpers and outputs an
//     operation declares committed, and CUTS, outputs of operations committed to cut the graph (layer
//     boundaries; the linear backbone's tensors that unproven operations read);
//   - PUBLIC: a PublicTensor the verifier evaluates itself (causal mask, RoPE tables);
//   - DERIVED: everything else; never committed, its claims are reduced by the operation that produced it.
// A tensor may carry a RangeSpec (all of them are checked by ONE range argument, piop/range_check.h), take part in
// lookups (a tuple of tensors of one shape in a fixed table; ONE LogUp argument per table for the whole step,
// piop/logup.h), or be a PUBLIC OUTPUT (a scalar whose value the statement publishes: the summed loss).
// Every tensor is zero outside its shape: committed ones by a proof here (or, for cuts, by their producer),
// derived ones by their producer's relation, public ones by definition.
//
// Protocol (prover and verifier run the same sequence; the caller has absorbed the statement and its
// commitments):
//   1. the graph's structure: every tensor's name, dims, origin, flags and range; every public tensor's
//      definition; every operation's specification and wiring; every lookup;
//   2. the proof's commitments, in tensor order, each absorbed; the channel's sync tag;
//   3. zero padding of every committed tensor that needs it, one sumcheck per distinct shape (padding.h);
//      the range argument over every tensor with a RangeSpec; one LogUp per table in use;
//   4. per cut and per produced statement tensor T: z = challenges, the prover sends v = T~(z); the claim (z, v)
//      is opened against T's commitment AND reduced by T's producer (the committed tensor is the computed one);
//      per public output, the claim (empty point, the statement's value);
//   5. operations in reverse order of addition (a topological order): each receives the claims on its derived
//      outputs and helpers and makes claims on its inputs and on its committed outputs and helpers;
//   6. every claim on a public tensor is checked against the verifier's own evaluation;
//   7. every claim on a committed tensor and every LogUp multiplicity claim is settled by one batched Hyrax
//      opening (piop/openings.h), then the range argument's own opening.
// The verifier rebuilds the same graph from the public statement; it never holds a tensor. An operation's
// rejection names the operation and its instance; the sub-protocols' codes are kept.
//
// Soundness rests on every claim being reduced to commitments and public tensors fixed before the challenges
// that test them: a derived tensor is a function of committed and public ones, and every challenge is drawn
// after step 2 (range and lookup arguments draw theirs after their own commitments).
// Caveat: every value a relation reads must be bounded (range checked, looked up, committed from public data, or
// a product of bounded tensors) so that no relation wraps around the field; each operation's header says how.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
#include "zklora/step/tensor_key.h"

namespace zklora {

enum class TensorOrigin : uint8_t { STATEMENT = 1, PROOF = 2, PUBLIC = 3, DERIVED = 4 };

struct GraphTensor {
  std::string name;
  std::vector<uint64_t> dims;
  TensorOrigin origin = TensorOrigin::DERIVED;
  std::optional<RangeSpec> range;
  int64_t producer = -1;         // the operation that produces it (an output or a helper)
  bool helper = false;           // a helper of its producer (no other operation reads it)
  bool op_committed = false;     // declared committed by its producer: the producer proves its relation
  bool cut = false;              // produced and committed: a random claim goes to its opening and its producer
  bool checked = false;          // committed and proven zero in its padding here
  bool public_output = false;    // a scalar the statement publishes
  // A statement tensor committed with this many Hyrax row variables instead of the balanced shape (a batch
  // assembled from a data set's rows: one Hyrax row per sequence, step/data_commitment.h).
  std::optional<unsigned> row_vars;
  // A statement tensor's typed key (tensor_key.h): what the prover binds its data by, and its name.
  std::optional<TensorKey> key;
  int64_t public_tensor = -1;    // index into publics() (PUBLIC tensors)
  size_t consumers = 0;
  size_t lookups = 0;

  bool committed() const { return origin == TensorOrigin::STATEMENT || origin == TensorOrigin::PROOF; }
  // Claims on it are reduced by its producer.
  bool reduced_by_producer() const { return producer >= 0 && !op_committed; }
};

struct GraphOp {
  std::unique_ptr<Operation> op;
  std::string name;
  std::vector<size_t> inputs, outputs, helpers;
};

struct GraphLookup {
  LookupTableId table;
  std::vector<size_t> tuple;
};

class StepGraph {
 public:
  // A tensor whose commitment is part of the statement. checked: its zero padding and its range (if given) are
  // proven here (a tensor the prover committed itself).
  size_t add_statement_tensor(std::string name, std::vector<uint64_t> dims, bool checked = false,
                              std::optional<RangeSpec> range = {});
  // The same named by a key (name() its name, the key kept for the prover's binding).
  size_t add_statement_tensor(const TensorKey& key, std::vector<uint64_t> dims, bool checked = false,
                              std::optional<RangeSpec> range = {});
  // A tensor committed in the proof and produced by no operation (an unproven operation's output).
  size_t add_proof_tensor(std::string name, std::vector<uint64_t> dims, std::optional<RangeSpec> range = {});
  size_t add_public_tensor(std::string name, std::shared_ptr<const PublicTensor> tensor);
  // `op` applied to `inputs` (dims checked against the operation's) under the instance name `name`: its outputs'
  // ids, in order. Helpers become tensors "<name>.<helper>"; declared ranges and lookups are added.
  std::vector<size_t> apply(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name);
  // The same for an operation with exactly one output.
  size_t apply1(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name);
  // A derived output committed in the proof: a random claim ties the commitment to what its producer computes.
  void mark_cut(size_t id);
  // A derived output whose commitment is part of the statement (the adapter after an update), tied the same way;
  // renamed to `name` (the statement's name for it) unless that is empty.
  void mark_statement_output(size_t id, std::string name = {});
  void mark_statement_output(size_t id, const TensorKey& key);
  // An output its producer declared committed whose commitment is part of the statement instead of the proof (a
  // sub-proof's output that another sub-proof reads: the embedding's one-hot matrix): still proven zero in its
  // padding, range checked and looked up here, and its relation proven by its producer.
  void mark_statement_committed(size_t id, const TensorKey& key);
  // A derived scalar (dims {1}) whose value the statement publishes.
  void mark_public_output(size_t id);
  void add_range(size_t id, RangeSpec spec);
  // The statement tensor `id` is committed with `row_vars` Hyrax row variables (GraphTensor::row_vars).
  void set_row_vars(size_t id, unsigned row_vars);
  // The Hyrax shape of a committed tensor: its row_vars if set, else HyraxParams::balanced.
  static HyraxParams commitment_params(const GraphTensor& t);
  void add_lookup(LookupTableId table, std::vector<size_t> tuple);

  const std::vector<GraphTensor>& tensors() const { return tensors_; }
  const std::vector<GraphOp>& ops() const { return ops_; }
  const std::vector<GraphLookup>& lookups() const { return lookups_; }
  const std::vector<std::shared_ptr<const PublicTensor>>& publics() const { return publics_; }
  // ZkError INVALID_ARGUMENT if there is no tensor of that name (or key).
  size_t find(const std::string& name) const;
  size_t find(const TensorKey& key) const;
  // The statement tensors in id order (the order of the statement's commitments).
  std::vector<size_t> statement_tensors() const;
  std::vector<size_t> public_outputs() const;

  // The graph with the operations `unproven` selects left unproven (graph_transform.cpp): each is dropped, with
  // every rescaling of its output; an output a kept operation reads enters as a free proof tensor, committed and
  // range checked in `free_range`; a derived output of a kept operation that a dropped one read is committed as a
  // cut, tied to its producer. Statement and public tensors no kept operation reads are left out. Names, keys and
  // marks carry over; full_id (when not null) gets, per tensor of the result, its id in this graph. The operations
  // move into the result. ZkError INVALID_ARGUMENT for a statement output or public output a dropped operation
  // produces, or lookups the graph holds besides its operations'.
  StepGraph leave_unproven(const std::function<bool(const GraphOp&)>& unproven, RangeSpec free_range,
                           std::vector<size_t>* full_id = nullptr) &&;

  // INVALID_ARGUMENT if a derived tensor is tested by nothing (no consumer, range, lookup or public output).
  Status validate() const;
  void absorb(Transcript& t) const;

 private:
  size_t add(GraphTensor t);
  std::vector<GraphTensor> tensors_;
  std::vector<GraphOp> ops_;
  std::vector<GraphLookup> lookups_;
  std::vector<std::shared_ptr<const PublicTensor>> publics_;
};

// The prover's tensors: one table per graph tensor, row-major and unpadded (int64, int32 or field entries).
class StepWitness {
 public:
  void set(size_t id, OwnedTable v);
  void set(size_t id, std::vector<int64_t> v) { set(id, OwnedTable(std::move(v))); }
  // The caller keeps the entries alive as long as the witness.
  void set_view(size_t id, TableView v);
  TableView data(size_t id) const { return id < data_.size() ? data_[id] : TableView(); }
  bool has(size_t id) const { return id < data_.size() && data_[id].size() != 0; }
  // Zero-padded to the MLE layout of the graph tensor's dims (cached).
  TableView padded(const GraphTensor& t, size_t id) const;
  // The entries as int64 (for the range argument and lookups; int32 entries widened and cached).
  std::span<const int64_t> padded_i64(const GraphTensor& t, size_t id) const;

 private:
  std::vector<TableView> data_;
  std::vector<OwnedTable> owned_;
  mutable std::vector<std::vector<int64_t>> padded_;
  mutable std::vector<std::vector<int32_t>> padded32_;
  mutable std::vector<std::vector<Fr>> padded_fr_;
  void grow(size_t id);
};

// Every operation's compute(), in order: the statement tensors and free proof tensors must be set; public tensors
// are filled from their definitions. ZkError as the operations report it (OUT_OF_RANGE names the tensor).
// first_op: recompute from that operation on only (a soundness test changes a tensor, then what follows it).
void graph_compute_witness(const StepGraph& graph, StepWitness& witness, int threads = 0, size_t first_op = 0);

// Where the prover's messages are in the proof stream (tests that tamper with messages, debugging): per
// operation the offsets of its first message and past its last; per tensor the offset of its cut value (0 when
// not a cut).
struct GraphProofMap {
  std::vector<size_t> op_offsets;
  std::vector<size_t> op_ends;
  std::vector<size_t> cut_offsets;
};

// Wall-clock seconds of the prover's or the verifier's phases (for benchmarks).
struct GraphProfile {
  double commitments_s = 0;  // the proof's commitments (made, or read and decoded)
  double padding_s = 0;      // zero-padding sumchecks
  double range_s = 0;        // the range argument (limb commitments, LogUp runs)
  double lookups_s = 0;      // the LogUp arguments of the function tables
  double operations_s = 0;   // cut claims and the operations' reductions (sumchecks)
  double openings_s = 0;     // the batched openings
  std::map<std::string, double> by_operation_s;  // operations_s by operation kind
  // The proof's bytes in each part, in the same order (the prover's written, the verifier's read).
  uint64_t commitments_bytes = 0, padding_bytes = 0, range_bytes = 0, lookups_bytes = 0, operations_bytes = 0,
           openings_bytes = 0;
};

// statement: the commitments of the statement tensors, in statement_tensors() order, with the prover's blinds.
// public_values: the value of each public output, in public_outputs() order (checked against the witness).
void graph_prove(ProverChannel& ch, const StepGraph& graph, const StepWitness& witness,
                 std::span<const HyraxCommitted* const> statement, std::span<const Fr> public_values = {},
                 int threads = 0, GraphProofMap* map = nullptr, GraphProfile* profile = nullptr);

Status graph_verify(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    std::span<const Fr> public_values = {}, int threads = 0, GraphProfile* profile = nullptr);
// The same, leaving the rest of the stream to the caller (several graphs on one channel; graph_verify also
// checks that the stream ends there).
Status graph_verify_part(VerifierChannel& ch, const StepGraph& graph,
                         std::span<const HyraxCommitment* const> statement, std::span<const Fr> public_values = {},
                         int threads = 0, GraphProfile* profile = nullptr);

}  // namespace zklora

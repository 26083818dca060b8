// The step graph and its prover and verifier (graph.h).
#include "zklora/step/graph.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "zklora/piop/claims.h"
#include "zklora/piop/openings.h"
#include "zklora/piop/padding.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

[[noreturn]] void bad_graph(const std::string& what) { throw ZkError(ErrorCode::INVALID_ARGUMENT, "step graph: " + what); }

HyraxParams params_for(const GraphTensor& t) { return HyraxParams::balanced(tensor_vars(t.dims)); }

bool committed_in_proof(const GraphTensor& t) { return t.origin == CommitOrigin::PROOF; }

bool needs_padding_check(const GraphTensor& t) { return t.zero_padding && !t.boundary && has_padding(t.dims); }

}  // namespace

// ---- Graph -----------------------------------------------------------------------------------------------------

size_t StepGraph::add_statement_tensor(std::string name, std::vector<uint64_t> dims, bool checked,
                                       std::optional<RangeSpec> range) {
  if (range && !checked) bad_graph(name + ": a range on a statement tensor that is not checked");
  tensors_.push_back({std::move(name), std::move(dims), TensorKind::COMMITTED, CommitOrigin::STATEMENT, range, -1,
                      false, 0, checked});
  return tensors_.size() - 1;
}

size_t StepGraph::add_proof_tensor(std::string name, std::vector<uint64_t> dims, std::optional<RangeSpec> range) {
  tensors_.push_back({std::move(name), std::move(dims), TensorKind::COMMITTED, CommitOrigin::PROOF, range, -1, false,
                      0, true});
  return tensors_.size() - 1;
}

size_t StepGraph::apply(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name,
                        std::optional<RangeSpec> range) {
  if (inputs.size() != op->num_inputs()) bad_graph(std::string(op->name()) + ": wrong number of inputs");
  const auto dims = op->input_dims();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] >= tensors_.size()) bad_graph("an input that does not exist");
    if (tensors_[inputs[i]].dims != dims[i]) {
      bad_graph(std::string(op->name()) + " " + name + ": input " + tensors_[inputs[i]].name + " has other dims");
    }
    ++tensors_[inputs[i]].consumers;
  }
  GraphTensor out{std::move(name), op->output_dims(), TensorKind::DERIVED, CommitOrigin::NONE, range,
                  static_cast<int64_t>(ops_.size()), false, 0, false};
  tensors_.push_back(std::move(out));
  ops_.push_back({std::move(op), std::move(inputs), tensors_.size() - 1});
  return tensors_.size() - 1;
}

void StepGraph::mark_boundary(size_t id) {
  GraphTensor& t = tensors_.at(id);
  if (t.producer < 0) bad_graph(t.name + " is produced by no operation");
  t.boundary = true;
  t.kind = TensorKind::COMMITTED;
  t.origin = CommitOrigin::PROOF;
}

size_t StepGraph::find(const std::string& name) const {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].name == name) return i;
  }
  bad_graph("no tensor named " + name);
}

std::vector<size_t> StepGraph::statement_tensors() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].origin == CommitOrigin::STATEMENT) out.push_back(i);
  }
  return out;
}

Status StepGraph::validate() const {
  for (const GraphTensor& t : tensors_) {
    if (t.kind == TensorKind::DERIVED && t.consumers == 0 && !t.range) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "step graph: " + t.name + " is derived but tested by nothing");
    }
  }
  return {};
}

void StepGraph::absorb(Transcript& t) const {
  t.domain("step-graph");
  t.absorb_u64("tensors", tensors_.size());
  for (const GraphTensor& x : tensors_) {
    t.absorb_bytes("name", std::span(reinterpret_cast<const uint8_t*>(x.name.data()), x.name.size()));
    absorb_dims(t, "dims", x.dims);
    t.absorb_u64("kind", static_cast<uint64_t>(x.kind) | static_cast<uint64_t>(x.origin) << 8 |
                             static_cast<uint64_t>(x.boundary) << 16 | static_cast<uint64_t>(x.zero_padding) << 24);
    t.absorb_u64("range", x.range ? (uint64_t{1} << 32 | x.range->bits | uint64_t{x.range->is_signed} << 16) : 0);
  }
  t.absorb_u64("ops", ops_.size());
  for (const GraphOp& o : ops_) {
    o.op->absorb(t);
    absorb_dims(t, "wiring", o.inputs);
    t.absorb_u64("output", o.output);
  }
}

// ---- Witness ---------------------------------------------------------------------------------------------------

void StepWitness::grow(size_t id) {
  if (id < data_.size()) return;
  data_.resize(id + 1);
  owned_.resize(id + 1);
  padded_.resize(id + 1);
  padded32_.resize(id + 1);
}

void StepWitness::set(size_t id, std::vector<int64_t> v) {
  grow(id);
  owned_[id] = std::move(v);  // a vector's entries stay put when owned_ grows: the view stays valid
  data_[id] = TableView(owned_[id]);
  padded_[id].clear();
  padded32_[id].clear();
}

void StepWitness::set_view(size_t id, TableView v) {
  grow(id);
  owned_[id].clear();
  owned_[id].shrink_to_fit();
  data_[id] = v;
  padded_[id].clear();
  padded32_[id].clear();
}

TableView StepWitness::padded(const GraphTensor& t, size_t id) const {
  const PaddedShape shape(t.dims);
  if (id >= data_.size() || data_[id].size() != shape.numel()) bad_graph("witness of " + t.name + " has the wrong size");
  if (shape.padded_size() == shape.numel()) return data_[id];
  return data_[id].visit([&](const auto& s) -> TableView {
    using T = std::decay_t<decltype(s[0])>;
    if constexpr (std::is_same_v<T, int32_t>) {
      if (padded32_[id].empty()) padded32_[id] = shape.pad(s);
      return TableView(padded32_[id]);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (padded_[id].empty()) padded_[id] = shape.pad(s);
      return TableView(padded_[id]);
    } else {
      bad_graph("witness of " + t.name + " holds field elements");
    }
  });
}

std::span<const int64_t> StepWitness::padded_i64(const GraphTensor& t, size_t id) const {
  const TableView v = padded(t, id);
  return v.visit([&](const auto& s) -> std::span<const int64_t> {
    using T = std::decay_t<decltype(s[0])>;
    if constexpr (std::is_same_v<T, int64_t>) {
      return s;
    } else if constexpr (std::is_same_v<T, int32_t>) {
      // Widened once (weights are stored as int32); padded_[id] is free: int32 tensors cache in padded32_.
      if (padded_[id].empty()) padded_[id].assign(s.begin(), s.end());
      return padded_[id];
    } else {
      bad_graph("range-checked tensor " + t.name + " must hold integer entries");
    }
  });
}

// ---- Prover ----------------------------------------------------------------------------------------------------

void graph_prove(ProverChannel& ch, const StepGraph& graph, const StepWitness& w,
                 std::span<const HyraxCommitted* const> statement, int threads, GraphProofMap* map) {
  const auto& ts = graph.tensors();
  if (map) {
    map->op_offsets.assign(graph.ops().size(), 0);
    map->boundary_offsets.assign(ts.size(), 0);
  }
  if (Status s = graph.validate(); !s) throw ZkError(s.error());
  const std::vector<size_t> st = graph.statement_tensors();
  if (st.size() != statement.size()) bad_graph("wrong number of statement commitments");
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!w.has(i) && PaddedShape(ts[i].dims).numel() != 0) bad_graph("no witness for " + ts[i].name);
  }
  Transcript& t = ch.transcript();
  graph.absorb(t);

  // 2. The proof's commitments.
  std::vector<HyraxCommitted> proof_commitments;
  std::vector<int64_t> commitment_of(ts.size(), -1);
  for (size_t i = 0; i < st.size(); ++i) commitment_of[st[i]] = static_cast<int64_t>(i);
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!committed_in_proof(ts[i])) continue;
    proof_commitments.push_back(hyrax_commit(w.padded(ts[i], i), params_for(ts[i]), 0, threads));
    proof_commitments.back().commitment.write(ch.writer());
    hyrax_absorb(t, ts[i].name, proof_commitments.back().commitment);
    commitment_of[i] = static_cast<int64_t>(st.size() + proof_commitments.size() - 1);
  }
  ch.sync("step");

  // 3. Zero padding, then one range argument.
  std::vector<std::vector<ProverClaim>> claims(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (needs_padding_check(ts[i])) claims[i].push_back(zero_padding_prove(ch, ts[i].dims, w.padded(ts[i], i), threads));
  }
  std::vector<RangeCheckColumn> columns;
  std::vector<size_t> column_tensor;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].range) continue;
    columns.push_back({{ts[i].dims, *ts[i].range}, w.padded_i64(ts[i], i)});
    column_tensor.push_back(i);
  }
  std::optional<RangeCheckProverResult> range;
  if (!columns.empty()) {
    range.emplace(range_check_prove(ch, columns, threads));
    for (size_t c = 0; c < columns.size(); ++c) claims[column_tensor[c]].push_back(range->value_claims[c]);
  }

  // 4. Boundary claims.
  std::vector<ProverClaim> boundary(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].boundary) continue;
    const std::vector<Fr> z = ch.challenges("boundary-point", tensor_vars(ts[i].dims));
    if (map) map->boundary_offsets[i] = ch.proof().size();
    const ProverValue v = ch.send("boundary-value", mle_evaluate(w.padded(ts[i], i), z, threads));
    boundary[i] = {z, v};
    claims[i].push_back(boundary[i]);
  }

  // 5. Operations in reverse topological order.
  const auto& ops = graph.ops();
  for (size_t k = ops.size(); k-- > 0;) {
    const GraphOp& op = ops[k];
    const size_t o = op.output;
    ProverClaim out;
    if (ts[o].boundary) {
      out = boundary[o];
    } else if (claims[o].size() == 1) {
      out = claims[o][0];
    } else {
      out = combine_claims_prove(ch, w.padded(ts[o], o), tensor_vars(ts[o].dims), claims[o], threads);
    }
    if (map) map->op_offsets[k] = ch.proof().size();
    const auto tensor = [&](size_t id) {
      return TensorData{ts[id].dims, w.data(id), [&w, &ts, id] { return w.padded(ts[id], id); }};
    };
    std::vector<TensorData> inputs;
    for (const size_t in : op.inputs) inputs.push_back(tensor(in));
    const TensorData output = tensor(o);
    for (InputProverClaim& c : op.op->prove(ch, inputs, output, out, threads)) {
      claims[op.inputs[c.input]].push_back(std::move(c.claim));
    }
  }

  // 6. Openings.
  std::vector<HyraxProverInput> inputs;
  for (size_t i = 0; i < st.size(); ++i) {
    inputs.push_back({&statement[i]->commitment, &statement[i]->data, w.padded(ts[st[i]], st[i])});
  }
  size_t next = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!committed_in_proof(ts[i])) continue;
    inputs.push_back({&proof_commitments[next].commitment, &proof_commitments[next].data, w.padded(ts[i], i)});
    ++next;
  }
  std::vector<CommittedProverClaim> open;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].kind != TensorKind::COMMITTED) continue;
    for (const ProverClaim& c : claims[i]) open.push_back({static_cast<size_t>(commitment_of[i]), c});
  }
  prove_openings(ch, inputs, open, threads);
  if (range) range_check_open(ch, *range, threads);
}

// ---- Verifier --------------------------------------------------------------------------------------------------

Status graph_verify(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    int threads) {
  if (Status s = graph_verify_part(ch, graph, statement, threads); !s) return s;
  return ch.finish();
}

Status graph_verify_part(VerifierChannel& ch, const StepGraph& graph,
                         std::span<const HyraxCommitment* const> statement, int threads) {
  const auto& ts = graph.tensors();
  if (Status s = graph.validate(); !s) return s;
  const std::vector<size_t> st = graph.statement_tensors();
  if (st.size() != statement.size()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "step graph: wrong number of statement commitments");
  }
  for (size_t i = 0; i < st.size(); ++i) {
    if (!(statement[i]->params() == params_for(ts[st[i]]))) {
      return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "statement commitment of " + ts[st[i]].name +
                                                             " does not have the tensor's shape");
    }
  }
  Transcript& t = ch.transcript();
  graph.absorb(t);

  std::vector<HyraxCommitment> proof_commitments;
  proof_commitments.reserve(ts.size());
  std::vector<int64_t> commitment_of(ts.size(), -1);
  for (size_t i = 0; i < st.size(); ++i) commitment_of[st[i]] = static_cast<int64_t>(i);
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!committed_in_proof(ts[i])) continue;
    auto c = HyraxCommitment::read(ch.reader(), threads);
    if (!c) return c.error();
    if (!(c->params() == params_for(ts[i]))) {
      return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "commitment of " + ts[i].name + " has the wrong shape");
    }
    hyrax_absorb(t, ts[i].name, c.value());
    proof_commitments.push_back(std::move(c.value()));
    commitment_of[i] = static_cast<int64_t>(st.size() + proof_commitments.size() - 1);
  }
  if (Status s = ch.sync("step"); !s) return s;

  std::vector<std::vector<VerifierClaim>> claims(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!needs_padding_check(ts[i])) continue;
    auto c = zero_padding_verify(ch, ts[i].dims);
    if (!c) return c.error();
    claims[i].push_back(std::move(c.value()));
  }
  std::vector<RangeCheckShape> shapes;
  std::vector<size_t> column_tensor;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].range) continue;
    shapes.push_back({ts[i].dims, *ts[i].range});
    column_tensor.push_back(i);
  }
  std::optional<RangeCheckVerifierResult> range;
  if (!shapes.empty()) {
    auto r = range_check_verify(ch, shapes, threads);
    if (!r) return r.error();
    range.emplace(std::move(r.value()));
    for (size_t c = 0; c < shapes.size(); ++c) claims[column_tensor[c]].push_back(range->value_claims[c]);
  }

  std::vector<VerifierClaim> boundary(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].boundary) continue;
    const std::vector<Fr> z = ch.challenges("boundary-point", tensor_vars(ts[i].dims));
    auto v = ch.receive("boundary-value");
    if (!v) return v.error();
    boundary[i] = {z, v.value()};
    claims[i].push_back(boundary[i]);
  }

  const auto& ops = graph.ops();
  for (size_t k = ops.size(); k-- > 0;) {
    const GraphOp& op = ops[k];
    const size_t o = op.output;
    VerifierClaim out;
    if (ts[o].boundary) {
      out = boundary[o];
    } else if (claims[o].size() == 1) {
      out = claims[o][0];
    } else {
      auto c = combine_claims_verify(ch, tensor_vars(ts[o].dims), claims[o]);
      if (!c) return c.error();
      out = std::move(c.value());
    }
    auto in = op.op->verify(ch, out);
    if (!in) return in.error();
    for (InputVerifierClaim& c : in.value()) claims[op.inputs[c.input]].push_back(std::move(c.claim));
  }

  std::vector<const HyraxCommitment*> commitments(statement.begin(), statement.end());
  for (const HyraxCommitment& c : proof_commitments) commitments.push_back(&c);
  std::vector<CommittedVerifierClaim> open;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].kind != TensorKind::COMMITTED) continue;
    for (const VerifierClaim& c : claims[i]) open.push_back({static_cast<size_t>(commitment_of[i]), c});
  }
  if (Status s = verify_openings(ch, commitments, open, threads); !s) return s;
  if (range) {
    if (Status s = range_check_verify_open(ch, *range, threads); !s) return s;
  }
  return {};
}

}  // namespace zklora

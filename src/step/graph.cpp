// The step graph, its witness, and its prover and verifier (graph.h).
#include "zklora/step/graph.h"

#include <algorithm>
#include <map>
#include <string>
#include <type_traits>

#include "zklora/base/timer.h"
#include "zklora/ops/tables/fixed_tables.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/openings.h"
#include "zklora/piop/padding.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

[[noreturn]] void bad_graph(const std::string& what) { throw ZkError(ErrorCode::INVALID_ARGUMENT, "step graph: " + what); }

HyraxParams params_for(const GraphTensor& t) { return StepGraph::commitment_params(t); }

bool committed_in_proof(const GraphTensor& t) { return t.origin == TensorOrigin::PROOF; }

bool needs_padding_check(const GraphTensor& t) { return t.checked && !t.cut && has_padding(t.dims); }

// The tensors whose zero padding is proven, grouped by dims (one sumcheck per group), in order of first id.
std::vector<std::vector<size_t>> padding_groups(const std::vector<GraphTensor>& ts) {
  std::vector<std::vector<size_t>> groups;
  std::map<std::vector<uint64_t>, size_t> index;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!needs_padding_check(ts[i])) continue;
    const auto [it, fresh] = index.emplace(ts[i].dims, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

// The lookups of each table in use, tables in enum order.
std::vector<std::pair<LookupTableId, std::vector<size_t>>> lookups_by_table(const StepGraph& g) {
  std::vector<std::pair<LookupTableId, std::vector<size_t>>> out;
  for (const LookupTableId id : {LookupTableId::EXP_LO, LookupTableId::EXP_HI, LookupTableId::SIGMOID,
                                 LookupTableId::LOG, LookupTableId::POW2}) {
    std::vector<size_t> mine;
    for (size_t l = 0; l < g.lookups().size(); ++l) {
      if (g.lookups()[l].table == id) mine.push_back(l);
    }
    if (!mine.empty()) out.emplace_back(id, std::move(mine));
  }
  return out;
}

std::string op_label(const GraphOp& o) { return "operation " + std::string(o.op->kind()) + " '" + o.name + "'"; }

size_t ref_id(const GraphOp& o, TensorRef r) {
  const std::vector<size_t>& v = r.role == TensorRef::Role::INPUT    ? o.inputs
                                 : r.role == TensorRef::Role::OUTPUT ? o.outputs
                                                                     : o.helpers;
  if (r.index >= v.size()) bad_graph(op_label(o) + ": a tensor reference out of range");
  return v[r.index];
}

// Where a claim on a tensor goes: the producer's reductions (derived tensors), the openings (committed ones) or
// the verifier's own evaluation (public ones).
template <class Claim>
struct ClaimBook {
  std::vector<std::vector<Claim>> reduce, settle;
  explicit ClaimBook(size_t n) : reduce(n), settle(n) {}
  void add(const GraphTensor& t, size_t id, Claim c) {
    if (t.origin == TensorOrigin::DERIVED) {
      reduce[id].push_back(std::move(c));
    } else {
      settle[id].push_back(std::move(c));
    }
  }
};

}  // namespace

// ---- Graph -----------------------------------------------------------------------------------------------------

size_t StepGraph::add(GraphTensor t) {
  for (const GraphTensor& x : tensors_) {
    if (x.name == t.name) bad_graph("two tensors named " + t.name);
  }
  if (t.dims.empty()) bad_graph(t.name + " has no dimensions");
  (void)PaddedShape(t.dims);  // checks the dims
  tensors_.push_back(std::move(t));
  return tensors_.size() - 1;
}

size_t StepGraph::add_statement_tensor(std::string name, std::vector<uint64_t> dims, bool checked,
                                       std::optional<RangeSpec> range) {
  if (range && !checked) bad_graph(name + ": a range on a statement tensor that is not checked");
  GraphTensor t;
  t.name = std::move(name);
  t.dims = std::move(dims);
  t.origin = TensorOrigin::STATEMENT;
  t.range = range;
  t.checked = checked;
  return add(std::move(t));
}

size_t StepGraph::add_statement_tensor(const TensorKey& key, std::vector<uint64_t> dims, bool checked,
                                       std::optional<RangeSpec> range) {
  const size_t id = add_statement_tensor(key.name(), std::move(dims), checked, range);
  tensors_[id].key = key;
  return id;
}

void StepGraph::set_row_vars(size_t id, unsigned row_vars) {
  GraphTensor& t = tensors_.at(id);
  if (t.origin != TensorOrigin::STATEMENT) bad_graph(t.name + ": a row shape on a tensor outside the statement");
  if (row_vars > tensor_vars(t.dims)) bad_graph(t.name + ": more row variables than variables");
  t.row_vars = row_vars;
}

HyraxParams StepGraph::commitment_params(const GraphTensor& t) {
  const unsigned n = tensor_vars(t.dims);
  return t.row_vars ? HyraxParams{n, *t.row_vars} : HyraxParams::balanced(n);
}

size_t StepGraph::add_proof_tensor(std::string name, std::vector<uint64_t> dims, std::optional<RangeSpec> range) {
  GraphTensor t;
  t.name = std::move(name);
  t.dims = std::move(dims);
  t.origin = TensorOrigin::PROOF;
  t.range = range;
  t.checked = true;
  return add(std::move(t));
}

size_t StepGraph::add_public_tensor(std::string name, std::shared_ptr<const PublicTensor> tensor) {
  GraphTensor t;
  t.name = std::move(name);
  t.dims = tensor->dims();
  t.origin = TensorOrigin::PUBLIC;
  t.public_tensor = static_cast<int64_t>(publics_.size());
  publics_.push_back(std::move(tensor));
  return add(std::move(t));
}

std::vector<size_t> StepGraph::apply(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name) {
  const std::string label = std::string(op->kind()) + " '" + name + "'";
  const auto dims = op->input_dims();
  if (inputs.size() != dims.size()) bad_graph(label + ": wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] >= tensors_.size()) bad_graph(label + ": an input that does not exist");
    const GraphTensor& in = tensors_[inputs[i]];
    if (in.dims != dims[i]) bad_graph(label + ": input " + in.name + " has other dims");
    if (in.helper) bad_graph(label + ": input " + in.name + " is another operation's helper");
  }
  for (const size_t i : inputs) ++tensors_[i].consumers;
  const auto k = static_cast<int64_t>(ops_.size());
  GraphOp g{std::move(op), name, std::move(inputs), {}, {}};
  const auto make = [&](const TensorDecl& d, bool helper) {
    GraphTensor t;
    t.name = d.name.empty() ? name : name + "." + d.name;
    t.dims = d.dims;
    t.origin = d.committed ? TensorOrigin::PROOF : TensorOrigin::DERIVED;
    t.range = d.range;
    t.producer = k;
    t.helper = helper;
    t.op_committed = d.committed;
    t.checked = d.committed;
    return add(std::move(t));
  };
  for (const TensorDecl& d : g.op->outputs()) g.outputs.push_back(make(d, false));
  for (const TensorDecl& d : g.op->helpers()) g.helpers.push_back(make(d, true));
  for (const LookupDecl& l : g.op->lookups()) {
    std::vector<size_t> tuple;
    for (const TensorRef& r : l.tuple) tuple.push_back(ref_id(g, r));
    lookups_.push_back({l.table, tuple});
    for (const size_t id : tuple) ++tensors_[id].lookups;
  }
  for (const auto& l : lookups_) {
    for (const size_t id : l.tuple) {
      if (tensors_[id].dims != tensors_[l.tuple[0]].dims) bad_graph(label + ": a lookup over tensors of other dims");
    }
  }
  std::vector<size_t> outs = g.outputs;
  ops_.push_back(std::move(g));
  return outs;
}

size_t StepGraph::apply1(std::unique_ptr<Operation> op, std::vector<size_t> inputs, std::string name) {
  const std::vector<size_t> outs = apply(std::move(op), std::move(inputs), std::move(name));
  if (outs.size() != 1) bad_graph("apply1: an operation with " + std::to_string(outs.size()) + " outputs");
  return outs[0];
}

void StepGraph::mark_cut(size_t id) {
  GraphTensor& t = tensors_.at(id);
  if (t.producer < 0 || t.op_committed || t.helper) bad_graph(t.name + " is not a derived output");
  t.cut = true;
  t.origin = TensorOrigin::PROOF;
}

void StepGraph::mark_statement_output(size_t id, std::string name) {
  GraphTensor& t = tensors_.at(id);
  if (t.producer < 0 || t.op_committed || t.helper) bad_graph(t.name + " is not a derived output");
  if (!name.empty()) {
    for (const GraphTensor& other : tensors_) {
      if (&other != &t && other.name == name) bad_graph("two tensors named " + name);
    }
    t.name = std::move(name);
  }
  t.cut = true;
  t.origin = TensorOrigin::STATEMENT;
}

void StepGraph::mark_statement_output(size_t id, const TensorKey& key) {
  mark_statement_output(id, key.name());
  tensors_[id].key = key;
}

void StepGraph::mark_statement_committed(size_t id, const TensorKey& key) {
  GraphTensor& t = tensors_.at(id);
  if (t.producer < 0 || !t.op_committed || t.helper) bad_graph(t.name + " is not a committed output");
  const std::string name = key.name();
  for (const GraphTensor& other : tensors_) {
    if (&other != &t && other.name == name) bad_graph("two tensors named " + name);
  }
  t.name = name;
  t.key = key;
  t.origin = TensorOrigin::STATEMENT;
}

void StepGraph::mark_public_output(size_t id) {
  GraphTensor& t = tensors_.at(id);
  if (t.origin != TensorOrigin::DERIVED || t.helper) bad_graph(t.name + " is not a derived output");
  if (PaddedShape(t.dims).numel() != 1 || tensor_vars(t.dims) != 0) bad_graph(t.name + " is not a scalar");
  t.public_output = true;
}

void StepGraph::add_range(size_t id, RangeSpec spec) {
  GraphTensor& t = tensors_.at(id);
  if (t.origin == TensorOrigin::PUBLIC) bad_graph(t.name + ": a range on a public tensor");
  if (t.origin == TensorOrigin::STATEMENT && !t.checked) bad_graph(t.name + ": a range on an unchecked statement tensor");
  if (t.range) bad_graph(t.name + " has a range already");
  t.range = spec;
}

void StepGraph::add_lookup(LookupTableId table, std::vector<size_t> tuple) {
  if (tuple.empty() || tuple.size() != lookup_table(table).arity()) bad_graph("a lookup tuple of the wrong arity");
  for (const size_t id : tuple) {
    if (tensors_.at(id).dims != tensors_.at(tuple[0]).dims) bad_graph("a lookup over tensors of other dims");
    if (tensors_[id].origin == TensorOrigin::PUBLIC) bad_graph("a lookup of a public tensor");
  }
  for (const size_t id : tuple) ++tensors_[id].lookups;
  lookups_.push_back({table, std::move(tuple)});
}

size_t StepGraph::find(const std::string& name) const {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].name == name) return i;
  }
  bad_graph("no tensor named " + name);
}

size_t StepGraph::find(const TensorKey& key) const {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].key == key) return i;
  }
  bad_graph("no tensor " + key.name());
}

std::vector<size_t> StepGraph::statement_tensors() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].origin == TensorOrigin::STATEMENT) out.push_back(i);
  }
  return out;
}

std::vector<size_t> StepGraph::public_outputs() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].public_output) out.push_back(i);
  }
  return out;
}

Status StepGraph::validate() const {
  for (const GraphTensor& t : tensors_) {
    if (t.origin == TensorOrigin::DERIVED && t.consumers == 0 && !t.range && t.lookups == 0 && !t.public_output) {
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
    t.absorb_u64("kind", static_cast<uint64_t>(x.origin) | uint64_t{x.cut} << 8 | uint64_t{x.checked} << 9 |
                             uint64_t{x.op_committed} << 10 | uint64_t{x.helper} << 11 |
                             uint64_t{x.public_output} << 12);
    t.absorb_u64("producer", static_cast<uint64_t>(x.producer + 1));
    t.absorb_u64("range", x.range ? (uint64_t{1} << 32 | x.range->bits | uint64_t{x.range->is_signed} << 16) : 0);
    t.absorb_u64("row-vars", x.row_vars ? uint64_t{1} << 32 | *x.row_vars : 0);
  }
  t.absorb_u64("publics", publics_.size());
  for (const auto& p : publics_) p->absorb(t);
  t.absorb_u64("ops", ops_.size());
  for (const GraphOp& o : ops_) {
    o.op->absorb(t);
    t.absorb_bytes("op-name", std::span(reinterpret_cast<const uint8_t*>(o.name.data()), o.name.size()));
    absorb_dims(t, "inputs", o.inputs);
    absorb_dims(t, "outputs", o.outputs);
    absorb_dims(t, "helpers", o.helpers);
  }
  t.absorb_u64("lookups", lookups_.size());
  for (const GraphLookup& l : lookups_) {
    t.absorb_u64("table", static_cast<uint64_t>(l.table));
    absorb_dims(t, "tuple", l.tuple);
  }
}

// ---- Witness ---------------------------------------------------------------------------------------------------

void StepWitness::grow(size_t id) {
  if (id < data_.size()) return;
  data_.resize(id + 1);
  owned_.resize(id + 1);
  padded_.resize(id + 1);
  padded32_.resize(id + 1);
  padded_fr_.resize(id + 1);
}

void StepWitness::set(size_t id, OwnedTable v) {
  grow(id);
  owned_[id] = std::move(v);  // a vector's entries stay put when owned_ grows: the view stays valid
  data_[id] = owned_[id].view();
  padded_[id].clear();
  padded32_[id].clear();
  padded_fr_[id].clear();
}

void StepWitness::set_view(size_t id, TableView v) {
  grow(id);
  owned_[id] = OwnedTable();
  data_[id] = v;
  padded_[id].clear();
  padded32_[id].clear();
  padded_fr_[id].clear();
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
      if (padded_fr_[id].empty()) padded_fr_[id] = shape.pad(s);
      return TableView(padded_fr_[id]);
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
      bad_graph("range-checked or looked-up tensor " + t.name + " must hold integer entries");
    }
  });
}

void graph_compute_witness(const StepGraph& graph, StepWitness& w, int threads, size_t first_op) {
  const auto& ts = graph.tensors();
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].origin == TensorOrigin::PUBLIC && !w.has(i)) {
      w.set(i, graph.publics()[static_cast<size_t>(ts[i].public_tensor)]->values());
    }
  }
  for (size_t k = first_op; k < graph.ops().size(); ++k) {
    const GraphOp& o = graph.ops()[k];
    std::vector<TableView> in;
    for (const size_t id : o.inputs) {
      if (!w.has(id) && PaddedShape(ts[id].dims).numel() != 0) bad_graph(op_label(o) + ": no witness for " + ts[id].name);
      in.push_back(w.data(id));
    }
    OpWitness out;
    try {
      out = o.op->compute(in, threads);
    } catch (const ZkError& e) {
      throw ZkError(e.code(), op_label(o) + ": " + e.error().message);
    }
    if (out.outputs.size() != o.outputs.size() || out.helpers.size() != o.helpers.size()) {
      bad_graph(op_label(o) + ": compute returned the wrong number of tensors");
    }
    const auto store = [&](size_t id, OwnedTable t) {
      if (t.size() != PaddedShape(ts[id].dims).numel()) bad_graph(op_label(o) + ": " + ts[id].name + " has the wrong size");
      w.set(id, std::move(t));
    };
    for (size_t j = 0; j < o.outputs.size(); ++j) store(o.outputs[j], std::move(out.outputs[j]));
    for (size_t j = 0; j < o.helpers.size(); ++j) store(o.helpers[j], std::move(out.helpers[j]));
  }
}

// ---- Operation contexts ------------------------------------------------------------------------------------------

namespace {

class GraphOpProver final : public OpProver {
 public:
  GraphOpProver(ProverChannel& ch, int threads, const StepGraph& g, const StepWitness& w, const GraphOp& op,
                ClaimBook<ProverClaim>& book)
      : ch_(ch), threads_(threads), g_(g), w_(w), op_(op), book_(book) {}

  ProverChannel& ch() override { return ch_; }
  int threads() const override { return threads_; }
  const TensorData& tensor(TensorRef r) const override {
    const size_t id = ref_id(op_, r);
    auto it = data_.find(id);
    if (it == data_.end()) {
      const GraphTensor& t = g_.tensors()[id];
      const StepWitness& w = w_;
      it = data_.emplace(id, TensorData{t.dims, w.data(id), [&w, &t, id] { return w.padded(t, id); }}).first;
    }
    return it->second;
  }
  const PublicTensor* public_input(size_t i) const override {
    const GraphTensor& t = g_.tensors()[ref_id(op_, TensorRef::input(static_cast<uint32_t>(i)))];
    return t.public_tensor >= 0 ? g_.publics()[static_cast<size_t>(t.public_tensor)].get() : nullptr;
  }
  std::span<const ProverClaim> claims(TensorRef r) const override {
    if (r.role == TensorRef::Role::INPUT) bad_graph(op_label(op_) + ": asks for the claims on an input");
    return book_.reduce[ref_id(op_, r)];
  }
  void add_claim(TensorRef r, ProverClaim c) override {
    const size_t id = ref_id(op_, r);
    const GraphTensor& t = g_.tensors()[id];
    if (r.role != TensorRef::Role::INPUT && t.reduced_by_producer()) {
      bad_graph(op_label(op_) + ": a claim on its own derived tensor " + t.name);
    }
    if (c.point.size() != tensor_vars(t.dims)) bad_graph(op_label(op_) + ": a claim on " + t.name + " of the wrong size");
    book_.add(t, id, std::move(c));
  }

 private:
  ProverChannel& ch_;
  int threads_;
  const StepGraph& g_;
  const StepWitness& w_;
  const GraphOp& op_;
  ClaimBook<ProverClaim>& book_;
  mutable std::map<size_t, TensorData> data_;
};

class GraphOpVerifier final : public OpVerifier {
 public:
  GraphOpVerifier(VerifierChannel& ch, const StepGraph& g, const GraphOp& op, ClaimBook<VerifierClaim>& book)
      : ch_(ch), g_(g), op_(op), book_(book) {}

  VerifierChannel& ch() override { return ch_; }
  const std::vector<uint64_t>& dims(TensorRef r) const override { return g_.tensors()[ref_id(op_, r)].dims; }
  const PublicTensor* public_input(size_t i) const override {
    const GraphTensor& t = g_.tensors()[ref_id(op_, TensorRef::input(static_cast<uint32_t>(i)))];
    return t.public_tensor >= 0 ? g_.publics()[static_cast<size_t>(t.public_tensor)].get() : nullptr;
  }
  std::span<const VerifierClaim> claims(TensorRef r) const override {
    if (r.role == TensorRef::Role::INPUT) bad_graph(op_label(op_) + ": asks for the claims on an input");
    return book_.reduce[ref_id(op_, r)];
  }
  void add_claim(TensorRef r, VerifierClaim c) override {
    const size_t id = ref_id(op_, r);
    const GraphTensor& t = g_.tensors()[id];
    if (r.role != TensorRef::Role::INPUT && t.reduced_by_producer()) {
      bad_graph(op_label(op_) + ": a claim on its own derived tensor " + t.name);
    }
    if (c.point.size() != tensor_vars(t.dims)) bad_graph(op_label(op_) + ": a claim on " + t.name + " of the wrong size");
    book_.add(t, id, std::move(c));
  }

 private:
  VerifierChannel& ch_;
  const StepGraph& g_;
  const GraphOp& op_;
  ClaimBook<VerifierClaim>& book_;
};

Error named(const Error& e, const std::string& where) { return Error{e.code, where + ": " + e.message}; }

}  // namespace

// ---- Prover ----------------------------------------------------------------------------------------------------

void graph_prove(ProverChannel& ch, const StepGraph& graph, const StepWitness& w,
                 std::span<const HyraxCommitted* const> statement, std::span<const Fr> public_values, int threads,
                 GraphProofMap* map, GraphProfile* profile) {
  const auto& ts = graph.tensors();
  GraphProfile prof;
  Stopwatch sw;
  size_t last_bytes = ch.proof().size();
  const auto lap = [&](double& slot, uint64_t& bytes) {
    slot += sw.seconds();
    sw.reset();
    bytes += ch.proof().size() - last_bytes;
    last_bytes = ch.proof().size();
  };
  if (map) {
    map->op_offsets.assign(graph.ops().size(), 0);
    map->op_ends.assign(graph.ops().size(), 0);
    map->cut_offsets.assign(ts.size(), 0);
  }
  if (Status s = graph.validate(); !s) throw ZkError(s.error());
  const std::vector<size_t> st = graph.statement_tensors();
  if (st.size() != statement.size()) bad_graph("wrong number of statement commitments");
  const std::vector<size_t> pub = graph.public_outputs();
  if (pub.size() != public_values.size()) bad_graph("wrong number of public output values");
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!w.has(i)) bad_graph("no witness for " + ts[i].name);
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
  lap(prof.commitments_s, prof.commitments_bytes);

  // 3. Zero padding, the range argument, the lookups.
  ClaimBook<ProverClaim> book(ts.size());
  for (const std::vector<size_t>& group : padding_groups(ts)) {
    std::vector<TableView> tables;
    for (const size_t i : group) tables.push_back(w.padded(ts[i], i));
    const std::vector<ProverClaim> cs = zero_padding_prove_batch(ch, ts[group[0]].dims, tables, threads);
    for (size_t k = 0; k < group.size(); ++k) book.add(ts[group[k]], group[k], cs[k]);
  }
  lap(prof.padding_s, prof.padding_bytes);
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
    for (size_t c = 0; c < columns.size(); ++c) book.add(ts[column_tensor[c]], column_tensor[c], range->value_claims[c]);
  }
  lap(prof.range_s, prof.range_bytes);
  std::vector<LogupProverResult> logups;
  for (const auto& [table_id, lookups] : lookups_by_table(graph)) {
    const LookupTable& table = lookup_table(table_id);
    std::vector<LookupColumn> cols;
    for (const size_t l : lookups) {
      const GraphLookup& lk = graph.lookups()[l];
      LookupColumn c{ts[lk.tuple[0]].dims, {}, {}};
      for (const size_t id : lk.tuple) c.parts.push_back(TableView(w.padded_i64(ts[id], id)));
      cols.push_back(std::move(c));
    }
    logups.push_back(logup_prove(ch, table, cols,
                                 logup_multiplicities(table, cols, threads, ch.allows_false_relations()), threads));
    for (size_t c = 0; c < lookups.size(); ++c) {
      const GraphLookup& lk = graph.lookups()[lookups[c]];
      for (size_t j = 0; j < lk.tuple.size(); ++j) {
        book.add(ts[lk.tuple[j]], lk.tuple[j], logups.back().column_claims[c][j]);
      }
    }
  }
  lap(prof.lookups_s, prof.lookups_bytes);

  // 4. Cuts and public outputs.
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].cut) continue;
    const std::vector<Fr> z = ch.challenges("cut-point", tensor_vars(ts[i].dims));
    if (map) map->cut_offsets[i] = ch.proof().size();
    const ProverValue v = ch.send("cut-value", mle_evaluate(w.padded(ts[i], i), z, threads));
    book.settle[i].push_back({z, v});
    book.reduce[i].push_back({z, v});
  }
  for (size_t k = 0; k < pub.size(); ++k) {
    if (w.data(pub[k]).at(0) != public_values[k] && !ch.allows_false_relations()) {
      bad_graph("public output " + ts[pub[k]].name + " differs from the witness");
    }
    book.reduce[pub[k]].push_back({{}, ProverValue::constant(public_values[k])});
  }

  // 5. Operations in reverse topological order.
  const auto& ops = graph.ops();
  for (size_t k = ops.size(); k-- > 0;) {
    if (map) map->op_offsets[k] = ch.proof().size();
    GraphOpProver ctx(ch, threads, graph, w, ops[k], book);
    Stopwatch op_sw;
    ops[k].op->prove(ctx);
    prof.by_operation_s[std::string(ops[k].op->kind())] += op_sw.seconds();
    if (map) map->op_ends[k] = ch.proof().size();
  }

  // 6. Claims on public tensors.
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].origin != TensorOrigin::PUBLIC) continue;
    const PublicTensor& p = *graph.publics()[static_cast<size_t>(ts[i].public_tensor)];
    for (const ProverClaim& c : book.settle[i]) {
      ch.prove_equal("public-tensor", c.value, ProverValue::constant(p.evaluate(c.point)));
    }
  }
  lap(prof.operations_s, prof.operations_bytes);

  // 7. Openings.
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
    if (!ts[i].committed()) continue;
    for (const ProverClaim& c : book.settle[i]) open.push_back({static_cast<size_t>(commitment_of[i]), c});
  }
  for (const LogupProverResult& l : logups) {
    open.push_back({inputs.size(), l.multiplicity_claim});
    inputs.push_back({&l.multiplicity_commitment.commitment, &l.multiplicity_commitment.data,
                      TableView(l.multiplicities)});
  }
  prove_openings(ch, inputs, open, threads);
  if (range) range_check_open(ch, *range, threads);
  lap(prof.openings_s, prof.openings_bytes);
  if (profile) *profile = prof;
}

// ---- Verifier --------------------------------------------------------------------------------------------------

Status graph_verify(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    std::span<const Fr> public_values, int threads, GraphProfile* profile) {
  if (Status s = graph_verify_part(ch, graph, statement, public_values, threads, profile); !s) return s;
  return ch.finish();
}

namespace {

Status verify_graph(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    std::span<const Fr> public_values, int threads, GraphProfile* profile);

}  // namespace

Status graph_verify_part(VerifierChannel& ch, const StepGraph& graph,
                         std::span<const HyraxCommitment* const> statement, std::span<const Fr> public_values,
                         int threads, GraphProfile* profile) {
  // The channel's deferred relations (zero knowledge) come before the proof's later checks: a failure there is
  // the one to report.
  const Status s = verify_graph(ch, graph, statement, public_values, threads, profile);
  ch.set_context({});
  if (Status f = ch.flush(); !f) return f;
  return s;
}

namespace {

Status verify_graph(VerifierChannel& ch, const StepGraph& graph, std::span<const HyraxCommitment* const> statement,
                    std::span<const Fr> public_values, int threads, GraphProfile* profile) {
  GraphProfile unused;
  GraphProfile& prof = profile ? *profile : unused;
  Stopwatch sw;
  size_t last_bytes = ch.reader().offset();
  const auto lap = [&](double& slot, uint64_t& bytes) {
    slot += sw.seconds();
    sw.reset();
    bytes += ch.reader().offset() - last_bytes;
    last_bytes = ch.reader().offset();
  };
  const auto& ts = graph.tensors();
  if (Status s = graph.validate(); !s) return s;
  const std::vector<size_t> st = graph.statement_tensors();
  if (st.size() != statement.size()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "step graph: wrong number of statement commitments");
  }
  const std::vector<size_t> pub = graph.public_outputs();
  if (pub.size() != public_values.size()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "step graph: wrong number of public output values");
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
    if (!c) return named(c.error(), "commitment of " + ts[i].name);
    if (!(c->params() == params_for(ts[i]))) {
      return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "commitment of " + ts[i].name + " has the wrong shape");
    }
    hyrax_absorb(t, ts[i].name, c.value());
    proof_commitments.push_back(std::move(c.value()));
    commitment_of[i] = static_cast<int64_t>(st.size() + proof_commitments.size() - 1);
  }
  if (Status s = ch.sync("step"); !s) return s;
  lap(prof.commitments_s, prof.commitments_bytes);

  ClaimBook<VerifierClaim> book(ts.size());
  ch.set_context("zero padding");
  for (const std::vector<size_t>& group : padding_groups(ts)) {
    auto cs = zero_padding_verify_batch(ch, ts[group[0]].dims, group.size());
    if (!cs) return named(cs.error(), "zero padding of " + ts[group[0]].name + (group.size() > 1 ? " and others" : ""));
    for (size_t k = 0; k < group.size(); ++k) book.add(ts[group[k]], group[k], (*cs)[k]);
  }
  lap(prof.padding_s, prof.padding_bytes);
  ch.set_context("range argument");
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
    if (!r) return named(r.error(), "range argument");
    range.emplace(std::move(r.value()));
    for (size_t c = 0; c < shapes.size(); ++c) book.add(ts[column_tensor[c]], column_tensor[c], range->value_claims[c]);
  }
  lap(prof.range_s, prof.range_bytes);
  std::vector<LogupVerifierResult> logups;
  for (const auto& [table_id, lookups] : lookups_by_table(graph)) {
    const LookupTable& table = lookup_table(table_id);
    ch.set_context("lookup argument of table " + std::string(table.name()));
    std::vector<std::vector<uint64_t>> dims;
    for (const size_t l : lookups) dims.push_back(ts[graph.lookups()[l].tuple[0]].dims);
    auto r = logup_verify(ch, table, dims, threads);
    if (!r) return named(r.error(), "lookup argument of table " + std::string(table.name()));
    logups.push_back(std::move(r.value()));
    for (size_t c = 0; c < lookups.size(); ++c) {
      const GraphLookup& lk = graph.lookups()[lookups[c]];
      for (size_t j = 0; j < lk.tuple.size(); ++j) {
        book.add(ts[lk.tuple[j]], lk.tuple[j], logups.back().column_claims[c][j]);
      }
    }
  }

  lap(prof.lookups_s, prof.lookups_bytes);
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].cut) continue;
    const std::vector<Fr> z = ch.challenges("cut-point", tensor_vars(ts[i].dims));
    auto v = ch.receive("cut-value");
    if (!v) return named(v.error(), "cut " + ts[i].name);
    book.settle[i].push_back({z, v.value()});
    book.reduce[i].push_back({z, v.value()});
  }
  for (size_t k = 0; k < pub.size(); ++k) {
    book.reduce[pub[k]].push_back({{}, VerifierValue::constant(public_values[k])});
  }

  const auto& ops = graph.ops();
  for (size_t k = ops.size(); k-- > 0;) {
    GraphOpVerifier ctx(ch, graph, ops[k], book);
    ch.set_context(op_label(ops[k]));
    Stopwatch op_sw;
    if (Status s = ops[k].op->verify(ctx); !s) return named(s.error(), op_label(ops[k]));
    prof.by_operation_s[std::string(ops[k].op->kind())] += op_sw.seconds();
  }

  ch.set_context("public tensors");
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].origin != TensorOrigin::PUBLIC) continue;
    const PublicTensor& p = *graph.publics()[static_cast<size_t>(ts[i].public_tensor)];
    for (const VerifierClaim& c : book.settle[i]) {
      if (Status s = ch.check_equal("public-tensor", c.value, VerifierValue::constant(p.evaluate(c.point)),
                                    ErrorCode::PUBLIC_TENSOR_MISMATCH, "a claim on public tensor " + ts[i].name);
          !s) {
        return s;
      }
    }
  }

  lap(prof.operations_s, prof.operations_bytes);
  ch.set_context("openings");
  std::vector<const HyraxCommitment*> commitments(statement.begin(), statement.end());
  for (const HyraxCommitment& c : proof_commitments) commitments.push_back(&c);
  std::vector<CommittedVerifierClaim> open;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].committed()) continue;
    for (const VerifierClaim& c : book.settle[i]) open.push_back({static_cast<size_t>(commitment_of[i]), c});
  }
  for (const LogupVerifierResult& l : logups) {
    open.push_back({commitments.size(), l.multiplicity_claim});
    commitments.push_back(&l.multiplicity_commitment);
  }
  if (Status s = verify_openings(ch, commitments, open, threads); !s) return named(s.error(), "openings");
  if (range) {
    if (Status s = range_check_verify_open(ch, *range, threads); !s) return named(s.error(), "range argument opening");
  }
  lap(prof.openings_s, prof.openings_bytes);
  return {};
}

}  // namespace

}  // namespace zklora

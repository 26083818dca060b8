// The per-operation harness (after llama.cpp's test-backend-ops: one small case per operation, every mode run over
// the same cases). A case names an operation, its shapes and bounded random inputs; the harness puts the
// operation alone in a step graph (free inputs committed and range checked, or public; derived outputs cut so a
// random claim reaches the operation; a scalar output public) and runs:
//   - completeness in the clear and the zero-knowledge channel;
//   - a tamper of every message of the operation (clear channel: every field element it sends, bumped by one;
//     zero-knowledge channel: bytes at spaced positions), each rejected with a typed rejection;
//   - a different transcript, rejected with TRANSCRIPT_MISMATCH;
//   - a one-entry change of every output and helper (the witness the operation computed, changed, proven by a
//     prover that keeps going past false relations), each rejected with the exact error the case declares.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "zklora/ops/operation.h"
#include "zklora/poly/shape.h"
#include "zklora/step/graph.h"

namespace zklora::testing {

struct HarnessInput {
  std::string name;
  std::vector<uint64_t> dims;
  std::vector<int64_t> values;                // row-major; unused for a public input
  std::optional<RangeSpec> range;             // a bound the values keep (the free input is range checked)
  std::shared_ptr<const PublicTensor> pub;    // set: the input is this public tensor
};

// How to change one entry of a produced tensor (default: the middle entry, by +1, or -1 if that leaves its range).
struct HarnessChange {
  HarnessChange(ErrorCode e, std::optional<size_t> a = {}, int64_t d = 1) : expected(e), at(a), delta(d) {}  // NOLINT
  ErrorCode expected;
  std::optional<size_t> at;
  int64_t delta;
};

struct OpCase {
  std::string name;
  std::function<std::unique_ptr<Operation>()> make;
  std::vector<HarnessInput> inputs;
  // Every output and helper, by its name within the operation ("" for the first output), with the rejection a
  // one-entry change of it must meet.
  std::map<std::string, HarnessChange> changes;
};

// The registered cases (op_harness_test.cpp).
const std::vector<OpCase>& op_cases();

struct HarnessRun {
  StepGraph graph;
  StepWitness witness;
  std::vector<Fr> public_values;
  size_t op = 0;  // the operation's index in the graph
};

namespace detail {

// The operation's graph (the same on both sides): inputs, the operation, its derived outputs cut or public.
inline StepGraph graph_of(const OpCase& c, size_t* op) {
  StepGraph g;
  std::vector<size_t> ids;
  for (const HarnessInput& in : c.inputs) {
    ids.push_back(in.pub ? g.add_public_tensor("in." + in.name, in.pub)
                         : g.add_proof_tensor("in." + in.name, in.dims, in.range));
  }
  const std::vector<size_t> outs = g.apply(c.make(), ids, "op");
  *op = g.ops().size() - 1;
  for (const size_t o : outs) {
    const GraphTensor& t = g.tensors()[o];
    if (t.op_committed) continue;
    if (PaddedShape(t.dims).numel() == 1 && tensor_vars(t.dims) == 0) {
      g.mark_public_output(o);
    } else {
      g.mark_cut(o);
    }
  }
  return g;
}

}  // namespace detail

// Uniform integers in [lo, hi].
inline std::vector<int64_t> uniform(size_t n, int64_t lo, int64_t hi, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int64_t> d(lo, hi);
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = d(gen);
  return v;
}

inline size_t numel(const std::vector<uint64_t>& dims) {
  size_t n = 1;
  for (const uint64_t d : dims) n *= d;
  return n;
}

inline HarnessRun harness_build(const OpCase& c) {
  HarnessRun r;
  r.graph = detail::graph_of(c, &r.op);
  const auto& ts = r.graph.tensors();
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.inputs[i].pub) r.witness.set(i, c.inputs[i].values);
  }
  graph_compute_witness(r.graph, r.witness);
  for (const size_t id : r.graph.public_outputs()) r.public_values.push_back(r.witness.data(id).at(0));
  (void)ts;
  return r;
}

inline std::vector<uint8_t> harness_prove(const HarnessRun& r, ChannelMode mode, GraphProofMap* map = nullptr,
                                          bool allow_false_relations = false,
                                          std::string_view protocol = "op-harness") {
  Transcript t(protocol);
  auto ch = make_prover_channel(mode, t);
  if (allow_false_relations) ch->allow_false_relations();
  graph_prove(*ch, r.graph, r.witness, {}, r.public_values, 0, map);
  return ch->take_proof();
}

inline Status harness_verify(const OpCase& c, std::span<const uint8_t> proof, ChannelMode mode,
                             std::span<const Fr> public_values, std::string_view protocol = "op-harness") {
  size_t op = 0;
  const StepGraph g = detail::graph_of(c, &op);
  Transcript t(protocol);
  auto ch = make_verifier_channel(mode, t, proof);
  return graph_verify(*ch, g, {}, public_values);
}

}  // namespace zklora::testing

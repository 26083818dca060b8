// StepGraph::leave_unproven (graph.h): a proven graph turned into one that leaves some operations unproven (the
// LINEAR_BACKBONE benchmark's graphs, recipe.h), by rebuilding it in topological order without them.
//
// The result proves what the kept operations compute from what the dropped ones output: a dropped output a kept
// operation reads is a free tensor of the proof (committed, range checked), and what a dropped operation read is
// committed as a cut (a random claim ties the commitment to its producer), so the statement can name the dropped
// operations as unproven and their inputs and outputs are fixed before any challenge.
#include <string>

#include "zklora/step/graph.h"

namespace zklora {
namespace {

[[noreturn]] void bad_transform(const std::string& what) {
  throw ZkError(ErrorCode::INVALID_ARGUMENT, "step graph: " + what);
}

}  // namespace

StepGraph StepGraph::leave_unproven(const std::function<bool(const GraphOp&)>& unproven, RangeSpec free_range,
                                    std::vector<size_t>* full_id) && {
  const size_t n = tensors_.size();
  size_t declared_lookups = 0;
  for (const GraphOp& o : ops_) declared_lookups += o.op->lookups().size();
  if (declared_lookups != lookups_.size()) bad_transform("leave_unproven keeps only the operations' own lookups");

  // The dropped operations: the selected ones, and every rescaling of a dropped one's output.
  std::vector<bool> dropped(ops_.size(), false);
  for (size_t k = 0; k < ops_.size(); ++k) {
    const GraphOp& o = ops_[k];
    const int64_t p = tensors_[o.inputs[0]].producer;
    dropped[k] = unproven(o) || (o.op->kind() == "rescale" && p >= 0 && dropped[static_cast<size_t>(p)]);
  }
  std::vector<bool> read_by_dropped(n, false);
  for (size_t k = 0; k < ops_.size(); ++k) {
    if (!dropped[k]) continue;
    for (const size_t i : ops_[k].inputs) read_by_dropped[i] = true;
    for (const std::vector<size_t>* v : {&ops_[k].outputs, &ops_[k].helpers}) {
      for (const size_t i : *v) {
        if (tensors_[i].origin == TensorOrigin::STATEMENT || tensors_[i].public_output) {
          bad_transform(tensors_[i].name + " is the statement's, but its producer is left unproven");
        }
      }
    }
  }

  StepGraph out;
  std::vector<int64_t> new_of(n, -1);
  // An input of a kept operation, added when first read.
  const auto input = [&](size_t i) -> size_t {
    if (new_of[i] >= 0) return static_cast<size_t>(new_of[i]);
    const GraphTensor& t = tensors_[i];
    size_t id = 0;
    if (t.origin == TensorOrigin::PUBLIC) {
      id = out.add_public_tensor(t.name, publics_[static_cast<size_t>(t.public_tensor)]);
    } else if (t.producer >= 0) {
      if (!dropped[static_cast<size_t>(t.producer)]) bad_transform(t.name + " is read before it is produced");
      id = out.add_proof_tensor(t.name, t.dims, free_range);  // a dropped operation's output
    } else if (t.origin == TensorOrigin::STATEMENT) {
      id = out.add_statement_tensor(t.name, t.dims, t.checked, t.range);
      out.tensors_[id].key = t.key;
      out.tensors_[id].row_vars = t.row_vars;
    } else {
      id = out.add_proof_tensor(t.name, t.dims, t.range);  // a free tensor already
    }
    new_of[i] = static_cast<int64_t>(id);
    return id;
  };
  for (size_t k = 0; k < ops_.size(); ++k) {
    if (dropped[k]) continue;
    GraphOp& o = ops_[k];
    std::vector<size_t> in;
    for (const size_t i : o.inputs) in.push_back(input(i));
    out.apply(std::move(o.op), std::move(in), o.name);
    const GraphOp& added = out.ops_.back();
    for (size_t j = 0; j < o.outputs.size(); ++j) new_of[o.outputs[j]] = static_cast<int64_t>(added.outputs[j]);
    for (size_t j = 0; j < o.helpers.size(); ++j) new_of[o.helpers[j]] = static_cast<int64_t>(added.helpers[j]);
  }

  // The marks of what kept operations produce, and the cuts the dropped operations' inputs become.
  for (size_t i = 0; i < n; ++i) {
    const GraphTensor& t = tensors_[i];
    if (new_of[i] < 0 || t.producer < 0 || dropped[static_cast<size_t>(t.producer)]) continue;
    const size_t id = static_cast<size_t>(new_of[i]);
    if (t.range && !out.tensors_[id].range) out.add_range(id, *t.range);
    if (t.origin == TensorOrigin::STATEMENT && t.op_committed) {
      out.mark_statement_committed(id, *t.key);
    } else if (t.origin == TensorOrigin::STATEMENT) {
      if (t.key) {
        out.mark_statement_output(id, *t.key);
      } else {
        out.mark_statement_output(id, t.name);
      }
    } else if (t.cut || (read_by_dropped[i] && !t.op_committed && !t.helper)) {
      out.mark_cut(id);
    }
    if (t.public_output) out.mark_public_output(id);
  }
  if (full_id) {
    full_id->assign(out.tensors_.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      if (new_of[i] >= 0) (*full_id)[static_cast<size_t>(new_of[i])] = i;
    }
  }
  tensors_.clear();
  ops_.clear();
  lookups_.clear();
  publics_.clear();
  return out;
}

}  // namespace zklora

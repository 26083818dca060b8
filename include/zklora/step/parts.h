// A step's sub-proofs and its header (DESIGN.md section 4, "Sub-proofs"; docs/protocol.md section 16).
//
// A step is proven as sub-proofs, each the proof of one part of the step's graph:
//   EMBEDDING            h_0 = E[tok] and the batch's one-hot matrix
//   LAYER l (0 <= l < L) h_{l+1} = layer_l(h_l); in a STEP also dh_l = layer_l'(dh_{l+1}) (not for l = 0) and the
//                        summed loss's gradients of layer l's adapter matrices
//   HEAD                 the final norm, the LM head and the loss (public outputs: the loss sum, and N in a STEP);
//                        in a STEP also dh_L, the gradient at the head's input
//   UPDATE (STEP only)   the mean gradient, clipping (the one coupling across layers) and the optimizer's update
//                        of every adapter matrix and its state, from the layers' committed adapter gradients
// in that order. What crosses a part's boundary is a CUT: committed by the prover before any sub-proof, in the
// step's HEADER (tensor_key.h, the kinds RESIDUAL, RESIDUAL_GRAD, ONE_HOT, ADAPTER_GRAD), produced by one part
// (a statement output of its graph: a random claim ties the commitment to what the part computes) and read by
// another (a statement input). The binding of the commitment makes the two agree, so the parts together prove
// the step's relation; each part alone proves its piece given the header.
//
// Transcripts. The step's: "zklora-step", the statement (statement.h: with the run and the public outputs), the
// number of cuts and each cut's commitment by name, in the plan's order. A part's: fork("part", code) of the
// step's, code = kind << 32 | index, then the commitments its graph reads from the statement (the base weights, the
// adapter, the state, the batch, the cuts and outputs it reads or writes) by name, then its graph's protocol
// (graph.h). Every challenge of every part is drawn after the statement and every cut are absorbed; no part
// depends on another's messages, so they are proven in any order, on threads or machines, and checked one by one.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "zklora/pcs/hyrax.h"
#include "zklora/step/statement.h"
#include "zklora/step/tensor_key.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

enum class PartKind : uint8_t { EMBEDDING = 1, LAYER = 2, HEAD = 3, UPDATE = 4 };

struct PartId {
  PartKind kind = PartKind::EMBEDDING;
  int64_t index = 0;  // the layer of a LAYER part, else 0

  // "embedding", "layer 3", "head", "update".
  std::string name() const;
  // kind << 32 | index: what a part's transcript is forked by and a step file records.
  uint64_t code() const;
  auto operator<=>(const PartId&) const = default;
};

// A tensor of the step's header.
struct CutSpec {
  TensorKey key;
  std::vector<uint64_t> dims;
};

// What a statement's proof is made of: its parts, in order, and its header's cuts, in order.
struct StepPlan {
  std::vector<PartId> parts;
  std::vector<CutSpec> cuts;
};

// ZkError INVALID_ARGUMENT for a statement that does not validate.
StepPlan step_plan(const StepStatement& s);

// A prover's estimate of a part's cost, in arbitrary units proportional to its proving time (the entries its
// graph's largest products and range checks touch): for progress, the time left, and spreading parts over workers.
double part_cost_estimate(const StepStatement& s, PartId part);

// The header's commitments, in the plan's order.
using NamedCommitment = std::pair<std::string, HyraxCommitment>;

// The step's transcript (after the statement and the header); the header must hold the plan's cuts, in order
// (SUBPROOF_MISMATCH otherwise), each of its tensor's Hyrax shape (HYRAX_SHAPE_MISMATCH otherwise).
Result<Transcript> step_transcript(const StepStatement& s, const StepPlan& plan,
                                   std::span<const NamedCommitment> header);
Transcript part_transcript(const Transcript& step, PartId part);

}  // namespace zklora

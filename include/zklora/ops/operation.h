// The interface every operation of the step graph implements (DESIGN.md section 4): an operation turns the one
// claim on each of its outputs into claims on its inputs, on the prover side from the witness and on the
// verifier side from the proof alone.
//
//   prove:   (witness of inputs and outputs, claims (z_o, v_o) on the outputs)  ->  claims on the inputs
//   verify:  (claims (z_o, v_o) on the outputs, the proof stream)               ->  claims on the inputs, or Error
//
// Both sides run the same sequence of channel calls (channel.h), so an operation is written once for the clear
// and the zero-knowledge channel. The verifier side never receives tensors: only what the channel gives it.
// An operation's public specification (shapes, shifts, constants) is absorbed by the graph before any claim is
// reduced (absorb), so two graphs that differ in one constant produce different challenges.
//
// Caveat: an output claim's value must already be bound by the transcript (sent, or derived from what was sent):
// the reductions below are sumchecks and linear relations that take the value as given (sumcheck.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/poly/table.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

// A tensor of the witness: its dims, its entries row-major unpadded, and the same zero-padded to the MLE layout
// of poly/shape.h (what claims are about), made when an operation first asks for it.
struct TensorData {
  std::vector<uint64_t> dims;
  TableView data;
  std::function<TableView()> make_padded;
  TableView padded() const { return make_padded(); }
};

struct InputProverClaim {
  size_t input;  // index into the operation's inputs
  ProverClaim claim;
};

struct InputVerifierClaim {
  size_t input;
  VerifierClaim claim;
};

class Operation {
 public:
  virtual ~Operation() = default;

  virtual std::string_view name() const = 0;
  virtual size_t num_inputs() const = 0;
  // The dims each input and the output must have (the graph checks its wiring against them).
  virtual std::vector<std::vector<uint64_t>> input_dims() const = 0;
  virtual std::vector<uint64_t> output_dims() const = 0;
  // The public specification, under the operation's name.
  virtual void absorb(Transcript& t) const = 0;

  virtual std::vector<InputProverClaim> prove(ProverChannel& ch, std::span<const TensorData> inputs,
                                              const TensorData& output, const ProverClaim& output_claim,
                                              int threads) const = 0;
  virtual Result<std::vector<InputVerifierClaim>> verify(VerifierChannel& ch,
                                                         const VerifierClaim& output_claim) const = 0;
};

// s~(z): the MLE of the selector of a tensor of these dims (1 on its real entries, 0 in the padding).
Fr selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z);

// The number of MLE variables of a tensor of these dims (poly/shape.h).
unsigned tensor_vars(std::span<const uint64_t> dims);

void absorb_dims(Transcript& t, std::string_view label, std::span<const uint64_t> dims);

}  // namespace zklora

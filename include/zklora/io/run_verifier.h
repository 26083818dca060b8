// `zklora verify RUN`: checks a proven run from its public files alone (run_files.h), never the prover's blinds,
// the model's weights or the data.
//
// The checks, in order; the first that fails rejects the run with a one-line reason naming the step or the file:
//   - statement.json is a run statement with nothing unproven, proven in zero knowledge (unless the caller allows
//     the clear channel), and weights.commitment.bin, data.commitment.bin and
//     initial.commitments.bin are the files it names (by digest); the initial set holds exactly the adapter
//     matrices of the statement's model and LoRA configuration;
//   - the weight commitment carries its weight check and the check verifies (or the caller trusts a commitment
//     made without one, explicitly), was made for the statement's model configuration and checkpoint, and, when
//     the caller holds its own copy of the model's commitment (`--weights`), is that one;
//   - for t = 1..steps, step-t.proof exists, belongs to this run, holds step t with the batch indices of the run's
//     seeded order, starts from the commitments step t - 1 ended with (the initial adapter's for t = 1), ends with
//     exactly the adapter and state the statement names, and its sub-proofs are the step's, in order, each
//     verified as it is read (step/step_proof.h, over the data commitment); no proof file beyond the last step;
//   - when RUN carries adapter_opening.bin, it opens exactly the adapter commitments the last step ended with, and
//     the PEFT adapter in RUN (when present) is that adapter, bit for bit. Without the opening the verdict reports
//     the final commitment's digest only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/io/run_files.h"
#include "zklora/step/graph.h"

namespace zklora {

struct VerifyRunOptions {
  int threads = 0;
  // The model's weight commitment as the verifier obtained it (from the model's owner); the run must be proven
  // against exactly this file.
  std::optional<std::filesystem::path> weights;
  // Accept a weight commitment made without its weight check (`zklora commit --skip-weight-check`).
  bool trust_weights = false;
  // Accept proofs made in the clear channel (`zklora train --no-zk`, for debugging): they reveal the witness.
  bool allow_clear = false;
};

struct SubproofVerdict {
  std::string name;  // "layer 3"
  int64_t bytes = 0;
  double verify_s = 0;
};

struct StepVerdict {
  int64_t step = 0;
  double loss = 0;       // the proven loss
  int64_t tokens = 0;
  double verify_s = 0;
  int64_t proof_bytes = 0;  // the step file's
  GraphProfile profile;     // the verifier's times and the proof's bytes by part, summed over the sub-proofs
  std::vector<SubproofVerdict> subproofs;
};

struct RunVerdict {
  bool accepted = false;
  ErrorCode code = ErrorCode::PROOF_REJECTED;  // of the rejection
  std::string reason;                           // one line, naming the step or the file
  std::vector<StepVerdict> steps;               // the steps verified, in order
  int64_t steps_stated = 0;
  bool weights_checked = false;                 // false: trusted on the caller's word
  enum class Adapter { NOT_CARRIED, OPENED, OPENED_WITH_PEFT } adapter = Adapter::NOT_CARRIED;
  Digest final_adapter{};                       // commitments_digest of the adapter the last step committed
};

// The verdict; an Error (exit code 2) only when RUN cannot be read as a run at all (no statement.json, a
// statement that is not one, a public commitment file missing). `on_step` sees each step as it is verified.
Result<RunVerdict> verify_run(const std::filesystem::path& run, const VerifyRunOptions& options = {},
                              const std::function<void(const StepVerdict&)>& on_step = {});

}  // namespace zklora

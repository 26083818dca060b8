// `zklora train` with proofs: LoRA fine-tuning where every step is proven (step/step_proof.h, STEP mode, nothing
// unproven) and written to a run directory (run_files.h) as it is made.
//
// Before the first step the run
//   - reads the model's weight commitment, or commits the model when it has none (io/model_commitment.h);
//   - reads the data set and its commitment (a file `zklora commit --data` made, whose content hash must be this
//     data set's), or commits the data set itself into RUN/prover/;
//   - commits the initial adapter (PEFT's initialization from the seed, or --init-adapter);
//   - writes statement.json and the three public commitment files.
// Step t (1-based) takes the rows batch_indices(n, B, seed, t - 1) of the data set (model/trainer.h) and proves the
// step from the commitments step t - 1 ended with (the initial adapter's for t = 1), streaming (step/step_proof.h):
// the engine's pass (the layers' weights streamed from the checkpoint), the header's commitments, then each
// sub-proof in turn (or `jobs` at once, on threads sharing the cores), appended to step-t.proof.tmp as it is
// made and freed; so the prover holds one sub-proof's witness (per job) whatever the model's depth. Then, each
// atomically, RUN/prover/state-t.bin (the adapter and optimizer state after the step, with their blinds), then
// step-t.proof (the temporary file renamed), then state-(t-1) is removed; report.json and report.svg follow. After the last step the adapter goes
// to RUN in PEFT's layout with adapter_opening.bin. An interruption at any point leaves a run that resume_run
// continues from its last complete proof: the adapter, the losses and every step's statement are those of an
// uninterrupted run (the proofs' bytes differ only by the prover's randomness, as any two proofs do).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/io/run_report.h"
#include "zklora/model/trainer.h"

namespace zklora {

struct RunOptions {
  // What is trained, as `zklora train --no-prove` trains it (model/trainer.h): the model, the data set, the run
  // directory (out_dir, RUN), steps, batch, seq, seed, LoRA, optimizer, the initial adapter, overwrite. Its
  // dump_grads and quiet do not apply to a proven run.
  TrainOptions train;
  // The public file of a data commitment `zklora commit --data` made (its prover file beside it); without it the
  // run commits the data set itself.
  std::optional<std::filesystem::path> data_commitment;
  // The model's weight commitment (default MODEL/zklora-commitment.bin; made when missing or stale).
  std::optional<std::filesystem::path> weights_commitment;
  bool skip_weight_check = false;  // when the run commits the model: no weight check (verifiers must trust it)
  bool zero_knowledge = true;
  int threads = 0;
  // Sub-proofs proven at once, each on threads / jobs threads; fewer when the memory available cannot hold that
  // many sub-proofs' witnesses (a message says so).
  int jobs = 1;
};

// What a run reports while it works. Every method has a default that does nothing.
class RunObserver {
 public:
  // ENGINE: the engine's pass and the header's commitments; PROVE: the sub-proofs.
  enum class Phase { ENGINE, PROVE };
  virtual ~RunObserver() = default;
  virtual void message(const std::string& /*line*/) {}
  // A phase of step `step` (of `steps`) begins.
  virtual void phase(Phase /*phase*/, int64_t /*step*/, int64_t /*steps*/) {}
  // The sub-proofs of step `step`: `done` of `parts` written, `running` the ones being proven ("layer 3"), and
  // the prover's estimate of the step's seconds left (from the parts' estimated costs and the time so far).
  virtual void subproofs(int64_t /*step*/, int64_t /*steps*/, size_t /*done*/, size_t /*parts*/,
                         const std::string& /*running*/, double /*left_s*/) {}
  // Step r.step is proven and written; returning false stops the run there (it stays resumable).
  virtual bool step_done(const StepReport& /*r*/, int64_t /*steps*/) { return true; }
};

struct RunResult {
  std::vector<StepReport> steps;  // every step of the run so far, resumed ones included
  bool complete = false;          // all steps proven and the adapter written
};

// INVALID_ARGUMENT for options that do not make a run (naming the option), an existing run in out_dir without
// `overwrite`, a data commitment made for other data; the engine's and the file system's errors as they are.
Result<RunResult> prove_run(const RunOptions& options, RunObserver* observer = nullptr);

// Continues RUN from its last complete proof (INVALID_ARGUMENT when RUN is not a run this prover can continue:
// no statement, no prover state for its last proof, a gap in its proofs). model_dir and data_file override where
// the run's prover/run.json says they are.
Result<RunResult> resume_run(const std::filesystem::path& run, int threads, int jobs = 1, RunObserver* observer = nullptr,
                             const std::optional<std::filesystem::path>& model_dir = {},
                             const std::optional<std::filesystem::path>& data_file = {});

}  // namespace zklora

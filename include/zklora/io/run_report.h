// A run's report (run_files.h: report.json and report.svg): per proven step, the loss the step file proves, the
// batch's number of targets, the prover's times, the proof size and the peak memory, as data and as a plot.
//
// report.json (nlohmann::json, dump(1) and a newline):
//   {"steps": [{"step": 1, "loss": .., "tokens": .., "witness_s": .., "commit_s": .., "prove_s": ..,
//               "proof_bytes": .., "peak_rss_mb": .., "subproofs": .., "subproofs_s": .., "largest_subproof_s": ..,
//               "largest_subproof": "layer 3", "subproofs_bytes": .., "largest_subproof_bytes": .., "cuts_bytes": ..},
//              ...]}
// witness_s is the engine's pass (the step computed without a proof, giving the cuts), commit_s the commitments of
// the cuts and outputs (the step's header), prove_s the sub-proofs' wall time; subproofs_s their sum (above the wall
// time when several are proven at once), so that the streaming overhead (everything but the sub-proofs) is
// witness_s + commit_s over the whole. The sub-proofs' fields are optional when read (reports of runs whose steps
// were one proof).
// Steps are listed 1, 2, 3, ... in order. A non-finite real (a loss that overflowed, a time never measured) is
// written as null and read back as NaN.
//
// report.svg is drawn here, without a plotting library: a self-contained SVG (no scripts, fonts or linked files)
// with two panels sharing the x axis "step": the proven loss (nats) as a polyline with point markers, and the
// prove time (seconds) as bars. Axes carry "nice" ticks (1, 2 or 5 x 10^k). Non-finite values are left out of
// the plot; with many steps the markers are thinned; equal values draw a flat line.
//
// Caveat: the report is informative only. A verifier recomputes the loss from the step files (loss sum and count)
// and never trusts report.json; the times and memory are the prover's own measurements.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"

namespace zklora {

// One proven step of a run, as report.json lists it.
struct StepReport {
  int64_t step = 0;     // 1-based
  double loss = 0;      // the proven loss (mean cross-entropy over the batch's targets, nats)
  int64_t tokens = 0;   // targets of the batch (N)
  double witness_s = 0, commit_s = 0, prove_s = 0;
  int64_t proof_bytes = 0;
  double peak_rss_mb = 0;
  int64_t subproofs = 0;
  double subproofs_s = 0, largest_subproof_s = 0;
  std::string largest_subproof;  // its name ("layer 3")
  int64_t subproofs_bytes = 0, largest_subproof_bytes = 0, cuts_bytes = 0;
};

// report.json for `steps` (which the caller keeps numbered 1, 2, 3, ...).
std::string report_json(std::span<const StepReport> steps);

// Reads report.json. INVALID_ARGUMENT naming `where` when the text is not JSON, a field is missing or of the
// wrong type, a count is negative, or the steps are not 1, 2, 3, ... in order. Never throws.
Result<std::vector<StepReport>> parse_report_json(const std::string& text, const std::string& where);

// report.svg: the loss and prove-time panels under `title` (escaped); with no steps, an SVG that says so.
std::string report_svg(std::span<const StepReport> steps, const std::string& title);

}  // namespace zklora

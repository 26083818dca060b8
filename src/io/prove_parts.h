// Private to the io layer: proving a step's sub-proofs one after the other or several at once (step_proof.h's
// StepProver), handing each to a sink in the plan's order as soon as it and every one before it are done, so a
// caller appends them to the step file as they come and holds at most `jobs` proofs besides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/step/step_proof.h"

namespace zklora::io {

struct PartDone {
  size_t index = 0;  // in the plan
  std::vector<uint8_t> proof;
  double seconds = 0;  // its witness and proof
};

// Called in the plan's order; a failed status stops the proving (the workers finish the parts they hold).
using PartSink = std::function<Status(PartDone&)>;
// Progress: `done` parts handed to the sink, the names of those being proven, the estimated seconds left.
using PartProgress = std::function<void(size_t done, const std::string& running, double left_s)>;

// jobs >= 1 workers, each proving with max(1, threads / jobs) threads. ZkError as the prover throws it (the first
// one, naming its part) or the sink's error.
Status prove_parts(const StepProver& prover, int jobs, int threads, const PartSink& sink,
                   const PartProgress& progress = {});

// How many sub-proofs of this prover's plan fit in memory at once, at most `jobs`: the largest part's estimated
// peak (part_cost_estimate, about 6 bytes per unit) against the memory the system has available.
int jobs_that_fit(const StepProver& prover, int jobs);

}  // namespace zklora::io
